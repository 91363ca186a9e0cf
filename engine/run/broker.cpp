#include "engine/run/broker.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "engine/market/timestamp.hpp"
#include "engine/run/risk.hpp"

namespace keel {
namespace {

const char* side_text(int32_t side) { return side == KEEL_SIDE_BUY ? "buy" : "sell"; }

// Scheduled events that refer to an order, which must outlive them.
bool refers_to_order(PendingEvent::Kind kind) {
  return kind == PendingEvent::Kind::order_arrival || kind == PendingEvent::Kind::cancel_arrival ||
         kind == PendingEvent::Kind::order_update;
}

std::vector<double> lot_sizes(const RunConfig& config) {
  std::vector<double> out(config.instruments.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = config.instruments.get(static_cast<keel_instrument_id_t>(i)).lot_size;
  }
  return out;
}

}  // namespace

Broker::Broker(const RunConfig& config, RunState& state, Portfolio& book, Portfolio& told,
               const Marks& marks, BrokerClient& client)
    : config_(config),
      state_(state),
      book_(book),
      told_(told),
      marks_(marks),
      client_(client),
      venue_(config.venue, config.instruments.size(), orders_, lot_sizes(config)),
      order_latency_(config.venue.latency.order ? &*config.venue.latency.order : nullptr,
                     config.venue.order_latency_ns, config.venue.latency.seed),
      report_latency_(config.venue.latency.report ? &*config.venue.latency.report : nullptr,
                      config.venue.report_latency_ns, config.venue.latency.seed + 1),
      feed_from_exchange_(config.venue.latency.feed_from_exchange_timestamps),
      feed_lag_(config.instruments.size(), 0),
      last_order_arrival_(config.strategies.size(), INT64_MIN),
      last_report_arrival_(config.strategies.size(), INT64_MIN),
      pending_count_(config.strategies.size(), 0),
      orders_of_(config.strategies.size()),
      round_trips_(config) {
  for (StrategyOrders& o : orders_of_) {
    o.open_buy.assign(config.instruments.size(), 0.0);
    o.open_sell.assign(config.instruments.size(), 0.0);
  }
}

// ---- what strategies send ------------------------------------------------------------

Result<keel_order_handle_t> Broker::check_order(size_t s, const keel_order_request_t& request,
                                                OrderTicket& ticket) {
  const StrategySpec& spec = config_.strategies[s];
  StrategyOrders& mine = orders_of_[s];
  const Instrument& instrument = config_.instruments.get(request.instrument);
  ticket.request = request;
  ticket.sent = state_.now;
  ticket.handle = keel_order_handle_t{KEEL_NULL_HANDLE};
  ticket.hold_per_unit = 0;
  ticket.reason = check_order_form(request, instrument);
  const keel_instrument_id_t id = request.instrument;
  if (ticket.reason.empty()) {
    const OpenOrders open{mine.open, mine.open_buy[id], mine.open_sell[id]};
    ticket.reason = check_risk_limits(spec.risk, request, instrument, book_, s, open,
                                      marks_.reference_price(id));
  }
  if (ticket.reason.empty()) {
    const OpenOrders open{mine.open, mine.open_buy[id], mine.open_sell[id], mine.held};
    const BuyingPower power{
        spec.account, std::max({0.0, config_.venue.taker_fee_bps, config_.venue.maker_fee_bps}),
        config_.venue.fee_per_order};
    double hold = 0;
    ticket.reason = check_buying_power(power, request, instrument, book_, s, open,
                                       marks_.reference_price(id), hold);
    ticket.hold_per_unit = hold / request.quantity;
  }
  if (!ticket.reason.empty()) {
    return Status(KEEL_ERR_REJECTED, std::string("order to ") + side_text(request.side) + " " +
                                         instrument.symbol + " rejected: " + ticket.reason);
  }
  ticket.handle = keel_order_handle_t{order_handles_.insert(OrderRef{0, s})};
  ++mine.open;
  (request.side == KEEL_SIDE_BUY ? mine.open_buy : mine.open_sell)[id] += request.quantity;
  mine.held += ticket.hold_per_unit * request.quantity;
  return ticket.handle;  // PENDING until the ACCEPTED update arrives
}

void Broker::place(size_t s, OrderTicket& ticket) {
  Order& order = orders_.create();
  order.strategy = s;
  order.request = ticket.request;
  order.submitted_ts = ticket.sent;
  order.last_update_ts = ticket.sent;
  order.hold_per_unit = ticket.hold_per_unit;
  ++orders_of_[s].orders;
  if (!ticket.reason.empty()) {
    order.state = KEEL_ORDER_REJECTED;
    order.reason = std::move(ticket.reason);
    schedule_report(order, report_arrival(s, 0, ticket.sent));  // refused here: no venue
    return;
  }
  order.handle = ticket.handle;
  (*order_handles_.get(ticket.handle.bits))->id = order.id;  // inserted by check_order
  PendingEvent arrival;
  arrival.ts = order_arrival(s, ticket.request.instrument, ticket.sent);
  arrival.kind = PendingEvent::Kind::order_arrival;
  arrival.strategy = s;
  arrival.order_id = order.id;
  schedule(arrival);
}

Status Broker::check_cancel(size_t s, keel_order_handle_t handle) {
  Result<OrderRef*> ref = order_handles_.get(handle.bits);
  if (!ref) {
    if (ref.status().code() == KEEL_ERR_STALE_HANDLE) {
      return Status(KEEL_ERR_STALE_HANDLE, "order " + describe_handle(handle.bits) +
                                               " is no longer open (filled, cancelled, "
                                               "rejected or expired)");
    }
    return ref.status();
  }
  if ((*ref)->strategy != s) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "order " + describe_handle(handle.bits) + " belongs to another strategy");
  }
  return Status::ok();
}

