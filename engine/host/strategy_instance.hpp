// engine/host/strategy_instance.hpp — the host's side of one strategy
// instance. Every callback goes through here: a poisoned plugin is not
// called, a returned error or fault becomes a Status naming the strategy
// and the callback, and drop happens exactly once.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "engine/core/status.hpp"
#include "engine/plugin/plugin_library.hpp"
#include "keel/keel.h"

namespace keel {

struct InstanceContext;

class StrategyInstance {
 public:
  static Result<std::unique_ptr<StrategyInstance>> create(const Factory& factory,
                                                          const std::string& params_json,
                                                          std::unique_ptr<InstanceContext> context);
  ~StrategyInstance();  // drops the instance if drop() was not called

  Status drop();

  Status on_start(const keel_strategy_start_t& start);
  Status on_quote(const keel_quote_t& quote) { return call(table().on_quote, quote, "on_quote"); }
  Status on_trade(const keel_trade_t& trade) { return call(table().on_trade, trade, "on_trade"); }
  Status on_bar(const keel_bar_t& bar) { return call(table().on_bar, bar, "on_bar"); }
  // The same for the loop, which calls one of them on every market event:
  // true when the call succeeded, else `failure` says why (no Status is
  // made on the way when all is well).
  bool deliver_quote(const keel_quote_t& quote, Status& failure) {
    return deliver(table().on_quote, quote, "on_quote", failure);
  }
  bool deliver_trade(const keel_trade_t& trade, Status& failure) {
    return deliver(table().on_trade, trade, "on_trade", failure);
  }
  bool deliver_bar(const keel_bar_t& bar, Status& failure) {
    return deliver(table().on_bar, bar, "on_bar", failure);
  }
  // Book events (ABI 1.2) go only to a strategy that has on_book: a 1.0 or
  // 1.1 table is shorter and the loader zero-fills the rest (NULL).
  bool takes_book() const { return table().on_book != nullptr; }
  bool deliver_book(const keel_book_update_t& update, Status& failure) {
    return deliver(table().on_book, update, "on_book", failure);
  }
  Status on_order_update(const keel_order_update_t& update) {
    return call(table().on_order_update, update, "on_order_update");
  }
  Status on_fill(const keel_fill_t& fill) { return call(table().on_fill, fill, "on_fill"); }
  Status on_timer(const keel_timer_event_t& timer) {
    return call(table().on_timer, timer, "on_timer");
  }
  Status on_stop(keel_timestamp_t at);

  // Batch delivery (on_events + the events-consumed extension): runs of
  // market events in one call. `consumed` receives how many were handled,
  // or, when the call fails, how many were reached: the failure belongs to
  // event consumed - 1.
  bool takes_batches() const { return consumed_ext_ != nullptr; }  // set only with on_events
  Status on_events(const keel_event_t* events, size_t count, size_t& consumed);
  // The strategy's batch cursor (ABI 1.1, keel/strategy.h): the index of the
  // event of the current span it is handling. Null when it keeps none (a
  // 1.0 table, or NULL): it is then given spans of one event.
  const size_t* batch_cursor() const { return batch_cursor_; }

  const Factory& factory() const { return *factory_; }
  const std::string& name() const { return name_; }
  PluginLibrary& plugin() const { return *factory_->plugin; }
  InstanceContext& context() { return *context_; }

 private:
  StrategyInstance(const Factory& factory, void* instance,
                   std::unique_ptr<InstanceContext> context);
  const keel_strategy_vtable_t& table() const { return factory_->strategy; }

  template <class Event>
  Status call(keel_status_t (*fn)(void*, const Event*, keel_error_t*), const Event& event,
              const char* member) {
    Status failure;
    (void)deliver(fn, event, member, failure);
    return failure;
  }
  // The call itself: true when the strategy returned KEEL_OK (or skips the
  // event) and kept the host-thread rule; else `failure` says why.
  template <class Event>
  bool deliver(keel_status_t (*fn)(void*, const Event*, keel_error_t*), const Event& event,
               const char* member, Status& failure) {
    if (fn == nullptr) return true;  // the strategy skips this event
    if (plugin().poisoned()) [[unlikely]] {
      failure = plugin().poisoned_status();
      return false;
    }
    // Not value-initialised: clearing the 512-byte message costs more than
    // the call itself; a plugin that reports an error writes the message.
    keel_error_t err;
    err.code = KEEL_OK;
    err.message[0] = '\0';
    const keel_status_t status = fn(instance_, &event, &err);
    if (broke_thread_rule()) [[unlikely]] {
      failure = thread_rule_status(member);
      return false;
    }
    if (status == KEEL_OK) [[likely]]
      return true;
    failure = check_plugin_status(plugin(), status, err, name_ + ": " + member);
    return failure.is_ok();
  }
  // The host-thread rule: a [host-thread] host call this instance made from
  // a thread of its own (InstanceContext::record_wrong_thread) fails the
  // callback during or after which the host learns of it.
  bool broke_thread_rule() const { return wrong_thread_->load(std::memory_order_relaxed); }
  Status thread_rule_status(const char* member) const;

  const Factory* factory_;
  void* instance_;
  std::unique_ptr<InstanceContext> context_;
  std::string name_;
  bool dropped_ = false;
  const keel_strategy_events_consumed_ext_t* consumed_ext_ = nullptr;
  const size_t* batch_cursor_ = nullptr;
  const std::atomic<bool>* wrong_thread_;  // context_->wrong_thread_flag()
};

}  // namespace keel
