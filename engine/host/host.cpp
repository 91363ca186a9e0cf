#include "engine/host/host.hpp"

#include <spdlog/spdlog.h>

namespace keel {

Host::Host()
    : loader_context_(std::make_unique<InstanceContext>()), registry_(&loader_context_->table) {
  loader_context_->host = this;
  loader_context_->name = "plugin loader";
  loader_context_->table = make_host_table(loader_context_.get());
}

Host::~Host() { shutdown(); }

void InstanceContext::record_wrong_thread(const char* member) {
  std::lock_guard lock(wrong_thread_mutex_);
  if (wrong_thread_.load(std::memory_order_relaxed)) return;  // the first one tells
  wrong_thread_message_ =
      "wrong thread: " + name +
      (plugin != nullptr ? " of plugin " + plugin->label() : std::string()) + " called " +
      member +
      " from a thread the host did not call it on; [host-thread] members of the host table "
      "(keel/host.h) may only be called from inside a callback, on the thread that made it: "
      "hand results from your own threads to your next callback";
  wrong_thread_.store(true, std::memory_order_release);
}

std::string InstanceContext::thread_rule_violation() const {
  std::lock_guard lock(wrong_thread_mutex_);
  return wrong_thread_message_;
}

std::unique_ptr<InstanceContext> Host::make_context(std::string name, PluginLibrary* plugin) {
  auto context = std::make_unique<InstanceContext>();
  context->host = this;
  context->name = std::move(name);
  context->plugin = plugin;
  context->table = make_host_table(context.get());
  return context;
}

Result<keel_model_handle_t> Host::create_model(const std::string& factory_id,
                                               const std::string& params_json,
                                               const std::string& name, InstanceContext* owner) {
  Result<const Factory*> factory = registry_.find_factory(factory_id, FactoryKind::pricing_model);
  if (!factory) return factory.status();
  return create_model(**factory, params_json, name, owner);
}

Result<keel_model_handle_t> Host::create_model(const Factory& factory,
                                               const std::string& params_json,
                                               const std::string& name, InstanceContext* owner) {
  auto context = make_context(name, factory.plugin);
  Result<std::unique_ptr<ModelInstance>> instance =
      ModelInstance::create(factory, params_json, std::move(context));
  if (!instance) return instance.status();
  std::lock_guard lock(models_mutex_);
  const uint64_t bits = models_.insert(
      ModelSlot{std::shared_ptr<ModelInstance>(std::move(*instance)), owner,
                owner != nullptr ? owner->name : std::string()});
  return keel_model_handle_t{bits};
}

Status Host::drop_model(keel_model_handle_t handle, InstanceContext* owner) {
  std::shared_ptr<ModelInstance> instance;
  {
    std::lock_guard lock(models_mutex_);
    Result<ModelSlot*> slot = models_.get(handle.bits);
    if (!slot) return slot.status();
    if ((*slot)->owner != owner) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    (*slot)->instance->name() + " is not owned by " +
                        (owner != nullptr ? owner->name : std::string("the host")) +
                        ": only the instance that created a model drops it (models from "
                        "model_lookup are borrowed)");
    }
    instance = std::move(models_.remove(handle.bits)->instance);
  }
  // Out of the table, the instance gains no new references. Another thread
  // still inside a call holds one (from model()): the last reference then
  // runs the plugin's drop, in ~ModelInstance, after that call returns.
  if (instance.use_count() > 1) return Status::ok();
  return instance->drop();
}

Result<std::shared_ptr<ModelInstance>> Host::model(keel_model_handle_t handle) {
  std::lock_guard lock(models_mutex_);
  Result<ModelSlot*> slot = models_.get(handle.bits);
  if (!slot) return slot.status();
  return (*slot)->instance;
}

Status Host::name_model(const std::string& name, keel_model_handle_t handle) {
  if (Result<std::shared_ptr<ModelInstance>> found = model(handle); !found) return found.status();
  for (const auto& [known, _] : model_names_) {
    if (known == name) return Status(KEEL_ERR_INVALID_ARGUMENT, "model name '" + name + "' is taken");
  }
  model_names_.emplace_back(name, handle);
  return Status::ok();
}

Result<keel_model_handle_t> Host::lookup_model(const std::string& name) {
  for (const auto& [known, handle] : model_names_) {
    if (known == name) return handle;
  }
  std::string names;
  for (const auto& [known, _] : model_names_) names += (names.empty() ? "" : ", ") + known;
  return Status(KEEL_ERR_NOT_FOUND, "no pricing model named '" + name + "' in this run" +
                                        (names.empty() ? "" : " (models: " + names + ")"));
}

void Host::close_context(InstanceContext& context) {
  std::vector<std::pair<uint64_t, std::shared_ptr<ModelInstance>>> owned;
  {
    std::lock_guard lock(models_mutex_);
    models_.for_each([&](uint64_t bits, ModelSlot& slot) {
      if (slot.owner == &context) owned.emplace_back(bits, slot.instance);
    });
    for (const auto& [bits, _] : owned) (void)models_.remove(bits);
  }
  for (const auto& [bits, instance] : owned) {
    leaks_.push_back({context.name, "model handle " + describe_handle(bits) + " (" +
                                        instance->factory().id + ") was never dropped"});
    (void)instance->drop();
  }
  if (const int64_t n = context.capsules_outstanding->load(); n > 0) {
    leaks_.push_back({context.name, std::to_string(n) + " capsule(s) never released"});
  }
}

std::vector<Leak> Host::shutdown() {
  if (shut_down_) return leaks_;
  shut_down_ = true;
  std::vector<std::shared_ptr<ModelInstance>> remaining;
  {
    std::lock_guard lock(models_mutex_);
    models_.for_each([&](uint64_t, ModelSlot& slot) {
      if (slot.owner != nullptr) {
        leaks_.push_back({slot.owner_name, slot.instance->name() + " (" +
                                               slot.instance->factory().id +
                                               ") outlived its owner and was never dropped"});
      }
      remaining.push_back(slot.instance);
    });
    models_ = {};
  }
  for (auto& instance : remaining) (void)instance->drop();
  for (const Leak& leak : leaks_) spdlog::warn("leak: {}: {}", leak.owner, leak.what);
  return leaks_;
}

}  // namespace keel