void Broker::send_cancel(keel_order_handle_t handle, keel_timestamp_t sent) {
  // Checked when sent; nothing the strategy was not told of can have taken
  // the handle since (strategy_host.hpp: a span ends before such events).
  Result<OrderRef*> ref = order_handles_.get(handle.bits);
  if (!ref || (*ref)->id == 0) return;
  const Order& order = orders_.get((*ref)->id);
  PendingEvent cancel;
  cancel.ts = order_arrival(order.strategy, order.request.instrument, sent);
  cancel.kind = PendingEvent::Kind::cancel_arrival;
  cancel.strategy = order.strategy;
  cancel.order_id = order.id;
  schedule(cancel);
}

keel_timer_handle_t Broker::new_timer(size_t s) {
  return keel_timer_handle_t{timers_.insert(TimerRef{s})};
}

void Broker::schedule_timer(size_t s, keel_timer_handle_t handle, keel_timestamp_t at,
                            uint64_t cookie) {
  PendingEvent timer;
  timer.ts = at;
  timer.kind = PendingEvent::Kind::timer;
  timer.strategy = s;
  timer.timer = keel_timer_event_t{at, handle, cookie};
  schedule(timer);
}

Status Broker::cancel_timer(size_t s, keel_timer_handle_t timer) {
  Result<TimerRef*> entry = timers_.get(timer.bits);
  if (!entry) {
    return Status(entry.status().code(), "timer " + describe_handle(timer.bits) +
                                             " has fired, was cancelled, or never existed");
  }
  if ((*entry)->strategy != s) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, "the timer belongs to another strategy");
  }
  (void)timers_.remove(timer.bits);
  return Status::ok();
}

// ---- latency ----------------------------------------------------------------------------

keel_timestamp_t Broker::order_arrival(size_t s, keel_instrument_id_t instrument,
                                       keel_timestamp_t sent) {
  const keel_timestamp_t drawn = sent + order_latency_.draw(sent) + feed_lag(instrument);
  keel_timestamp_t& last = last_order_arrival_[s];
  last = std::max(last, drawn);
  return last;
}

keel_timestamp_t Broker::report_arrival(size_t s, int64_t lag, keel_timestamp_t at) {
  const keel_timestamp_t leaves = at - lag;  // the venue's clock
  const keel_timestamp_t drawn = std::max(at, leaves + report_latency_.draw(leaves));
  keel_timestamp_t& last = last_report_arrival_[s];
  last = std::max(last, drawn);
  return last;
}

void Broker::note_feed_lag(const MarketEvent& event) {
  // exch_ts <= ts (the depth reader checks it); held to kMaxDurationNs so
  // that a time plus a lag and two latencies stays in int64 (timestamp.hpp).
  const int64_t lag = event.ts() - event.as.book.exch_ts;
  feed_lag_[event.instrument()] = std::clamp<int64_t>(lag, 0, kMaxDurationNs);
}

