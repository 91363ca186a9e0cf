// engine/python/bindings.hpp — what the adapter and the `keel` module share
// (internal to engine/python).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "keel/keel.h"

namespace keel::python {

namespace py = pybind11;

// What a keel.Strategy's `_keel` attribute wraps: the instance's host
// table, reached through the C ABI only. `host` is cleared when the
// instance is dropped, so a Python object that outlives its strategy gets a
// keel.Error instead of a dangling pointer.
struct HostContext {
  const keel_host_t* host = nullptr;
  std::string name;  // the strategy's name in the run file (set by on_start)
  // Host calls that act (orders, cancels, timers): the adapter ends a batch
  // of events after the one during which the strategy acted.
  uint64_t actions = 0;
  // The time of the event being handled inside a batch, which the engine's
  // clock (the batch's first event) does not know.
  std::optional<keel_timestamp_t> now_override;
};

// Raises keel.Error (keel.OrderRejected for KEEL_ERR_REJECTED) with `code`.
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

// A read-only numpy structured array over `count` events of one market
// kind, in place: no copy (its dtype's itemsize is sizeof(keel_event_t)).
// Valid only during the call that receives it.
py::object event_span_view(const keel_event_t* events, size_t count);

// Makes sure the `keel` module's static registration is linked in.
void keel_module_anchor();

}  // namespace keel::python
