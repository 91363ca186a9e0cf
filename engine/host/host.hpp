// engine/host/host.hpp — the host: the plugin registry, the handle tables
// of model instances, the host table every plugin instance receives, and
// the end-of-life leak report (rules 3, 5, 9).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/core/thread_token.hpp"
#include "engine/host/model_instance.hpp"
#include "engine/host/run_services.hpp"
#include "engine/plugin/handle_table.hpp"
#include "engine/plugin/plugin_registry.hpp"
#include "keel/keel.h"

namespace keel {

class Host;

// The host_data behind one keel_host_t: who is calling.
struct InstanceContext {
  Host* host = nullptr;
  std::string name;                 // "model 'bs'", "strategy 'mm'", "plugin loader"
  PluginLibrary* plugin = nullptr;  // the caller's plugin; null for the host itself
  keel_host_t table{};
  // While the instance is a strategy of a running engine: its slot there,
  // so a host call finds its strategy at once (engine/run/strategy_host.hpp
  // checks that the slot is this context's). SIZE_MAX otherwise.
  size_t run_slot = SIZE_MAX;
  // Capsules handed to this caller through the host table and not yet
  // released; shared with the capsules' tracking records, which may outlive us.
  std::shared_ptr<std::atomic<int64_t>> capsules_outstanding =
      std::make_shared<std::atomic<int64_t>>(0);

  // The host-thread rule (keel/host.h): a [host-thread] member this instance
  // called from a thread of its own was refused, and the first such call is
  // described here. The host checks the flag after each callback it makes on
  // the instance and stops it then.
  void record_wrong_thread(const char* member);
  bool broke_thread_rule() const { return wrong_thread_.load(std::memory_order_relaxed); }
  // For a caller that checks after every callback without including this file.
  const std::atomic<bool>& wrong_thread_flag() const { return wrong_thread_; }
  std::string thread_rule_violation() const;

 private:
  std::atomic<bool> wrong_thread_{false};
  mutable std::mutex wrong_thread_mutex_;
  std::string wrong_thread_message_;  // under the mutex
};

// Something a plugin instance did not give back.
struct Leak {
  std::string owner;  // the instance that held it
  std::string what;   // "model handle 0x... (keel.black_scholes)", "1 capsule"
};

class Host {
 public:
  Host();
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  PluginRegistry& registry() { return registry_; }

  // A fresh context (and host table) for an instance being created.
  std::unique_ptr<InstanceContext> make_context(std::string name, PluginLibrary* plugin);

  // Creates a model instance from a factory id. `owner` is the instance that
  // asked (through the host table), or null when the host itself owns it.
  Result<keel_model_handle_t> create_model(const std::string& factory_id,
                                           const std::string& params_json, const std::string& name,
                                           InstanceContext* owner = nullptr);
  // The same from a factory found already.
  Result<keel_model_handle_t> create_model(const Factory& factory, const std::string& params_json,
                                           const std::string& name,
                                           InstanceContext* owner = nullptr);
  // Drops a model. `owner` must be the instance that created it (null for
  // host-owned models).
  Status drop_model(keel_model_handle_t handle, InstanceContext* owner = nullptr);
  // The instance behind a handle; shared so a concurrent drop cannot free it
  // under a caller.
  Result<std::shared_ptr<ModelInstance>> model(keel_model_handle_t handle);

  // Names a host-owned model for keel_host_t.model_lookup.
  Status name_model(const std::string& name, keel_model_handle_t handle);
  Result<keel_model_handle_t> lookup_model(const std::string& name);

  // Records what `context`'s instance failed to give back, and drops its
  // models. Called when an instance is dropped.
  void close_context(InstanceContext& context);

  // Drops everything still alive and returns every leak recorded in this
  // process's life of the host (rule 9's report).
  std::vector<Leak> shutdown();
  const std::vector<Leak>& leaks() const { return leaks_; }

  // The thread [host-thread] members must be called on: the one that made
  // the Host, until a run binds the thread that runs it.
  void bind_to_current_thread() { thread_ = current_thread_token(); }
  bool on_host_thread() const { return current_thread_token() == thread_; }

  void set_run_services(RunServices* services) { run_ = services; }
  RunServices* run_services() const { return run_; }

  // The table handed to plugin entries at load time.
  const keel_host_t* load_host() const { return &loader_context_->table; }

 private:
  struct ModelSlot {
    std::shared_ptr<ModelInstance> instance;
    InstanceContext* owner = nullptr;  // null: host-owned
    std::string owner_name;
  };

  std::unique_ptr<InstanceContext> loader_context_;
  PluginRegistry registry_;
  std::mutex models_mutex_;
  HandleTable<KEEL_HANDLE_KIND_MODEL, ModelSlot> models_;
  std::vector<std::pair<std::string, keel_model_handle_t>> model_names_;
  std::vector<Leak> leaks_;
  RunServices* run_ = nullptr;
  ThreadToken thread_ = current_thread_token();
  bool shut_down_ = false;
};

// The C host table's functions (engine/host/host_table.cpp).
keel_host_t make_host_table(InstanceContext* context);

}  // namespace keel
