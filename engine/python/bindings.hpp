// engine/python/bindings.hpp — what the adapter and the `keel` module share
// (internal to engine/python).
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/plugin/plugin_registry.hpp"
#include "keel/keel.h"

namespace keel::python {

namespace py = pybind11;

// What a keel.Strategy's `_keel` attribute wraps: the instance's host
// table, reached through the C ABI only. `host` is cleared when the
// instance is dropped, so a Python object that outlives its strategy gets a
// keel.Error instead of a dangling pointer.
//
// The rest is per-call state: the adapter sets it for the callback it is
// making, on the thread it makes it from (`call_thread`), and clears it when
// the callback returns. Everything here is read and written with the GIL
// held; a Python thread of the strategy's own may hold the GIL meanwhile, so
// the module reads or writes per-call state only on `call_thread` during a
// callback (on_call_thread()).
struct HostContext {
  const keel_host_t* host = nullptr;
  std::string name;  // the strategy's name in the run file (set by on_start)

  // The thread keel calls the strategy on (that of its latest callback), and
  // whether a callback is in progress.
  std::thread::id call_thread;
  bool calling = false;
  // Host calls that act (orders, cancels, timers) made by the callback: the
  // adapter ends a batch of events after the one during which the strategy
  // acted.
  uint64_t actions = 0;
  // The span of events being handled (on_events), and the cursor: the event
  // the strategy is at. The adapter moves it for per-event callbacks; a
  // vectorised callback (on_quotes/on_trades/on_bars) moves it with
  // keel.Strategy.batch_at. now() is the cursor's event time, a failure
  // stops the strategy at the cursor's event.
  const keel_event_t* batch = nullptr;
  size_t batch_count = 0;
  bool vectorised = false;  // the strategy moves the cursor, not the adapter
  std::optional<size_t> cursor;
  std::optional<size_t> acted_at;  // the cursor when the strategy first acted
  // The cursor as the host reads it (keel_strategy_events_consumed_ext_t.
  // batch_cursor): written with `cursor`, never cleared, so its address stays
  // valid for the instance's life.
  size_t host_cursor = 0;

  // The host-thread rule as the adapter sees it: a [host-thread] call the
  // host refused with KEEL_ERR_WRONG_THREAD, or batch_at from another
  // thread. Set from any thread; the adapter stops delivering events after
  // the one during which it was set, and fails that callback if the host
  // has not already.
  std::atomic<bool> wrong_thread{false};
  std::mutex wrong_thread_mutex;
  std::string wrong_thread_message;  // the first violation, under the mutex
  // The cursor when the violation happened (the other thread holds the GIL
  // while the callback waits, so the cursor is the event being handled).
  std::optional<size_t> wrong_thread_at;

  // keel.Strategy.book's levels (k rows of price, size): the numpy array it
  // returns is a view of this buffer, overwritten by the next book() call.
  // Replaced, not grown, when a call needs more rows: an earlier view keeps
  // its old buffer alive (the array's base), so it never dangles.
  std::shared_ptr<std::vector<keel_book_level_t>> book_buffer;

  HostContext() = default;
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  void move_cursor(size_t i) {
    cursor = i;
    host_cursor = i;
  }
  // Records a violation of the host-thread rule (the first one tells).
  void record_wrong_thread(const std::string& message) {
    std::lock_guard lock(wrong_thread_mutex);
    if (wrong_thread.load(std::memory_order_relaxed)) return;
    wrong_thread_message = message;
    wrong_thread_at = cursor;
    wrong_thread.store(true, std::memory_order_release);
  }
  bool broke_thread_rule() const { return wrong_thread.load(std::memory_order_acquire); }
  // After a [host-thread] host call: a refusal is a violation.
  void note_host_thread_call(keel_status_t status, const char* member) {
    if (status == KEEL_ERR_WRONG_THREAD) {
      record_wrong_thread("wrong thread: strategy '" + name + "' called " + member +
                          " from a thread the host did not call it on");
    }
  }