// ---- pending events ------------------------------------------------------------------

void Broker::schedule(const PendingEvent& event) {
  if (refers_to_order(event.kind)) ++orders_.get(event.order_id).scheduled;
  ++pending_count_[event.strategy];
  pending_.push(event);
}

void Broker::process_due(keel_timestamp_t until) {
  while (pending_.due(until)) {
    PendingEvent event = pending_.pop();
    state_.now = event.ts;  // a timer or report happens at its own time
    handle(event);
    if (state_.stop) break;
  }
  state_.now = until;
}

void Broker::handle(PendingEvent& event) {
  --pending_count_[event.strategy];
  if (refers_to_order(event.kind)) {
    Order& order = orders_.get(event.order_id);  // live: the event holds a reference
    handle_order_event(event, order);
    release_reference(order);
    return;
  }
  switch (event.kind) {
    case PendingEvent::Kind::fill_report: {
      const keel_fill_t& f = event.fill;
      told_.apply_fill(event.strategy, f.instrument, f.side, f.quantity, f.price, f.fee);
      client_.deliver_fill(event.strategy, f);
      return;
    }
    case PendingEvent::Kind::timer: {
      if (!timers_.get(event.timer.timer.bits)) return;  // cancelled
      (void)timers_.remove(event.timer.timer.bits);
      client_.deliver_timer(event.strategy, event.timer);
      return;
    }
    default:
      return;  // the order events, above
  }
}

void Broker::handle_order_event(PendingEvent& event, Order& order) {
  switch (event.kind) {
    case PendingEvent::Kind::order_arrival: {
      if (order.terminal()) return;  // cancelled on the way (kill switch)
      order.arrival_ts = event.ts;
      order.last_update_ts = event.ts;
      venue_.arrive(order, venue_events_);
      schedule_report(order,
                      report_arrival(order.strategy, feed_lag(order.request.instrument), event.ts),
                      KEEL_ORDER_ACCEPTED, 0, 0);
      // An instrument with depth matches the order on arrival: booked now,
      // the reports after the ACCEPTED one.
      if (!venue_events_.empty()) {
        assert(recorder_ != nullptr && "Broker::record_to before the run");
        book_fills(*recorder_);
        venue_events_.clear();
      }
      return;
    }
    case PendingEvent::Kind::cancel_arrival: {
      if (!order.at_venue) return;  // the cancel overtook nothing: orders travel first
      if (venue_.cancel(order)) {
        order.last_update_ts = event.ts;
        release_open(order);
        schedule_report(
            order, report_arrival(order.strategy, feed_lag(order.request.instrument), event.ts));
      }
      return;
    }
    case PendingEvent::Kind::order_update: {
      const bool terminal = is_terminal_state(event.update.state);
      // The reason belongs to the order's end (rejected, cancelled, expired).
      event.update.reason = terminal ? order.reason.c_str() : "";
      client_.deliver_update(event.strategy, event.update);
      if (terminal && order.handle.bits != KEEL_NULL_HANDLE) {
        (void)order_handles_.remove(order.handle.bits);
        order.handle.bits = KEEL_NULL_HANDLE;
      }
      return;
    }
    default:
      return;  // not an order event
  }
}

void Broker::schedule_report(const Order& order, keel_timestamp_t at) {
  schedule_report(order, at, order.state, order.filled, order.average_price);
}

void Broker::schedule_report(const Order& order, keel_timestamp_t at, int32_t state, double filled,
                             double average_price) {
  PendingEvent event;
  event.ts = at;
  event.kind = PendingEvent::Kind::order_update;
  event.strategy = order.strategy;
  event.order_id = order.id;
  keel_order_update_t& u = event.update;
  u.ts = at;
  u.order = order.handle;
  u.order_id = order.id;
  u.client_tag = order.request.client_tag;
  u.instrument = order.request.instrument;
  u.state = state;
  u.filled_quantity = filled;
  u.remaining_quantity = is_terminal_state(state) ? 0 : order.request.quantity - filled;
  u.average_fill_price = average_price;
  u.reason = "";
  schedule(event);
}

// ---- the venue and booking -------------------------------------------------------------

