#include "engine/library/harness.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "engine/library/strategy_call_scope.hpp"
#include "engine/python/bindings.hpp"

namespace keel::library {
namespace {

namespace py = pybind11;

Status unknown_order(uint64_t id) {
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                "order " + std::to_string(id) + " was never sent (h.orders lists those sent)");
}

// The strategy's logs go to the harness whose call is on this thread's
// stack; a log from elsewhere (a thread of the strategy's own) goes where
// the host sends it.
thread_local std::vector<LogLine>* g_log_sink = nullptr;
void (*g_host_log)(const keel_host_t*, int32_t, const char*) = nullptr;

void harness_log(const keel_host_t* host, int32_t level, const char* message) {
  if (g_log_sink == nullptr) {
    if (g_host_log != nullptr) g_host_log(host, level, message);
    return;
  }
  try {
    g_log_sink->emplace_back(level, message != nullptr ? message : "");
  } catch (...) {  // logging never fails a plugin
  }
}

class LogScope {
 public:
  explicit LogScope(std::vector<LogLine>& sink) : previous_(g_log_sink) { g_log_sink = &sink; }
  ~LogScope() { g_log_sink = previous_; }
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  std::vector<LogLine>* previous_;
};

}  // namespace

// ---- ScriptedRunServices ----------------------------------------------------

namespace {

InstrumentTable equities(const std::vector<std::string>& symbols) {
  InstrumentTable table;
  for (const std::string& symbol : symbols) {
    Instrument instrument;
    instrument.symbol = symbol;
    table.add(std::move(instrument));  // an equity, tick 0.01, lot 1, multiplier 1
  }
  return table;
}

}  // namespace

ScriptedRunServices::ScriptedRunServices(std::vector<std::string> symbols, double cash)
    : symbols_(std::move(symbols)), instruments_(equities(symbols_)), book_(instruments_, {cash}) {}

Result<keel_instrument_id_t> ScriptedRunServices::instrument_find(const std::string& symbol) {
  auto it = std::find(symbols_.begin(), symbols_.end(), symbol);
  if (it == symbols_.end()) {
    return Status(KEEL_ERR_NOT_FOUND,
                  "no instrument '" + symbol + "' in this harness (give it in instruments=[...])");
  }
  return static_cast<keel_instrument_id_t>(it - symbols_.begin());
}

Status ScriptedRunServices::instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) {
  if (id >= symbols_.size()) {
    return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(id));
  }
  const Instrument& instrument = instruments_.get(id);
  out.id = id;
  out.symbol = instrument.symbol.c_str();
  out.kind = instrument.kind;
  out.underlying = KEEL_NO_INSTRUMENT;
  out.tick_size = instrument.tick_size;
  out.lot_size = instrument.lot_size;
  out.multiplier = instrument.multiplier;
  return Status::ok();
}

Result<keel_order_handle_t> ScriptedRunServices::order_submit(InstanceContext& /*caller*/,
                                                              const keel_order_request_t& request) {
  if (request.instrument >= symbols_.size()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "order for unknown instrument id " + std::to_string(request.instrument));
  }
  if (!(request.quantity > 0.0) || !std::isfinite(request.quantity)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, "order quantity must be > 0");
  }
  ScriptedOrder order;
  order.id = orders_.size() + 1;
  order.request = request;
  order.submitted_ts = now_;
  orders_.push_back(order);
  return keel_order_handle_t{order.id};
}

Status ScriptedRunServices::order_cancel(InstanceContext& /*caller*/, keel_order_handle_t order) {
  Result<ScriptedOrder*> open = open_order(order.bits);
  if (!open) return open.status();
  cancels_.push_back(order.bits);
  return Status::ok();
}

Status ScriptedRunServices::position_get(InstanceContext& /*caller*/,
                                         keel_instrument_id_t instrument, keel_position_t& out) {
  if (!instruments_.contains(instrument)) {
    return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(instrument));
  }
  out = book_.position_view(0, instrument);
  return Status::ok();
}