  bool on_call_thread() const { return calling && call_thread == std::this_thread::get_id(); }
  // A thread of the strategy's own, not the one keel calls it on.
  bool on_other_thread() const {
    return call_thread != std::thread::id() && call_thread != std::this_thread::get_id();
  }
  // The event time at the cursor, when the calling thread is the callback's.
  std::optional<keel_timestamp_t> cursor_time() const {
    if (batch == nullptr || !cursor || !on_call_thread()) return std::nullopt;
    return batch[*cursor].as.quote.ts;  // every payload begins with its ts
  }
  // After an order, cancel or timer call: an action of the callback when it
  // did something (KEEL_OK) or was refused with an update to come
  // (KEEL_ERR_REJECTED). Counted only on the callback's thread: from another
  // thread the host refuses it and nothing here changes.
  void count_action(keel_status_t status) {
    if (status != KEEL_OK && status != KEEL_ERR_REJECTED) return;
    if (!on_call_thread()) return;
    ++actions;
    if (vectorised && cursor && !acted_at) acted_at = cursor;
  }
};

// The host-thread rule for calls the module itself refuses (the batch
// cursor from another thread): recorded on the context like a refused
// [host-thread] host call, so the adapter fails the callback and the host
// stops the strategy as its on_error says; returns the message to raise
// keel.WrongThreadError with.
std::string refuse_wrong_thread(HostContext& context, const char* member);

// Raises keel.Error with `code`: keel.OrderRejected for KEEL_ERR_REJECTED,
// keel.WrongThreadError for KEEL_ERR_WRONG_THREAD.
[[noreturn]] void raise_keel_error(keel_status_t code, const std::string& message);

// Python views of the ABI's event structs (copies: the engine's are
// borrowed for one call only).
py::object make_event(const keel_event_t& event);
py::object make_order_update(const keel_order_update_t& update);
py::object make_fill(const keel_fill_t& fill);
py::object make_timer(const keel_timer_event_t& timer);
py::object make_quote(const keel_quote_t& quote);
py::object make_trade(const keel_trade_t& trade);
py::object make_bar(const keel_bar_t& bar);
py::object make_book(const keel_book_update_t& update);

// A read-only numpy structured array over `count` events of one market
// kind, in place: no copy (its dtype's itemsize is sizeof(keel_event_t)).
// Valid only during the call that receives it.
py::object event_span_view(const keel_event_t* events, size_t count);

// Fills keel._keel, the C++ half of the `keel` package (keel_module.cpp).
void define_keel_module(py::module_& m);

// The package's Python files (python/keel/*.py), embedded by the build
// (package_sources.cpp, generated by engine/python/CMakeLists.txt), so the
// keel executable needs no Python files at run time. `module` is the
// dotted name ("keel", "keel._strategy"), `path` the source file tracebacks
// name.
struct PackageSource {
  const char* module;
  const char* path;
  const char* text;
};
extern const PackageSource kPackageSources[];
extern const size_t kPackageSourceCount;

// The factory for a keel.Strategy subclass a Python program handed over as
// an object (keel.run with {"python": {"class": Cls}}), registered in
// `registry` as "python:<key>"; `key` names it in messages. Takes the GIL.
// KEEL_ERR_INVALID_ARGUMENT when `cls` is not a keel.Strategy subclass.
// (Declared here, not in python_strategy.hpp, because it takes a Python
// object.)
Result<const Factory*> python_class_factory(PluginRegistry& registry, py::handle cls,
                                            const std::string& key);

// What keel.run (engine/library) learns from a run's Python strategies
// beyond the status they return: the exceptions they raised, as objects, to
// re-raise, and KeyboardInterrupt (Ctrl-C), which interrupts the run rather
// than failing a strategy. Set by the thread that runs the run (strategies
// are called on it), for the length of the run; the keel executable sets
// none.
struct RunHooks {
  std::vector<std::pair<std::string, py::object>> raised;  // strategy name, exception
  std::atomic<int>* interrupt = nullptr;  // set to SIGINT on KeyboardInterrupt
};
void set_run_hooks(RunHooks* hooks);

// In the keel executable's own interpreter: makes keel._keel
// (define_keel_module) and serves the rest of the package from
// kPackageSources, then imports it. With the GIL held; once per process.
void import_embedded_package();

}  // namespace keel::python