void Broker::book_venue_events(RunRecorder& recorder) {
  book_fills(recorder);
  venue_events_.clear();
  process_due(state_.now);  // reports with no latency reach strategies first
}

double Broker::fee_for(const Order& order, double quantity, double price, int32_t liquidity) const {
  const Instrument& instrument = config_.instruments.get(order.request.instrument);
  const double bps =
      liquidity == KEEL_LIQUIDITY_MAKER ? config_.venue.maker_fee_bps : config_.venue.taker_fee_bps;
  double fee = quantity * price * instrument.multiplier * bps / 1e4;
  if (order.fees == 0 && order.filled == quantity)
    fee += config_.venue.fee_per_order;  // first fill
  return fee;
}

void Broker::book_fills(RunRecorder& recorder) {
  const keel_timestamp_t now = state_.now;
  for (const VenueEvent& ve : venue_events_) {
    Order& order = orders_.get(ve.order_id);
    StrategyOrders& mine = orders_of_[order.strategy];
    order.last_update_ts = now;
    // One report latency per venue event: its fill and its update travel together.
    const keel_timestamp_t reaches =
        report_arrival(order.strategy, feed_lag(order.request.instrument), now);
    if (ve.kind == VenueEvent::Kind::fill) {
      const double fee = fee_for(order, ve.quantity, ve.price, ve.liquidity);
      order.fees += fee;
      const double realized = book_.apply_fill(order.strategy, order.request.instrument,
                                               order.request.side, ve.quantity, ve.price, fee);
      (order.is_buy() ? mine.open_buy : mine.open_sell)[order.request.instrument] -= ve.quantity;
      mine.held -= order.hold_per_unit * ve.quantity;
      if (ve.state == KEEL_ORDER_FILLED) release_open(order);
      ++mine.fills;
      recorder.fill(FillRecord{now, config_.strategies[order.strategy].name,
                               config_.instruments.get(order.request.instrument).symbol, order.id,
                               order.request.side, ve.quantity, ve.price, fee, ve.liquidity});
      round_trips_.fill(order.strategy, order.request.instrument, now, order.request.side,
                        ve.quantity, ve.price, fee, realized,
                        book_.position(order.strategy, order.request.instrument).quantity,
                        recorder);
      PendingEvent report;
      report.ts = reaches;
      report.kind = PendingEvent::Kind::fill_report;
      report.strategy = order.strategy;
      report.order_id = order.id;
      report.fill = keel_fill_t{};  // the member of the union this event uses
      keel_fill_t& f = report.fill;
      f.ts = report.ts;
      f.order = order.handle;
      f.order_id = order.id;
      f.client_tag = order.request.client_tag;
      f.instrument = order.request.instrument;
      f.side = order.request.side;
      f.liquidity = ve.liquidity;
      f.quantity = ve.quantity;
      f.price = ve.price;
      f.fee = fee;
      schedule(report);
    } else {
      release_open(order);
    }
    schedule_report(order, reaches, ve.state, ve.filled, ve.average_price);
  }
}

void Broker::release_open(Order& order) {
  StrategyOrders& mine = orders_of_[order.strategy];
  const double left = order.remaining();
  const double unfilled = order.state == KEEL_ORDER_FILLED ? 0 : left;
  (order.is_buy() ? mine.open_buy : mine.open_sell)[order.request.instrument] -= unfilled;
  mine.held -= order.hold_per_unit * unfilled;
  if (--mine.open == 0) mine.held = 0;  // leave no rounding behind
}

// ---- the kill switch and the end ------------------------------------------------------

void Broker::cancel_everything(size_t s, const char* reason) {
  venue_events_.clear();
  venue_.cancel_all(s, venue_events_);                                   // working at the venue
  for (uint64_t id = orders_.first_id(); id < orders_.end_id(); ++id) {  // travelling to it
    Order& order = orders_.get(id);
    if (order.strategy == s && !order.at_venue && !order.terminal()) {
      order.state = KEEL_ORDER_CANCELED;
      venue_events_.push_back({VenueEvent::Kind::canceled, id, 0, 0, 0, ""});
    }
  }
  for (const VenueEvent& ve : venue_events_) {
    Order& order = orders_.get(ve.order_id);
    order.reason = reason;
    order.last_update_ts = state_.now;
    release_open(order);
    retire_if_done(order);
  }
  venue_events_.clear();
}

