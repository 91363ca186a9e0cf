// engine/python/keel_module.cpp — keel._keel, the C++ half of the `keel`
// package (python/keel/): the constants, the ABI's structs as Python types
// and the instance's host table (_Context, Model). The package's Python files
// build keel.Strategy, the exceptions and keel.run on top of it.
// define_keel_module() fills the module; the keel executable makes it at
// interpreter start (embedded_package.cpp), a plain python3 imports it as
// the extension keel/_keel*.so (engine/library/extension.cpp).
#include <pybind11/pybind11.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "engine/python/bindings.hpp"
#include "engine/python/fast_bindings.hpp"
#include "keel/version.h"

namespace keel::python {
namespace {

// ---- events --------------------------------------------------------------------

struct OrderUpdate {
  keel_order_update_t u{};
  std::string reason;  // the engine's is borrowed for the call
};

struct InstrumentInfo {
  keel_instrument_info_t info{};
  std::string symbol;
};

std::string ns_text(keel_timestamp_t ts) { return std::to_string(ts); }

// ---- host calls ------------------------------------------------------------------

const keel_host_t& host_of(const HostContext& context) {
  if (context.host == nullptr) {
    raise_keel_error(KEEL_ERR_STALE_HANDLE,
                     "this strategy has been stopped: it can no longer reach keel");
  }
  return *context.host;
}

void check(keel_status_t status, const keel_error_t& err, const char* what) {
  if (status == KEEL_OK) return;
  const std::string message(err.message, strnlen(err.message, sizeof err.message));
  raise_keel_error(status, std::string(what) + ": " +
                               (message.empty() ? keel_status_name(status) : message));
}

// The host member if this host's table has it (an older host's may not).
template <class Fn>
Fn member(const keel_host_t& host, Fn keel_host_t::*field, size_t offset, const char* name) {
  if (host.struct_size < offset + sizeof(Fn) || host.*field == nullptr) {
    raise_keel_error(KEEL_ERR_UNSUPPORTED, std::string("this host has no '") + name + "' call");
  }
  return host.*field;
}
#define KEEL_PY_HOST(host, name) member(host, &keel_host_t::name, offsetof(keel_host_t, name), #name)

// Lets other Python threads run during a long host call (a batch), but
// only on the thread of the callback keel is making: an instance, and with
// it its host table, is never dropped during its own callback, while a
// thread of the strategy's own could otherwise see it dropped mid-call
// (drop takes the GIL first).
class GilReleaseOnCallThread {
 public:
  explicit GilReleaseOnCallThread(const HostContext& context) {
    if (context.on_call_thread()) release_.emplace();
  }

