// engine/plugin/plugin_library.hpp — one loaded plugin shared object.
//
// PluginLibrary::load() opens a file with RTLD_NOW | RTLD_LOCAL, calls its
// entry, and validates everything the ABI contract requires of the
// descriptor and its factories, gathering every problem before it fails
// (rules 1, 2, 4). A loaded library is never dlclose'd (rule 9).
//
// The tables are copied into host-owned structs of the size this host knows,
// reading only min(struct_size, known size) bytes: members past a plugin's
// table end are therefore zero (absent).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "keel/keel.h"

namespace keel {

class PluginLibrary;

enum class FactoryKind { pricing_model, strategy };

// A factory's create as the host calls it: the 1.0 keel_create_fn, or the
// 1.1 keel_create_with_context_fn bound to the factory's context. Called
// like a keel_create_fn.
class CreateCall {
 public:
  CreateCall() = default;
  CreateCall(keel_create_fn create) : create_(create) {}  // NOLINT: a 1.0 create is one
  CreateCall(keel_create_with_context_fn create, void* context)
      : with_context_(create), context_(context) {}

  keel_status_t operator()(const char* params_json, const keel_host_t* host, void** out_instance,
                           keel_error_t* err) const {
    return with_context_ != nullptr ? with_context_(context_, params_json, host, out_instance, err)
                                    : create_(params_json, host, out_instance, err);
  }
  explicit operator bool() const { return create_ != nullptr || with_context_ != nullptr; }

 private:
  keel_create_fn create_ = nullptr;
  keel_create_with_context_fn with_context_ = nullptr;
  void* context_ = nullptr;
};

// One validated factory of a loaded plugin.
struct Factory {
  PluginLibrary* plugin = nullptr;
  FactoryKind kind = FactoryKind::pricing_model;
  std::string id;
  std::string description;
  std::string params_schema;
  CreateCall create;
  keel_drop_fn drop = nullptr;
  keel_pricing_model_vtable_t model{};  // when kind == pricing_model
  keel_strategy_vtable_t strategy{};    // when kind == strategy
};

// What `keel plugin inspect` shows, copied out of the descriptor.
struct PluginFacts {
  std::string id, name, version, vendor, description;
  uint32_t abi_major = 0, abi_minor = 0, struct_size = 0;
  std::string sdk_version, language, compiler;
  uint32_t pointer_size = 0;
  std::vector<std::string> ignored_factories;  // kinds this host does not know
};

class PluginLibrary {
 public:
  // Loads and validates. On failure the Status message names the file and
  // lists every problem found, one per line. `load_host` is the host table
  // handed to the entry (valid for the life of the process).
  static Result<std::unique_ptr<PluginLibrary>> load(const std::filesystem::path& path,
                                                     const keel_host_t* load_host);
  // A library whose factories live in keel itself (the Python adapter: one
  // per script, so a fault poisons that script only). `source` is what
  // path() reports (the script); each factory's `plugin` is set here.
  static std::unique_ptr<PluginLibrary> in_process(std::filesystem::path source,
                                                   PluginFacts facts,
                                                   std::vector<Factory> factories);

  const std::filesystem::path& path() const { return path_; }
  const PluginFacts& facts() const { return facts_; }
  const std::vector<Factory>& factories() const { return factories_; }
  // "id (path)" for messages.
  std::string label() const;
  // A plugin-level extension by string id (descriptor get_extension), or
  // null. Not called on a poisoned plugin.
  const void* extension(const char* id) const;

  // Poisoning (rule 7): after a fault only drops are called on this plugin.
  bool poisoned() const { return poisoned_.load(std::memory_order_acquire); }
  void poison(const std::string& reason);
  std::string poison_reason() const;
  // KEEL_ERR_POISONED with a message naming the plugin and the first fault.
  Status poisoned_status() const;

  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

 private:
  PluginLibrary() = default;

  std::filesystem::path path_;
  void* dl_handle_ = nullptr;  // never closed
  PluginFacts facts_;
  std::vector<Factory> factories_;
  const void* (*get_extension_)(const char*) = nullptr;
  std::atomic<bool> poisoned_{false};
  mutable std::mutex poison_mutex_;
  std::string poison_reason_;
};

// Checks a status a plugin returned: a code outside the ABI's range is
// turned into KEEL_ERR_PLUGIN_FAULT. A fault poisons `plugin`. Returns the
// engine Status with the plugin's message, prefixed with `what`.
Status check_plugin_status(PluginLibrary& plugin, keel_status_t status, const keel_error_t& err,
                           const std::string& what);

}  // namespace keel