Status ScriptedRunServices::account_get(InstanceContext& /*caller*/, keel_account_t& out) {
  out = book_.account(0);
  return Status::ok();
}

Result<keel_timer_handle_t> ScriptedRunServices::timer_set(InstanceContext& /*caller*/,
                                                           keel_timestamp_t at, uint64_t cookie) {
  const uint64_t handle = next_timer_++;
  timers_[handle] = Timer{at, cookie};
  return keel_timer_handle_t{handle};
}

Status ScriptedRunServices::timer_cancel(InstanceContext& /*caller*/, keel_timer_handle_t timer) {
  if (timers_.erase(timer.bits) == 0) {
    return Status(KEEL_ERR_STALE_HANDLE, "timer " + std::to_string(timer.bits) +
                                             " has fired, was cancelled, or never existed");
  }
  return Status::ok();
}

void ScriptedRunServices::mark(keel_instrument_id_t instrument, double price) {
  if (instruments_.contains(instrument)) book_.set_mark(instrument, price);
}

Result<ScriptedOrder*> ScriptedRunServices::open_order(uint64_t order_id) {
  if (order_id == 0 || order_id > orders_.size()) return unknown_order(order_id);
  ScriptedOrder& order = orders_[order_id - 1];
  if (order.terminal()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "order " + std::to_string(order_id) + " is no longer working");
  }
  return &order;
}

keel_order_update_t ScriptedRunServices::update_of(const ScriptedOrder& order) {
  keel_order_update_t u{};
  u.ts = now_;
  u.order = keel_order_handle_t{order.id};
  u.order_id = order.id;
  u.client_tag = order.request.client_tag;
  u.instrument = order.request.instrument;
  u.state = order.state;
  u.filled_quantity = order.filled_quantity;
  u.remaining_quantity = order.request.quantity - order.filled_quantity;
  u.average_fill_price = order.average_fill_price;
  // A copy: the strategy may send orders (and move orders_) before the
  // update is delivered (on_fill comes first).
  update_reason_ = order.reason;
  u.reason = update_reason_.c_str();
  return u;
}

Result<ScriptedRunServices::FillEvents> ScriptedRunServices::fill(uint64_t order_id,
                                                                  std::optional<double> price,
                                                                  std::optional<double> quantity,
                                                                  double fee) {
  Result<ScriptedOrder*> open = open_order(order_id);
  if (!open) return open.status();
  ScriptedOrder& order = **open;
  const keel_order_request_t& r = order.request;
  const double remaining = r.quantity - order.filled_quantity;
  const double qty = quantity.value_or(remaining);
  if (!(qty > 0.0) || qty > remaining + 1e-9) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "fill quantity " + std::to_string(qty) + " for order " +
                      std::to_string(order_id) +
                      ": expected > 0 and <= " + std::to_string(remaining) + " (what remains)");
  }
  double px = 0.0;
  if (price) {
    px = *price;
  } else if (r.type == KEEL_ORDER_LIMIT || r.type == KEEL_ORDER_STOP_LIMIT) {
    px = r.limit_price;
  } else {
    px = book_.has_mark(r.instrument) ? book_.mark(r.instrument) : 0.0;
  }
  if (!(px > 0.0) || !std::isfinite(px)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "no price to fill order " + std::to_string(order_id) +
                      " at: give price=..., or feed a market event of its instrument first");
  }

  book_.apply_fill(0, r.instrument, r.side, qty, px, fee);
  if (!book_.has_mark(r.instrument)) book_.set_mark(r.instrument, px);  // no market data yet

  order.average_fill_price =
      (order.average_fill_price * order.filled_quantity + px * qty) / (order.filled_quantity + qty);
  order.filled_quantity += qty;
  order.fees += fee;
  order.state =
      order.filled_quantity >= r.quantity - 1e-9 ? KEEL_ORDER_FILLED : KEEL_ORDER_PARTIALLY_FILLED;

  FillEvents events{};
  keel_fill_t& f = events.fill;
  f.ts = now_;
  f.order = keel_order_handle_t{order.id};
  f.order_id = order.id;
  f.client_tag = r.client_tag;
  f.instrument = r.instrument;
  f.side = r.side;
  f.liquidity = KEEL_LIQUIDITY_TAKER;
  f.quantity = qty;
  f.price = px;
  f.fee = fee;
  events.update = update_of(order);
  return events;
}