 private:
  std::optional<py::gil_scoped_release> release_;
};

struct Model {
  std::shared_ptr<HostContext> context;
  keel_model_handle_t handle{KEEL_NULL_HANDLE};
  std::string name;
};

// A batch input: a float64 (or int32) C-contiguous 1-D numpy array is read
// in place; a Python number is broadcast into a fresh array of `n`.
template <class T>
py::array_t<T> batch_input(const py::object& value, size_t n, const char* name,
                           const char* type_name) {
  if (py::isinstance<py::array>(value)) {
    py::array array = py::reinterpret_borrow<py::array>(value);
    const bool exact = array.dtype().is(py::dtype::of<T>()) ||
                       array.dtype().equal(py::dtype::of<T>());
    if (!exact || array.ndim() != 1 ||
        !(array.flags() & py::array::c_style)) {
      const std::string got =
          !exact ? "dtype " + py::str(array.dtype()).cast<std::string>()
          : array.ndim() != 1 ? std::to_string(array.ndim()) + " dimensions"
                              : std::string("a strided (non-contiguous) view");
      throw py::type_error(std::string(name) + ": expected a C-contiguous 1-D " + type_name +
                           " array (keel reads it in place), got " + got +
                           "; convert with numpy.ascontiguousarray(x, numpy." + type_name + ")");
    }
    if (static_cast<size_t>(array.shape(0)) != n) {
      raise_keel_error(KEEL_ERR_INVALID_ARGUMENT,
                       std::string(name) + " has " + std::to_string(array.shape(0)) +
                           " elements, expected " + std::to_string(n) + " (the length of spot)");
    }
    return py::reinterpret_borrow<py::array_t<T>>(array);
  }
  const T scalar = value.cast<T>();
  py::array_t<T> filled(static_cast<py::ssize_t>(n));
  T* data = filled.mutable_data();
  for (size_t i = 0; i < n; ++i) data[i] = scalar;
  return filled;
}

// A batch output: the caller's writable float64 array of `n` (filled in
// place) or, when None, a new one.
template <class T>
py::array_t<T> batch_output(const py::object& value, size_t n, const char* name,
                            const char* type_name) {
  if (value.is_none()) return py::array_t<T>(static_cast<py::ssize_t>(n));
  py::array_t<T> out = batch_input<T>(value, n, name, type_name);
  if (!out.writeable()) {
    throw py::value_error(std::string(name) + ": the output array is read-only");
  }
  return out;
}

size_t batch_length(const py::object& spot) {
  if (py::isinstance<py::array>(spot)) {
    py::array array = py::reinterpret_borrow<py::array>(spot);
    if (array.ndim() == 1) return static_cast<size_t>(array.shape(0));
  }
  throw py::type_error("spot: expected a C-contiguous 1-D float64 numpy array");
}

keel_option_t make_option(double spot, double strike, double expiry, double vol, double rate,
                          double dividend, int32_t right, int32_t exercise) {
  keel_option_t o{};
  o.spot = spot;
  o.strike = strike;
  o.expiry = expiry;
  o.vol = vol;
  o.rate = rate;
  o.dividend = dividend;
  o.right = right;
  o.exercise = exercise;
  return o;
}

struct BatchInputs {
  py::array_t<double> spot, strike, expiry, vol, rate, dividend;
  py::array_t<int32_t> right;
  std::optional<py::array_t<int32_t>> exercise;
  keel_option_batch_t view{};
};

BatchInputs batch_inputs(const py::object& spot, const py::object& strike,
                         const py::object& expiry, const py::object& vol, const py::object& rate,
                         const py::object& dividend, const py::object& right,
                         const py::object& exercise, bool need_vol) {
  const size_t n = batch_length(spot);
  BatchInputs in;
  in.spot = batch_input<double>(spot, n, "spot", "float64");
  in.strike = batch_input<double>(strike, n, "strike", "float64");
  in.expiry = batch_input<double>(expiry, n, "expiry", "float64");
  if (need_vol) in.vol = batch_input<double>(vol, n, "vol", "float64");
  in.rate = batch_input<double>(rate, n, "rate", "float64");
  in.dividend = batch_input<double>(dividend, n, "dividend", "float64");
  in.right = batch_input<int32_t>(right, n, "right", "int32");
  if (!exercise.is_none()) in.exercise = batch_input<int32_t>(exercise, n, "exercise", "int32");
  in.view.count = n;
  in.view.spot = in.spot.data();
  in.view.strike = in.strike.data();
  in.view.expiry = in.expiry.data();
  in.view.vol = need_vol ? in.vol.data() : nullptr;
  in.view.rate = in.rate.data();
  in.view.dividend = in.dividend.data();
  in.view.right = in.right.data();
  in.view.exercise = in.exercise ? in.exercise->data() : nullptr;
  return in;
}

// _Context.submit and _Context.batch_at, the calls a strategy makes per
// order and per batched event, are bound without pybind11's dispatcher
// (fast_bindings.hpp).
uint64_t context_submit(HostContext& c, keel_instrument_id_t instrument, int32_t side, int32_t type,
                        int32_t tif, double quantity, double limit, double stop, uint64_t tag) {
  const keel_host_t& host = host_of(c);
  keel_order_request_t request{};
  request.struct_size = sizeof request;
  request.instrument = instrument;
  request.side = side;
  request.type = type;
  request.time_in_force = tif;
  request.quantity = quantity;
  request.limit_price = limit;
  request.stop_price = stop;
  request.client_tag = tag;
  keel_order_handle_t order{KEEL_NULL_HANDLE};
  keel_error_t err{};
  const keel_status_t status = KEEL_PY_HOST(host, order_submit)(&host, &request, &order, &err);
  c.count_action(status);
  c.note_host_thread_call(status, "order_submit");
  check(status, err, "order_submit");
  return order.bits;
}

void context_batch_at(HostContext& c, long long i) {
  if (c.on_other_thread()) {
    raise_keel_error(KEEL_ERR_WRONG_THREAD, refuse_wrong_thread(c, "batch_at"));
  }
  if (!c.on_call_thread() || c.batch == nullptr || !c.vectorised) {
    raise_keel_error(KEEL_ERR_INVALID_ARGUMENT,
                     "batch_at: the batch cursor exists only during on_quotes, "
                     "on_trades or on_bars (keel moves it itself for on_quote, "
                     "on_trade and on_bar)");
  }
  if (i < 0 || static_cast<size_t>(i) >= c.batch_count) {
    raise_keel_error(KEEL_ERR_INVALID_ARGUMENT, "batch_at(" + std::to_string(i) +
                                                    "): this batch has events 0.." +
                                                    std::to_string(c.batch_count - 1));
  }
  c.move_cursor(static_cast<size_t>(i));
}

// ---- numpy views of event spans ------------------------------------------------------

// Set at module init; each holds one reference for the life of the process
// (the interpreter is never finalized, so nothing may decref them at exit).
py::handle g_quote_dtype, g_trade_dtype, g_bar_dtype;

py::handle make_dtype(const std::vector<std::pair<const char*, std::pair<const char*, size_t>>>&
                          fields) {
  py::list names, formats, offsets;
  for (const auto& [name, format_offset] : fields) {
    names.append(name);
    formats.append(format_offset.first);
    offsets.append(offsetof(keel_event_t, as) + format_offset.second);
  }
  py::dict spec;
  spec["names"] = names;
  spec["formats"] = formats;
  spec["offsets"] = offsets;
  spec["itemsize"] = sizeof(keel_event_t);
  return py::module_::import("numpy").attr("dtype")(spec).release();
}

}  // namespace

[[noreturn]] void raise_keel_error(keel_status_t code, const std::string& message) {
  py::module_ keel = py::module_::import("keel");
  py::object type = keel.attr(code == KEEL_ERR_REJECTED       ? "OrderRejected"
                              : code == KEEL_ERR_WRONG_THREAD ? "WrongThreadError"
                                                              : "Error");
  py::object error = type(message, code);
  PyErr_SetObject(type.ptr(), error.ptr());
  throw py::error_already_set();
}

py::object make_quote(const keel_quote_t& quote) { return py::cast(quote); }
py::object make_trade(const keel_trade_t& trade) { return py::cast(trade); }
py::object make_bar(const keel_bar_t& bar) { return py::cast(bar); }
py::object make_fill(const keel_fill_t& fill) { return py::cast(fill); }
py::object make_book(const keel_book_update_t& update) { return py::cast(update); }
py::object make_timer(const keel_timer_event_t& timer) { return py::cast(timer); }
// One keel.OrderUpdate, rewritten in place for the next update while only
// this function holds it (as the adapter's per-event objects are): a new
// pybind11 object per update was most of an on_order_update call. An update
// a strategy keeps is never rewritten. Called with the GIL held; never
// destroyed (the interpreter is never finalized).
py::object make_order_update(const keel_order_update_t& update) {
  static py::object* const reused = new py::object();
  const char* reason = update.reason != nullptr ? update.reason : "";
  if (*reused && Py_REFCNT(reused->ptr()) == 1) {
    auto* o = static_cast<OrderUpdate*>(detail::instance_value(reused->ptr()));
    o->u = update;
    o->u.reason = nullptr;
    o->reason.assign(reason);
    return *reused;
  }
  OrderUpdate copy{update, reason};
  copy.u.reason = nullptr;
  *reused = py::cast(std::move(copy));
  return *reused;
}

py::object make_event(const keel_event_t& event) {
  switch (event.kind) {
    case KEEL_EVENT_QUOTE: return make_quote(event.as.quote);
    case KEEL_EVENT_TRADE: return make_trade(event.as.trade);
    case KEEL_EVENT_BAR: return make_bar(event.as.bar);
    case KEEL_EVENT_ORDER_UPDATE: return make_order_update(event.as.order_update);
    case KEEL_EVENT_FILL: return make_fill(event.as.fill);
    case KEEL_EVENT_TIMER: return make_timer(event.as.timer);
    case KEEL_EVENT_BOOK: return make_book(event.as.book);
    default: return py::none();
  }
}

py::object event_span_view(const keel_event_t* events, size_t count) {
  py::handle dtype;
  switch (count == 0 ? 0u : events[0].kind) {
    case KEEL_EVENT_QUOTE: dtype = g_quote_dtype; break;
    case KEEL_EVENT_TRADE: dtype = g_trade_dtype; break;
    case KEEL_EVENT_BAR: dtype = g_bar_dtype; break;
    default: return py::none();
  }
  // A base object, so numpy does not copy; the memory is the engine's.
  py::array view(py::reinterpret_borrow<py::dtype>(dtype),
                 {static_cast<py::ssize_t>(count)},
                 {static_cast<py::ssize_t>(sizeof(keel_event_t))}, events, py::none());
  // numpy's PyArray_CLEARFLAGS (two attribute lookups and a flags object less).
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

void define_keel_module(py::module_& m) {
  m.doc() = "keel's C++ half: the ABI's types and host calls (the package is python/keel/).";
  m.attr("VERSION") = KEEL_SDK_VERSION_STRING;

  // ---- constants (keel/market.h, keel/status.h, keel/host.h) ----
  m.attr("BUY") = int(KEEL_SIDE_BUY);
  m.attr("SELL") = int(KEEL_SIDE_SELL);
  m.attr("BID") = int(KEEL_BOOK_BID);
  m.attr("ASK") = int(KEEL_BOOK_ASK);
  m.attr("MARKET") = int(KEEL_ORDER_MARKET);
  m.attr("LIMIT") = int(KEEL_ORDER_LIMIT);
  m.attr("STOP") = int(KEEL_ORDER_STOP);
  m.attr("STOP_LIMIT") = int(KEEL_ORDER_STOP_LIMIT);
  m.attr("GTC") = int(KEEL_TIF_GTC);
  m.attr("IOC") = int(KEEL_TIF_IOC);
  m.attr("FOK") = int(KEEL_TIF_FOK);
  m.attr("PENDING") = int(KEEL_ORDER_PENDING);
  m.attr("ACCEPTED") = int(KEEL_ORDER_ACCEPTED);
  m.attr("PARTIALLY_FILLED") = int(KEEL_ORDER_PARTIALLY_FILLED);
  m.attr("FILLED") = int(KEEL_ORDER_FILLED);
  m.attr("CANCELED") = int(KEEL_ORDER_CANCELED);
  m.attr("REJECTED") = int(KEEL_ORDER_REJECTED);
  m.attr("EXPIRED") = int(KEEL_ORDER_EXPIRED);
  m.attr("MAKER") = int(KEEL_LIQUIDITY_MAKER);
  m.attr("TAKER") = int(KEEL_LIQUIDITY_TAKER);
  m.attr("CALL") = int(KEEL_RIGHT_CALL);
  m.attr("PUT") = int(KEEL_RIGHT_PUT);
  m.attr("EUROPEAN") = int(KEEL_EXERCISE_EUROPEAN);
  m.attr("AMERICAN") = int(KEEL_EXERCISE_AMERICAN);
  m.attr("LOG_TRACE") = int(KEEL_LOG_TRACE);
  m.attr("LOG_DEBUG") = int(KEEL_LOG_DEBUG);
  m.attr("LOG_INFO") = int(KEEL_LOG_INFO);
  m.attr("LOG_WARN") = int(KEEL_LOG_WARN);
  m.attr("LOG_ERROR") = int(KEEL_LOG_ERROR);
  m.attr("ERR_INVALID_ARGUMENT") = int(KEEL_ERR_INVALID_ARGUMENT);
  m.attr("ERR_UNSUPPORTED") = int(KEEL_ERR_UNSUPPORTED);
  m.attr("ERR_STALE_HANDLE") = int(KEEL_ERR_STALE_HANDLE);
  m.attr("ERR_NOT_FOUND") = int(KEEL_ERR_NOT_FOUND);
  m.attr("ERR_NO_SOLUTION") = int(KEEL_ERR_NO_SOLUTION);
  m.attr("ERR_REJECTED") = int(KEEL_ERR_REJECTED);
  m.attr("ERR_POISONED") = int(KEEL_ERR_POISONED);
  m.attr("ERR_WRONG_THREAD") = int(KEEL_ERR_WRONG_THREAD);

  // ---- events: copies of the ABI structs, read-only ----
  py::class_<keel_quote_t> quote(m, "Quote");
  readonly_field<&keel_quote_t::ts>(quote, "ts");
  readonly_field<&keel_quote_t::instrument>(quote, "instrument");
  readonly_field<&keel_quote_t::bid>(quote, "bid");
  readonly_field<&keel_quote_t::bid_size>(quote, "bid_size");
  readonly_field<&keel_quote_t::ask>(quote, "ask");
  readonly_field<&keel_quote_t::ask_size>(quote, "ask_size");
  quote.def(
      "__repr__", [](const keel_quote_t& q) {
        return "Quote(ts=" + ns_text(q.ts) + ", instrument=" + std::to_string(q.instrument) +
               ", bid=" + py::repr(py::float_(q.bid)).cast<std::string>() +
               ", ask=" + py::repr(py::float_(q.ask)).cast<std::string>() + ")";
      });
  py::class_<keel_trade_t> trade(m, "Trade");
  readonly_field<&keel_trade_t::ts>(trade, "ts");
  readonly_field<&keel_trade_t::instrument>(trade, "instrument");
  readonly_field<&keel_trade_t::price>(trade, "price");
  readonly_field<&keel_trade_t::size>(trade, "size");
  trade.def("__repr__", [](const keel_trade_t& t) {
    return "Trade(ts=" + ns_text(t.ts) + ", instrument=" + std::to_string(t.instrument) +
           ", price=" + py::repr(py::float_(t.price)).cast<std::string>() + ")";
  });
  py::class_<keel_bar_t> bar(m, "Bar");
  readonly_field<&keel_bar_t::ts>(bar, "ts");
  readonly_field<&keel_bar_t::instrument>(bar, "instrument");
  readonly_field<&keel_bar_t::open>(bar, "open");
  readonly_field<&keel_bar_t::high>(bar, "high");
  readonly_field<&keel_bar_t::low>(bar, "low");
  readonly_field<&keel_bar_t::close>(bar, "close");
  readonly_field<&keel_bar_t::volume>(bar, "volume");
  bar.def("__repr__", [](const keel_bar_t& b) {
    return "Bar(ts=" + ns_text(b.ts) + ", instrument=" + std::to_string(b.instrument) +
           ", close=" + py::repr(py::float_(b.close)).cast<std::string>() + ")";
  });
  py::class_<keel_book_update_t> book(m, "BookUpdate");
  readonly_field<&keel_book_update_t::ts>(book, "ts");
  readonly_field<&keel_book_update_t::instrument>(book, "instrument");
  readonly_field<&keel_book_update_t::side>(book, "side");
  readonly_field<&keel_book_update_t::price>(book, "price");
  readonly_field<&keel_book_update_t::size>(book, "size");
  readonly_field<&keel_book_update_t::exch_ts>(book, "exch_ts");
  book.def("__repr__", [](const keel_book_update_t& u) {
    return "BookUpdate(ts=" + ns_text(u.ts) + ", instrument=" + std::to_string(u.instrument) +
           ", side=" + (u.side == KEEL_BOOK_BID ? "BID" : "ASK") +
           ", price=" + py::repr(py::float_(u.price)).cast<std::string>() +
           ", size=" + py::repr(py::float_(u.size)).cast<std::string>() + ")";
  });
  py::class_<OrderUpdate> update(m, "OrderUpdate");
  readonly_property(update, "ts", [](const OrderUpdate& o) { return o.u.ts; });
  readonly_property(update, "order", [](const OrderUpdate& o) { return o.u.order.bits; });
  readonly_property(update, "order_id", [](const OrderUpdate& o) { return o.u.order_id; });
  readonly_property(update, "client_tag", [](const OrderUpdate& o) { return o.u.client_tag; });
  readonly_property(update, "instrument", [](const OrderUpdate& o) { return o.u.instrument; });
  readonly_property(update, "state", [](const OrderUpdate& o) { return o.u.state; });
  readonly_property(update, "filled_quantity",
                    [](const OrderUpdate& o) { return o.u.filled_quantity; });
  readonly_property(update, "remaining_quantity",
                    [](const OrderUpdate& o) { return o.u.remaining_quantity; });
  readonly_property(update, "average_fill_price",
                    [](const OrderUpdate& o) { return o.u.average_fill_price; });
  readonly_property(update, "reason", [](const OrderUpdate& o) { return o.reason; });
  readonly_property(update, "terminal", [](const OrderUpdate& o) {
    const int32_t s = o.u.state;
    return s == KEEL_ORDER_FILLED || s == KEEL_ORDER_CANCELED || s == KEEL_ORDER_REJECTED ||
           s == KEEL_ORDER_EXPIRED;
  });
  update.def("__repr__", [](const OrderUpdate& o) {
    return "OrderUpdate(order_id=" + std::to_string(o.u.order_id) +
           ", state=" + std::to_string(o.u.state) + ", reason='" + o.reason + "')";
  });
  py::class_<keel_fill_t> fill(m, "Fill");
  readonly_field<&keel_fill_t::ts>(fill, "ts");
  readonly_field<&keel_fill_t::order_id>(fill, "order_id");
  readonly_field<&keel_fill_t::client_tag>(fill, "client_tag");
  readonly_field<&keel_fill_t::instrument>(fill, "instrument");
  readonly_field<&keel_fill_t::side>(fill, "side");
  readonly_field<&keel_fill_t::liquidity>(fill, "liquidity");
  readonly_field<&keel_fill_t::quantity>(fill, "quantity");
  readonly_field<&keel_fill_t::price>(fill, "price");
  readonly_field<&keel_fill_t::fee>(fill, "fee");
  readonly_property(fill, "order", [](const keel_fill_t& f) { return f.order.bits; });
  fill.def(
      "__repr__", [](const keel_fill_t& f) {
        return "Fill(order_id=" + std::to_string(f.order_id) + ", side=" + std::to_string(f.side) +
               ", quantity=" + py::repr(py::float_(f.quantity)).cast<std::string>() +
               ", price=" + py::repr(py::float_(f.price)).cast<std::string>() + ")";
      });
  py::class_<keel_timer_event_t>(m, "Timer")
      .def_readonly("ts", &keel_timer_event_t::ts)
      .def_property_readonly("timer", [](const keel_timer_event_t& t) { return t.timer.bits; })
      .def_readonly("cookie", &keel_timer_event_t::cookie);

  py::class_<keel_position_t>(m, "Position")
      .def_readonly("instrument", &keel_position_t::instrument)
      .def_readonly("quantity", &keel_position_t::quantity)
      .def_readonly("average_price", &keel_position_t::average_price)
      .def_readonly("realized_pnl", &keel_position_t::realized_pnl)
      .def_readonly("unrealized_pnl", &keel_position_t::unrealized_pnl)
      .def_readonly("fees", &keel_position_t::fees)
      .def_readonly("mark_price", &keel_position_t::mark_price);
  py::class_<keel_account_t>(m, "Account")
      .def_readonly("cash", &keel_account_t::cash)
      .def_readonly("equity", &keel_account_t::equity)
      .def_readonly("realized_pnl", &keel_account_t::realized_pnl)
      .def_readonly("unrealized_pnl", &keel_account_t::unrealized_pnl)
      .def_readonly("fees", &keel_account_t::fees)
      .def_readonly("gross_notional", &keel_account_t::gross_notional);
  py::class_<keel_greeks_t>(m, "Greeks")
      .def_readonly("price", &keel_greeks_t::price)
      .def_readonly("delta", &keel_greeks_t::delta)
      .def_readonly("gamma", &keel_greeks_t::gamma)
      .def_readonly("vega", &keel_greeks_t::vega)
      .def_readonly("theta", &keel_greeks_t::theta)
      .def_readonly("rho", &keel_greeks_t::rho)
      .def("__repr__", [](const keel_greeks_t& g) {
        return "Greeks(price=" + py::repr(py::float_(g.price)).cast<std::string>() +
               ", delta=" + py::repr(py::float_(g.delta)).cast<std::string>() + ")";
      });
  py::class_<InstrumentInfo>(m, "InstrumentInfo")
      .def_property_readonly("id", [](const InstrumentInfo& i) { return i.info.id; })
      .def_property_readonly("symbol", [](const InstrumentInfo& i) { return i.symbol; })
      .def_property_readonly("kind", [](const InstrumentInfo& i) { return i.info.kind; })
      .def_property_readonly("strike", [](const InstrumentInfo& i) { return i.info.strike; })
      .def_property_readonly("expiry", [](const InstrumentInfo& i) { return i.info.expiry; })
      .def_property_readonly("tick_size", [](const InstrumentInfo& i) { return i.info.tick_size; })
      .def_property_readonly("lot_size", [](const InstrumentInfo& i) { return i.info.lot_size; })
      .def_property_readonly("multiplier",
                             [](const InstrumentInfo& i) { return i.info.multiplier; });

  // ---- pricing models (host model_* calls) ----
  py::class_<Model>(m, "Model")
      .def_property_readonly("name", [](const Model& model) { return model.name; })
      .def(
          "price",
          [](const Model& model, double spot, double strike, double expiry, double vol,
             double rate, double dividend, int32_t right, int32_t exercise) {
            const keel_host_t& host = host_of(*model.context);
            const keel_option_t option =
                make_option(spot, strike, expiry, vol, rate, dividend, right, exercise);
            keel_greeks_t out{};
            keel_error_t err{};
            check(KEEL_PY_HOST(host, model_price)(&host, model.handle, &option, &out, &err), err,
                  "model_price");
            return out;
          },
          py::arg("spot"), py::arg("strike"), py::arg("expiry"), py::arg("vol"),
          py::arg("rate") = 0.0, py::arg("dividend") = 0.0, py::arg("right") = int32_t{KEEL_RIGHT_CALL},
          py::arg("exercise") = int32_t{KEEL_EXERCISE_EUROPEAN})
      .def(
          "implied_vol",
          [](const Model& model, double premium, double spot, double strike, double expiry,
             double rate, double dividend, int32_t right, int32_t exercise) {
            const keel_host_t& host = host_of(*model.context);
            const keel_option_t option =
                make_option(spot, strike, expiry, 0.0, rate, dividend, right, exercise);
            double vol = 0;
            keel_error_t err{};
            check(KEEL_PY_HOST(host, model_implied_vol)(&host, model.handle, &option, premium,
                                                        &vol, &err),
                  err, "model_implied_vol");
            return vol;
          },
          py::arg("premium"), py::arg("spot"), py::arg("strike"), py::arg("expiry"),
          py::arg("rate") = 0.0, py::arg("dividend") = 0.0, py::arg("right") = int32_t{KEEL_RIGHT_CALL},
          py::arg("exercise") = int32_t{KEEL_EXERCISE_EUROPEAN})
      .def(
          "price_batch",
          [](const Model& model, const py::object& spot, const py::object& strike,
             const py::object& expiry, const py::object& vol, const py::object& rate,
             const py::object& dividend, const py::object& right, const py::object& exercise,
             const py::object& price, const py::object& delta, const py::object& gamma,
             const py::object& vega, const py::object& theta, const py::object& rho,
             const py::object& status) {
            const keel_host_t& host = host_of(*model.context);
            BatchInputs in =
                batch_inputs(spot, strike, expiry, vol, rate, dividend, right, exercise, true);
            const size_t n = in.view.count;
            py::array_t<double> out_price = batch_output<double>(price, n, "price", "float64");
            std::optional<py::array_t<double>> greeks[5];
            const py::object* greek_args[5] = {&delta, &gamma, &vega, &theta, &rho};
            const char* greek_names[5] = {"delta", "gamma", "vega", "theta", "rho"};
            for (int g = 0; g < 5; ++g) {
              if (!greek_args[g]->is_none()) {
                greeks[g] = batch_output<double>(*greek_args[g], n, greek_names[g], "float64");
              }
            }
            std::optional<py::array_t<int32_t>> out_status;
            if (!status.is_none()) out_status = batch_output<int32_t>(status, n, "status", "int32");
            keel_greeks_batch_t out{};
            out.price = out_price.mutable_data();
            double** slots[5] = {&out.delta, &out.gamma, &out.vega, &out.theta, &out.rho};
            for (int g = 0; g < 5; ++g) {
              if (greeks[g]) *slots[g] = greeks[g]->mutable_data();
            }
            out.status = out_status ? out_status->mutable_data() : nullptr;
            keel_error_t err{};
            keel_status_t result;
            {
              const GilReleaseOnCallThread release(*model.context);  // arrays referenced above
              result = KEEL_PY_HOST(host, model_price_batch)(&host, model.handle, &in.view, &out,
                                                             &err);
            }
            // With a status array the caller reads each item's outcome.
            if (!out_status) check(result, err, "model_price_batch");
            return out_price;
          },
          py::arg("spot"), py::arg("strike"), py::arg("expiry"), py::arg("vol"),
          py::arg("rate") = 0.0, py::arg("dividend") = 0.0, py::arg("right") = int32_t{KEEL_RIGHT_CALL},
          py::arg("exercise") = py::none(), py::kw_only(), py::arg("price") = py::none(),
          py::arg("delta") = py::none(), py::arg("gamma") = py::none(),
          py::arg("vega") = py::none(), py::arg("theta") = py::none(),
          py::arg("rho") = py::none(), py::arg("status") = py::none())
      .def(
          "implied_vol_batch",
          [](const Model& model, const py::object& premium, const py::object& spot,
             const py::object& strike, const py::object& expiry, const py::object& rate,
             const py::object& dividend, const py::object& right, const py::object& exercise,
             const py::object& out, const py::object& status) {
            const keel_host_t& host = host_of(*model.context);
            BatchInputs in = batch_inputs(spot, strike, expiry, py::none(), rate, dividend, right,
                                          exercise, false);
            const size_t n = in.view.count;
            py::array_t<double> premiums = batch_input<double>(premium, n, "premium", "float64");
            py::array_t<double> vols = batch_output<double>(out, n, "out", "float64");
            std::optional<py::array_t<int32_t>> out_status;
            if (!status.is_none()) out_status = batch_output<int32_t>(status, n, "status", "int32");
            keel_error_t err{};
            keel_status_t result;
            {
              const GilReleaseOnCallThread release(*model.context);
              result = KEEL_PY_HOST(host, model_implied_vol_batch)(
                  &host, model.handle, &in.view, premiums.data(), vols.mutable_data(),
                  out_status ? out_status->mutable_data() : nullptr, &err);
            }
            if (!out_status) check(result, err, "model_implied_vol_batch");
            return vols;
          },
          py::arg("premium"), py::arg("spot"), py::arg("strike"), py::arg("expiry"),
          py::arg("rate") = 0.0, py::arg("dividend") = 0.0, py::arg("right") = int32_t{KEEL_RIGHT_CALL},
          py::arg("exercise") = py::none(), py::kw_only(), py::arg("out") = py::none(),
          py::arg("status") = py::none());

  // ---- the host table of one instance ----
  py::class_<HostContext, std::shared_ptr<HostContext>> context(m, "_Context");
  context.def_property_readonly("name", [](const HostContext& c) { return c.name; })
      .def("now",
           [](const HostContext& c) -> keel_timestamp_t {
             // The cursor's event on the callback's thread; elsewhere the
             // host's clock ([thread-safe]: what the engine handles meanwhile).
             if (const auto at = c.cursor_time()) return *at;
             const keel_host_t& host = host_of(c);
             return KEEL_PY_HOST(host, now)(&host);
           })
      .def("log",
           [](const HostContext& c, int32_t level, const std::string& message) {
             const keel_host_t& host = host_of(c);
             KEEL_PY_HOST(host, log)(&host, level, message.c_str());
           })
      .def("instrument_find",
           [](const HostContext& c, const std::string& symbol) {
             const keel_host_t& host = host_of(c);
             keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
             keel_error_t err{};
             check(KEEL_PY_HOST(host, instrument_find)(&host, symbol.c_str(), &id, &err), err,
                   "instrument_find");
             return id;
           })
      .def("instrument_get",
           [](const HostContext& c, keel_instrument_id_t id) {
             const keel_host_t& host = host_of(c);
             InstrumentInfo out;
             out.info.struct_size = sizeof out.info;
             keel_error_t err{};
             check(KEEL_PY_HOST(host, instrument_get)(&host, id, &out.info, &err), err,
                   "instrument_get");
             out.symbol = out.info.symbol != nullptr ? out.info.symbol : "";
             out.info.symbol = nullptr;
             return out;
           })
      .def("cancel",
           [](HostContext& c, uint64_t order) {
             const keel_host_t& host = host_of(c);
             keel_error_t err{};
             const keel_status_t status =
                 KEEL_PY_HOST(host, order_cancel)(&host, keel_order_handle_t{order}, &err);
             c.count_action(status);
             c.note_host_thread_call(status, "order_cancel");
             check(status, err, "order_cancel");
           })
      .def("position",
           [](HostContext& c, keel_instrument_id_t instrument) {
             const keel_host_t& host = host_of(c);
             keel_position_t out{};
             keel_error_t err{};
             const keel_status_t status =
                 KEEL_PY_HOST(host, position_get)(&host, instrument, &out, &err);
             c.note_host_thread_call(status, "position_get");
             check(status, err, "position_get");
             return out;
           })
      .def("account",
           [](HostContext& c) {
             const keel_host_t& host = host_of(c);
             keel_account_t out{};
             keel_error_t err{};
             const keel_status_t status = KEEL_PY_HOST(host, account_get)(&host, &out, &err);
             c.note_host_thread_call(status, "account_get");
             check(status, err, "account_get");
             return out;
           })
      .def("timer_set",
           [](HostContext& c, keel_timestamp_t at, uint64_t cookie) {
             const keel_host_t& host = host_of(c);
             keel_timer_handle_t timer{KEEL_NULL_HANDLE};
             keel_error_t err{};
             const keel_status_t status =
                 KEEL_PY_HOST(host, timer_set)(&host, at, cookie, &timer, &err);
             c.count_action(status);
             c.note_host_thread_call(status, "timer_set");
             check(status, err, "timer_set");
             return timer.bits;
           })
      .def("timer_cancel",
           [](HostContext& c, uint64_t timer) {
             const keel_host_t& host = host_of(c);
             keel_error_t err{};
             const keel_status_t status =
                 KEEL_PY_HOST(host, timer_cancel)(&host, keel_timer_handle_t{timer}, &err);
             c.count_action(status);
             c.note_host_thread_call(status, "timer_cancel");
             check(status, err, "timer_cancel");
           })
      .def("book",
           [](HostContext& c, keel_instrument_id_t instrument, int32_t side, size_t n) {
             const keel_host_t& host = host_of(c);
             auto& buffer = c.book_buffer;
             if (!buffer || buffer->size() < n) {
               buffer = std::make_shared<std::vector<keel_book_level_t>>(std::max<size_t>(n, 16));
             }
             size_t count = 0;
             keel_error_t err{};
             const keel_status_t status = KEEL_PY_HOST(host, book_levels)(
                 &host, instrument, side, buffer->data(), n, &count, &err);
             c.note_host_thread_call(status, "book_levels");
             check(status, err, "book_levels");
             // A read-only (count, 2) float64 view of the buffer; its base (a
             // capsule holding a reference) keeps the buffer alive.
             auto* owner = new std::shared_ptr<std::vector<keel_book_level_t>>(buffer);
             py::capsule base(owner, [](void* p) {
               delete static_cast<std::shared_ptr<std::vector<keel_book_level_t>>*>(p);
             });
             static_assert(sizeof(keel_book_level_t) == 2 * sizeof(double));
             py::array_t<double> view({count, size_t{2}},
                                      {sizeof(keel_book_level_t), sizeof(double)},
                                      reinterpret_cast<double*>(buffer->data()), base);
             py::detail::array_proxy(view.ptr())->flags &=
                 ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
             return view;
           })
      .def("model_lookup", [](const std::shared_ptr<HostContext>& c, const std::string& name) {
        const keel_host_t& host = host_of(*c);
        Model model{c, {KEEL_NULL_HANDLE}, name};
        keel_error_t err{};
        check(KEEL_PY_HOST(host, model_lookup)(&host, name.c_str(), &model.handle, &err), err,
              "model_lookup");
        return model;
      });
  fast_method<&context_submit>(context, "submit");
  fast_method<&context_batch_at>(context, "batch_at");

  // ---- numpy dtypes of the batch views (zero-copy over keel_event_t spans) ----
  g_quote_dtype = make_dtype({{"ts", {"<i8", offsetof(keel_quote_t, ts)}},
                              {"instrument", {"<u4", offsetof(keel_quote_t, instrument)}},
                              {"bid", {"<f8", offsetof(keel_quote_t, bid)}},
                              {"bid_size", {"<f8", offsetof(keel_quote_t, bid_size)}},
                              {"ask", {"<f8", offsetof(keel_quote_t, ask)}},
                              {"ask_size", {"<f8", offsetof(keel_quote_t, ask_size)}}});
  g_trade_dtype = make_dtype({{"ts", {"<i8", offsetof(keel_trade_t, ts)}},
                              {"instrument", {"<u4", offsetof(keel_trade_t, instrument)}},
                              {"price", {"<f8", offsetof(keel_trade_t, price)}},
                              {"size", {"<f8", offsetof(keel_trade_t, size)}}});
  g_bar_dtype = make_dtype({{"ts", {"<i8", offsetof(keel_bar_t, ts)}},
                            {"instrument", {"<u4", offsetof(keel_bar_t, instrument)}},
                            {"open", {"<f8", offsetof(keel_bar_t, open)}},
                            {"high", {"<f8", offsetof(keel_bar_t, high)}},
                            {"low", {"<f8", offsetof(keel_bar_t, low)}},
                            {"close", {"<f8", offsetof(keel_bar_t, close)}},
                            {"volume", {"<f8", offsetof(keel_bar_t, volume)}}});
  m.attr("QUOTE_DTYPE") = g_quote_dtype;
  m.attr("TRADE_DTYPE") = g_trade_dtype;
  m.attr("BAR_DTYPE") = g_bar_dtype;
}

}  // namespace keel::python
