#include "engine/host/strategy_instance.hpp"

#include "engine/host/host.hpp"

#include <cstddef>

#include "keel/pricing_model.h"

namespace keel {
namespace {

const char* batched_member_name(uint32_t kind) {
  switch (kind) {
    case KEEL_EVENT_QUOTE:
      return "on_quote (batched)";
    case KEEL_EVENT_TRADE:
      return "on_trade (batched)";
    case KEEL_EVENT_BAR:
      return "on_bar (batched)";
    case KEEL_EVENT_BOOK:
      return "on_book (batched)";
    default:
      return "on_events";
  }
}

}  // namespace

Result<std::unique_ptr<StrategyInstance>> StrategyInstance::create(
    const Factory& factory, const std::string& params_json,
    std::unique_ptr<InstanceContext> context) {
  PluginLibrary& plugin = *factory.plugin;
  if (plugin.poisoned()) return plugin.poisoned_status();
  if (factory.kind != FactoryKind::strategy) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "factory '" + factory.id + "' is not a strategy (kind " KEEL_KIND_PRICING_MODEL ")");
  }
  void* instance = nullptr;
  keel_error_t err{};
  const keel_status_t status =
      factory.create(params_json.c_str(), &context->table, &instance, &err);
  if (Status s = check_plugin_status(plugin, status, err, context->name + ": create"); !s) {
    return s;
  }
  if (instance == nullptr) {
    plugin.poison("create returned KEEL_OK without an instance");
    return Status(KEEL_ERR_PLUGIN_FAULT,
                  context->name + ": create returned KEEL_OK but no instance");
  }
  return std::unique_ptr<StrategyInstance>(
      new StrategyInstance(factory, instance, std::move(context)));
}

StrategyInstance::StrategyInstance(const Factory& factory, void* instance,
                                   std::unique_ptr<InstanceContext> context)
    : factory_(&factory),
      instance_(instance),
      context_(std::move(context)),
      name_(context_->name),
      wrong_thread_(&context_->wrong_thread_flag()) {
  if (table().on_events != nullptr && table().get_extension != nullptr) {
    const auto* ext = static_cast<const keel_strategy_events_consumed_ext_t*>(
        table().get_extension(instance_, KEEL_STRATEGY_EXT_EVENTS_CONSUMED));
    // A 1.0 extension ends before batch_cursor: it is absent, not read.
    constexpr size_t kSize10 = offsetof(keel_strategy_events_consumed_ext_t, batch_cursor);
    if (ext != nullptr && ext->struct_size >= kSize10 && ext->events_consumed != nullptr) {
      consumed_ext_ = ext;
      if (ext->struct_size >= sizeof(keel_strategy_events_consumed_ext_t) &&
          ext->batch_cursor != nullptr) {
        batch_cursor_ = ext->batch_cursor(instance_);
      }
    }
  }
}

Status StrategyInstance::on_events(const keel_event_t* events, size_t count, size_t& consumed) {
  consumed = count;
  if (plugin().poisoned()) return plugin().poisoned_status();
  keel_error_t err{};
  const keel_status_t status = table().on_events(instance_, events, count, &err);
  // The count belongs to this call's outcome, like the error struct: it is
  // read before a fault poisons the plugin (keel/strategy.h).
  const size_t reached = consumed_ext_->events_consumed(instance_);
  const bool reached_valid = reached >= 1 && reached <= count;
  if (status != KEEL_OK || broke_thread_rule()) [[unlikely]] {
    // Where it failed; a count out of range puts the failure at the span's
    // first event, the earliest it can have been. Messages name the member
    // per-event delivery would have called there.
    consumed = reached_valid ? reached : 1;
    const char* member = batched_member_name(events[consumed - 1].kind);
    if (broke_thread_rule()) return thread_rule_status(member);
    return check_plugin_status(plugin(), status, err, name_ + ": " + member);
  }
  if (!reached_valid) {
    plugin().poison("events_consumed returned " + std::to_string(reached) + " for " +
                    std::to_string(count) + " events");
    return Status(KEEL_ERR_PLUGIN_FAULT, name_ + ": on_events reported " + std::to_string(reached) +
                                             " of " + std::to_string(count) +
                                             " events handled (expected 1.." +
                                             std::to_string(count) + ")");
  }
  consumed = reached;
  return Status::ok();
}

StrategyInstance::~StrategyInstance() { (void)drop(); }

Status StrategyInstance::thread_rule_status(const char* member) const {
  return Status(KEEL_ERR_WRONG_THREAD,
                name_ + ": " + member + ": " + context_->thread_rule_violation());
}

Status StrategyInstance::drop() {
  if (dropped_) return Status(KEEL_ERR_STALE_HANDLE, name_ + " was already dropped");
  dropped_ = true;
  keel_error_t err{};
  const keel_status_t status = factory_->drop(instance_, &err);
  instance_ = nullptr;
  context_->host->close_context(*context_);  // what it never gave back is a leak
  return check_plugin_status(plugin(), status, err, name_ + ": drop");
}

Status StrategyInstance::on_start(const keel_strategy_start_t& start) {
  return call(table().on_start, start, "on_start");
}

Status StrategyInstance::on_stop(keel_timestamp_t at) {
  if (table().on_stop == nullptr) return Status::ok();
  if (plugin().poisoned()) return plugin().poisoned_status();
  keel_error_t err{};
  const keel_status_t status = table().on_stop(instance_, at, &err);
  if (broke_thread_rule()) [[unlikely]]
    return thread_rule_status("on_stop");
  return check_plugin_status(plugin(), status, err, name_ + ": on_stop");
}

}  // namespace keel