Result<keel_order_update_t> ScriptedRunServices::finish(uint64_t order_id, int32_t state,
                                                        const std::string& reason) {
  Result<ScriptedOrder*> open = open_order(order_id);
  if (!open) return open.status();
  (*open)->state = state;
  (*open)->reason = reason;
  return update_of(**open);
}

std::vector<keel_timer_event_t> ScriptedRunServices::take_due_timers(keel_timestamp_t until) {
  std::vector<std::pair<uint64_t, Timer>> due;
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second.at <= until) {
      due.emplace_back(*it);
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
  std::vector<keel_timer_event_t> events;
  for (const auto& [handle, timer] : due) {
    events.push_back(keel_timer_event_t{timer.at, keel_timer_handle_t{handle}, timer.cookie});
  }
  return events;
}

// ---- Harness ------------------------------------------------------------------

Harness::Harness(std::vector<std::string> symbols, double cash)
    : services_(std::move(symbols), cash) {
  host_.set_run_services(&services_);
}

Harness::~Harness() {
  if (instance_) (void)instance_->drop();
  (void)host_.shutdown();
}

Result<std::unique_ptr<Harness>> Harness::create(py::handle cls, const std::string& params_json,
                                                 std::vector<std::string> symbols, double cash,
                                                 const std::string& name,
                                                 keel_timestamp_t start_time) {
  std::unique_ptr<Harness> h(new Harness(std::move(symbols), cash));
  Result<const Factory*> factory = python::python_class_factory(h->host_.registry(), cls, name);
  if (!factory) return factory.status();
  auto context = h->host_.make_context("strategy '" + name + "'", (*factory)->plugin);
  if (g_host_log == nullptr) g_host_log = context->table.log;
  context->table.log = &harness_log;
  LogScope logs(h->logs_);
  h->services_.set_now(start_time);
  Result<std::unique_ptr<StrategyInstance>> made =
      StrategyInstance::create(**factory, params_json, std::move(context));
  if (!made) return made.status();
  h->instance_ = std::move(*made);

  std::vector<keel_instrument_id_t> ids(h->services_.symbols().size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<keel_instrument_id_t>(i);
  keel_strategy_start_t start{};
  start.struct_size = sizeof(start);
  start.start_time = start_time;
  start.name = name.c_str();
  start.instrument_count = ids.size();
  start.instruments = ids.data();
  if (Status s = h->instance_->on_start(start); !s) return s;
  return h;
}

Status Harness::live() const {
  if (!instance_) return Status(KEEL_ERR_INVALID_ARGUMENT, "the harness was stopped");
  return Status::ok();
}

Status Harness::advance(keel_timestamp_t until) {
  if (Status s = live(); !s) return s;
  LogScope logs(logs_);
  for (const keel_timer_event_t& timer : services_.take_due_timers(until)) {
    services_.set_now(timer.ts);
    if (Status s = instance_->on_timer(timer); !s) return s;
  }
  services_.set_now(until);
  return Status::ok();
}

Status Harness::quote(const keel_quote_t& quote) {
  if (Status s = advance(quote.ts); !s) return s;
  LogScope logs(logs_);
  if (quote.bid > 0.0 && quote.ask > 0.0)
    services_.mark(quote.instrument, (quote.bid + quote.ask) / 2);
  if (instance_->takes_batches()) return one_event(KEEL_EVENT_QUOTE, quote);
  return instance_->on_quote(quote);
}

Status Harness::trade(const keel_trade_t& trade) {
  if (Status s = advance(trade.ts); !s) return s;
  LogScope logs(logs_);
  services_.mark(trade.instrument, trade.price);
  if (instance_->takes_batches()) return one_event(KEEL_EVENT_TRADE, trade);
  return instance_->on_trade(trade);
}

Status Harness::bar(const keel_bar_t& bar) {
  if (Status s = advance(bar.ts); !s) return s;
  LogScope logs(logs_);
  services_.mark(bar.instrument, bar.close);
  if (instance_->takes_batches()) return one_event(KEEL_EVENT_BAR, bar);
  return instance_->on_bar(bar);
}

// A strategy that takes batches (on_events: a Python class with on_bars
// etc.) gets the event as the engine gives it, in a span; here always a
// span of one, so no event waits for another.
template <class Event>
Status Harness::one_event(uint32_t kind, const Event& event) {
  keel_event_t e{};
  e.kind = kind;
  if constexpr (std::is_same_v<Event, keel_quote_t>) e.as.quote = event;
  if constexpr (std::is_same_v<Event, keel_trade_t>) e.as.trade = event;
  if constexpr (std::is_same_v<Event, keel_bar_t>) e.as.bar = event;
  size_t consumed = 0;
  return instance_->on_events(&e, 1, consumed);
}

Status Harness::deliver(const keel_order_update_t& update) {
  LogScope logs(logs_);
  return instance_->on_order_update(update);
}

Status Harness::fill(uint64_t order_id, std::optional<double> price, std::optional<double> quantity,
                     double fee) {
  if (Status s = live(); !s) return s;
  Result<ScriptedRunServices::FillEvents> events = services_.fill(order_id, price, quantity, fee);
  if (!events) return events.status();
  LogScope logs(logs_);
  // The engine's order: the fill report, then the order's update.
  if (Status s = instance_->on_fill(events->fill); !s) return s;
  return instance_->on_order_update(events->update);
}

Status Harness::reject(uint64_t order_id, const std::string& reason) {
  if (Status s = live(); !s) return s;
  Result<keel_order_update_t> update = services_.finish(order_id, KEEL_ORDER_REJECTED, reason);
  if (!update) return update.status();
  return deliver(*update);
}

Status Harness::confirm_cancel(uint64_t order_id) {
  if (Status s = live(); !s) return s;
  Result<keel_order_update_t> update = services_.finish(order_id, KEEL_ORDER_CANCELED, "");
  if (!update) return update.status();
  return deliver(*update);
}

Status Harness::stop() {
  if (Status s = live(); !s) return s;
  LogScope logs(logs_);
  Status stopped = instance_->on_stop(services_.now());
  Status dropped = instance_->drop();
  instance_.reset();
  return stopped.is_ok() ? dropped : stopped;
}

// ---- keel._keel._Harness --------------------------------------------------------

namespace {

// Runs `call` with the GIL released and the run hooks set, as keel.run
// does; a strategy exception is re-raised as itself, any other failure as
// keel.Error.
template <class Call>
void call_strategy(Call&& call) {
  python::RunHooks hooks;
  Status status;
  {
    const StrategyCallScope scope(hooks);
    status = call();
  }
  if (!hooks.raised.empty()) {
    py::object error = hooks.raised.front().second;
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    throw py::error_already_set();
  }
  if (!status) python::raise_keel_error(status.code(), status.message());
}

keel_timestamp_t ts_of(const py::dict& e) { return e["ts"].cast<keel_timestamp_t>(); }
keel_instrument_id_t id_of(const py::dict& e) {
  return e["instrument"].cast<keel_instrument_id_t>();
}

py::dict order_dict(const ScriptedOrder& o) {
  py::dict d;
  d["id"] = o.id;
  d["instrument"] = o.request.instrument;
  d["side"] = o.request.side;
  d["type"] = o.request.type;
  d["time_in_force"] = o.request.time_in_force;
  d["quantity"] = o.request.quantity;
  d["limit_price"] = o.request.limit_price;
  d["stop_price"] = o.request.stop_price;
  d["tag"] = o.request.client_tag;
  d["submitted_ts"] = o.submitted_ts;
  d["state"] = o.state;
  d["filled_quantity"] = o.filled_quantity;
  d["average_fill_price"] = o.average_fill_price;
  d["fees"] = o.fees;
  d["reason"] = o.reason;
  return d;
}

}  // namespace

void define_harness(py::module_& m) {
  // The raw harness; python/keel/testing.py is the API (symbols, DataFrames,
  // order objects). Events are dicts with instrument ids.
  py::class_<Harness>(m, "_Harness")
      .def(py::init([](py::handle cls, const std::string& params_json,
                       std::vector<std::string> symbols, double cash, const std::string& name,
                       keel_timestamp_t start_time) {
             std::unique_ptr<Harness> made;
             call_strategy([&]() -> Status {
               auto h =
                   Harness::create(cls, params_json, std::move(symbols), cash, name, start_time);
               if (!h) return h.status();
               made = std::move(*h);
               return Status::ok();
             });
             return made;
           }),
           py::arg("cls"), py::arg("params_json"), py::arg("symbols"), py::arg("cash"),
           py::arg("name"), py::arg("start_time"))
      .def("quote",
           [](Harness& h, const py::dict& e) {
             keel_quote_t q{};
             q.ts = ts_of(e);
             q.instrument = id_of(e);
             q.bid = e["bid"].cast<double>();
             q.bid_size = e["bid_size"].cast<double>();
             q.ask = e["ask"].cast<double>();
             q.ask_size = e["ask_size"].cast<double>();
             call_strategy([&] { return h.quote(q); });
           })
      .def("trade",
           [](Harness& h, const py::dict& e) {
             keel_trade_t t{};
             t.ts = ts_of(e);
             t.instrument = id_of(e);
             t.price = e["price"].cast<double>();
             t.size = e["size"].cast<double>();
             call_strategy([&] { return h.trade(t); });
           })
      .def("bar",
           [](Harness& h, const py::dict& e) {
             keel_bar_t b{};
             b.ts = ts_of(e);
             b.instrument = id_of(e);
             b.open = e["open"].cast<double>();
             b.high = e["high"].cast<double>();
             b.low = e["low"].cast<double>();
             b.close = e["close"].cast<double>();
             b.volume = e["volume"].cast<double>();
             call_strategy([&] { return h.bar(b); });
           })
      .def("advance",
           [](Harness& h, keel_timestamp_t ts) { call_strategy([&] { return h.advance(ts); }); })
      .def("fill",
           [](Harness& h, uint64_t id, std::optional<double> price, std::optional<double> quantity,
              double fee) { call_strategy([&] { return h.fill(id, price, quantity, fee); }); })
      .def("reject",
           [](Harness& h, uint64_t id, const std::string& reason) {
             call_strategy([&] { return h.reject(id, reason); });
           })
      .def("confirm_cancel",
           [](Harness& h, uint64_t id) { call_strategy([&] { return h.confirm_cancel(id); }); })
      .def("stop", [](Harness& h) { call_strategy([&] { return h.stop(); }); })
      .def("orders",
           [](Harness& h) {
             py::list out;
             for (const ScriptedOrder& o : h.services().orders()) out.append(order_dict(o));
             return out;
           })
      .def("cancels", [](Harness& h) { return h.services().cancels(); })
      .def("logs", [](Harness& h) { return h.logs(); })
      .def("position",
           [](Harness& h, keel_instrument_id_t id) {
             const keel_position_t p = h.services().position(id);
             py::dict d;
             d["quantity"] = p.quantity;
             d["average_price"] = p.average_price;
             d["realized_pnl"] = p.realized_pnl;
             d["unrealized_pnl"] = p.unrealized_pnl;
             d["fees"] = p.fees;
             d["mark_price"] = p.mark_price;
             return d;
           })
      .def_property_readonly("cash", [](Harness& h) { return h.services().cash(); })
      .def_property_readonly("now", [](Harness& h) { return h.services().now(); });
}

}  // namespace keel::library