void Broker::kill(size_t s) {
  cancel_everything(s, "cancelled by the kill switch");
  StrategyOrders& mine = orders_of_[s];
  for (const std::string& symbol : config_.strategies[s].instruments) {
    const keel_instrument_id_t i = *config_.instruments.find(symbol);  // checked by the config
    const double quantity = book_.position(s, i).quantity;
    if (quantity == 0) continue;
    Order& order = orders_.create();
    order.strategy = s;
    order.request.struct_size = sizeof order.request;
    order.request.instrument = i;
    order.request.side = quantity > 0 ? KEEL_SIDE_SELL : KEEL_SIDE_BUY;
    order.request.type = KEEL_ORDER_MARKET;
    order.request.time_in_force = KEEL_TIF_GTC;
    order.request.quantity = std::abs(quantity);
    order.submitted_ts = state_.now;
    order.last_update_ts = state_.now;
    order.reason = "kill switch: flatten";
    ++mine.orders;
    ++mine.open;
    (order.is_buy() ? mine.open_buy : mine.open_sell)[i] += order.request.quantity;
    PendingEvent arrival;
    arrival.ts = state_.now;  // the venue's own action: no travel
    arrival.kind = PendingEvent::Kind::order_arrival;
    arrival.strategy = s;
    arrival.order_id = order.id;
    schedule(arrival);
  }
}

void Broker::finish() {
  // Reports already on their way still arrive; nothing new reaches the venue.
  while (!pending_.empty() && !state_.stop) {
    PendingEvent event = pending_.pop();
    if (event.kind == PendingEvent::Kind::timer) {
      --pending_count_[event.strategy];
      continue;
    }
    if (event.kind == PendingEvent::Kind::order_arrival) {
      --pending_count_[event.strategy];
      Order& order = orders_.get(event.order_id);
      if (!order.terminal()) {
        order.state = KEEL_ORDER_EXPIRED;
        order.reason = "end of run: the order had not reached the venue";
        order.last_update_ts = std::max(state_.now, event.ts);
        release_open(order);
        schedule_report(order, order.last_update_ts);
      }
      release_reference(order);
      continue;
    }
    state_.now = std::max(state_.now, event.ts);
    handle(event);
  }
  for (uint64_t id = orders_.first_id(); id < orders_.end_id(); ++id) {
    Order& order = orders_.get(id);
    if (order.terminal()) continue;
    order.state = KEEL_ORDER_EXPIRED;
    order.reason = "end of run";
    order.last_update_ts = state_.now;
    release_open(order);
    schedule_report(order, state_.now);
  }
  process_due(state_.now);
}

void Broker::release_reference(Order& order) {
  --order.scheduled;
  retire_if_done(order);
}

void Broker::retire_if_done(Order& order) {
  if (order.retired || !order.terminal() || order.scheduled != 0) return;
  order.retired = true;
  // Cancelled by the kill switch or after an error, it had no final report
  // to take the handle back: a later cancel with it is told it is stale.
  if (order.handle.bits != KEEL_NULL_HANDLE) {
    (void)order_handles_.remove(order.handle.bits);
    order.handle.bits = KEEL_NULL_HANDLE;
  }
}

void Broker::record_front_retired(RunRecorder& recorder) {
  orders_.take_retired([&](const Order& order) { record(order, recorder); });
}

void Broker::record_all(RunRecorder& recorder) {
  orders_.take_all([&](const Order& order) { record(order, recorder); });
}

void Broker::record(const Order& order, RunRecorder& recorder) {
  OrderRecord& r = order_record_;  // reused: its strings keep their capacity
  r.order_id = order.id;
  r.strategy = config_.strategies[order.strategy].name;
  r.instrument = config_.instruments.get(order.request.instrument).symbol;
  r.side = order.request.side;
  r.type = order.request.type;
  r.time_in_force = order.request.time_in_force;
  r.quantity = order.request.quantity;
  r.limit_price = order.request.limit_price;
  r.stop_price = order.request.stop_price;
  r.client_tag = order.request.client_tag;
  r.submitted_ts = order.submitted_ts;
  r.last_update_ts = order.last_update_ts;
  r.state = order.state;
  r.filled_quantity = order.filled;
  r.average_fill_price = order.average_price;
  r.fees = order.fees;
  r.reason = order.reason;
  recorder.order(r);
}

}  // namespace keel
