#include "engine/run/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "engine/data/market_data_files.hpp"
#if KEEL_WITH_PYTHON
#include "engine/python/python_strategy.hpp"
#endif
#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

// Often enough for the report's once-a-second flush (run_report.hpp) to keep
// up with a slow strategy; a call through std::function per 4096 events is
// lost in the noise.
constexpr uint64_t kProgressEvery = 1 << 12;
// The most market events one on_events call receives (bounds the read-ahead).
constexpr size_t kMaxBatch = 1024;
// Market events read from the data per call (the loop then takes them from
// a buffer: no virtual call and no Result per event).
constexpr size_t kReadBatch = 256;

const char* side_text(int32_t side) { return side == KEEL_SIDE_BUY ? "buy" : "sell"; }

// Scheduled events that refer to an order, which must outlive them.
bool refers_to_order(PendingEvent::Kind kind) {
  return kind == PendingEvent::Kind::order_arrival || kind == PendingEvent::Kind::cancel_arrival ||
         kind == PendingEvent::Kind::order_update;
}

}  // namespace

const std::atomic<int> Engine::kNeverStop{0};

Engine::Engine(const RunConfig& config, Host& host)
    : config_(config),
      host_(host),
      venue_(config.venue, config.instruments.size(), orders_),
      subscribers_(config.instruments.size()),
      drawdown_watched_(config.instruments.size()),
      mids_(config.instruments.size(), 0.0),
      input_(kReadBatch) {}

Engine::~Engine() {
  host_.set_run_services(nullptr);
  for (StrategySlot& slot : strategies_) {
    if (slot.instance) (void)slot.instance->drop();
  }
}

Status Engine::prepare() {
  // The thread that prepares the run runs it: plugins may call the host's
  // [host-thread] members on it only (keel/host.h).
  host_.bind_to_current_thread();
  for (const auto& folder : config_.plugin_paths) host_.registry().add_search_folder(folder);

  for (const ModelSpec& model : config_.pricing_models) {
    Result<const Factory*> factory =
        host_.registry().find_factory(model.factory, FactoryKind::pricing_model);
    if (!factory) {
      return refuse(FailureKind::plugin_load,
                    Status(factory.status().code(),
                           model.pointer + "/factory: " + factory.status().message()));
    }
    if ((*factory)->kind != FactoryKind::pricing_model) {
      return refuse(FailureKind::bad_input,
                    Status(KEEL_ERR_INVALID_ARGUMENT, model.pointer + "/factory: '" +
                                                          model.factory +
                                                          "' is a strategy, not a pricing model"));
    }
    Result<keel_model_handle_t> handle =
        host_.create_model(**factory, model.params.dump(), "model '" + model.name + "'");
    if (!handle) {
      return refuse(kind_of_plugin_refusal(handle.status()),
                    Status(handle.status().code(), model.pointer + ": " + handle.status().message()));
    }
    if (Status s = host_.name_model(model.name, *handle); !s) {
      return refuse(FailureKind::bad_input, std::move(s));
    }
    models_.push_back(*handle);
  }

  model_marked_by_underlying_.assign(config_.instruments.size(), {});
  for (const Instrument& instrument : config_.instruments.all()) {
    if (!instrument.model_mark) continue;
    // The config checked the name; the model was created above.
    Result<keel_model_handle_t> handle = host_.lookup_model(instrument.model_mark->model);
    Result<std::shared_ptr<ModelInstance>> model =
        handle ? host_.model(*handle) : Result<std::shared_ptr<ModelInstance>>(handle.status());
    if (!model) return refuse(FailureKind::bad_input, model.status());
    model_marked_by_underlying_[instrument.underlying].push_back(model_marked_.size());
    model_marked_.push_back({instrument.id, std::move(*model)});
  }

  std::vector<double> cash;
  for (const StrategySpec& spec : config_.strategies) {
#if KEEL_WITH_PYTHON
    Result<const Factory*> factory =
        spec.python ? python::python_strategy_factory(host_.registry(), *spec.python)
                    : host_.registry().find_factory(spec.factory, FactoryKind::strategy);
#else
    Result<const Factory*> factory =
        host_.registry().find_factory(spec.factory, FactoryKind::strategy);
#endif
    if (!factory) {
      return refuse(FailureKind::plugin_load,
                    Status(factory.status().code(),
                           spec.pointer + (spec.python ? "/python" : "/factory") + ": " +
                               factory.status().message()));
    }
    if ((*factory)->kind != FactoryKind::strategy) {
      return refuse(FailureKind::bad_input,
                    Status(KEEL_ERR_INVALID_ARGUMENT, spec.pointer + "/factory: '" + spec.factory +
                                                          "' is a pricing model, not a strategy"));
    }
    auto context = host_.make_context("strategy '" + spec.name + "'", (*factory)->plugin);
    const InstanceContext* context_ptr = context.get();
    Result<std::unique_ptr<StrategyInstance>> instance =
        StrategyInstance::create(**factory, spec.params.dump(), std::move(context));
    if (!instance) {
      return refuse(kind_of_plugin_refusal(instance.status()),
                    Status(instance.status().code(),
                           spec.pointer + "/params: " + instance.status().message()));
    }
    StrategySlot slot;
    slot.spec = &spec;
    slot.instance = std::move(*instance);
    slot.subscribed.assign(config_.instruments.size(), false);
    slot.open_buy.assign(config_.instruments.size(), 0.0);
    slot.open_sell.assign(config_.instruments.size(), 0.0);
    for (const std::string& symbol : spec.instruments) {
      const keel_instrument_id_t id = *config_.instruments.find(symbol);  // checked by the config
      slot.instruments.push_back(id);
      slot.subscribed[id] = true;
      subscribers_[id].push_back(strategies_.size());
      if (spec.risk.max_drawdown_pct) drawdown_watched_[id].push_back(strategies_.size());
    }
    strategy_by_context_[context_ptr] = strategies_.size();
    cash.push_back(spec.initial_cash.value_or(config_.initial_cash));
    slot.peak_equity = cash.back();
    strategies_.push_back(std::move(slot));
  }
  portfolio_ = std::make_unique<Portfolio>(config_.instruments, cash);

  for (size_t i = 0; i < config_.data.size(); ++i) {
    const DataSpec& spec = config_.data[i];
    auto source = open_market_data(spec, config_.instruments);  // CSV or binary
    if (!source) {
      return refuse(FailureKind::bad_input,
                    Status(source.status().code(),
                           "/data/" + std::to_string(i) + ": " + source.status().message()));
    }
    data_.add(std::move(*source));
  }
  host_.set_run_services(this);
  return Status::ok();
}

// ---- the loop -------------------------------------------------------------------

RunResult Engine::run(RunRecorder& recorder, const Progress& progress) {
  MarketEvent event;
  bool have = false;
  // The first event fixes the start time strategies are told about.
  while (true) {
    Result<bool> next = next_event(event);
    if (!next) {
      fail(next.status(), FailureKind::bad_input);
      break;
    }
    have = *next;
    if (!have || !config_.start_ns || event.ts() >= *config_.start_ns) break;
  }
  if (have && config_.end_ns && event.ts() >= *config_.end_ns) have = false;
  first_ts_ = have ? event.ts() : config_.start_ns.value_or(0);
  now_ = first_ts_;
  next_sample_ = first_ts_;

  for (size_t s = 0; s < strategies_.size() && !stop_; ++s) {
    StrategySlot& slot = strategies_[s];
    keel_strategy_start_t start{};
    start.struct_size = sizeof start;
    start.start_time = first_ts_;
    start.name = slot.spec->name.c_str();
    start.instrument_count = slot.instruments.size();
    start.instruments = slot.instruments.data();
    if (Status st = slot.instance->on_start(start); !st) strategy_failed(s, st);
  }

  while (have && !stop_) {
    if (const int flag = stop_flag_->load(std::memory_order_relaxed); flag != 0) [[unlikely]] {
      interrupt(flag);
      break;
    }
    now_ = event.ts();
    if (pending_.due(now_)) {
      process_pending(now_);
      if (stop_) break;
    }
    venue_events_.clear();
    venue_.match(event, venue_events_);
    if (!venue_events_.empty()) {
      book(venue_events_, recorder);
      process_pending(now_);  // reports with no latency reach strategies first
    }
    update_marks(event);
    if (now_ >= next_sample_) sample_equity(now_, recorder);
    if (!drawdown_watched_[event.instrument()].empty()) check_drawdown(event.instrument());
    if (!stop_) dispatch(event);
    record_retired(recorder);
    ++events_;
    if (progress && events_ % kProgressEvery == 0) progress(events_, now_);

    Result<bool> next = next_event(event);
    if (!next) {
      fail(next.status(), FailureKind::bad_input);
      break;
    }
    have = *next && !(config_.end_ns && event.ts() >= *config_.end_ns);
  }
  finish(recorder);
  if (progress) progress(events_, now_);
  return collect();
}

void Engine::dispatch(const MarketEvent& event) {
  for (size_t s : subscribers_[event.instrument()]) {
    StrategySlot& slot = strategies_[s];
    if (!slot.active) continue;
    Status status;
    if (slot.instance->takes_batches()) {
      if (event_seq_ <= slot.delivered_seq) {  // it had this event in an earlier batch
        if (event_seq_ == slot.release_seq) {
          release_deferred(s);
          if (!slot.deferred_failure.is_ok()) {
            strategy_failed(s, std::exchange(slot.deferred_failure, Status::ok()));
            if (stop_) return;
          }
        }
        continue;
      }
      if (Status st = deliver_batch(s, event); !st) strategy_failed(s, st);
      if (stop_) return;
      continue;
    }
    switch (event.kind) {
      case MarketEventKind::quote: status = slot.instance->on_quote(event.as.quote); break;
      case MarketEventKind::trade: status = slot.instance->on_trade(event.as.trade); break;
      case MarketEventKind::bar: status = slot.instance->on_bar(event.as.bar); break;
    }
    if (!status) strategy_failed(s, status);
    if (stop_) return;
  }
}

// ---- batch delivery --------------------------------------------------------------------
//
// A strategy that takes batches gets the run of consecutive market events of
// one kind for its instruments, read ahead from the data, in one on_events
// call — but only while nothing else can reach it between those events
// (batch_safe); otherwise a batch of one. It handles events up to the one on
// which it acts and says how many (the events-consumed extension); what it
// sent is held back and scheduled when the loop reaches that event, as if
// sent from there, and the rest of the run is delivered again later. A batch
// that fails says which event failed (events_consumed reaches it): the loop
// goes on to that event and stops the strategy there, with what it sent
// while handling it dated there. So the orders, fills, reports and the
// point of failure are those of per-event delivery. Within a batch,
// marks (position/account values) and host `now` are those of the batch's
// first event; a strategy whose risk checks price orders at the mid gets no
// batches (batch_safe).

Result<bool> Engine::next_event(MarketEvent& out) {
  if (!ahead_.empty()) {
    out = ahead_.front().event;
    event_seq_ = ahead_.front().seq;
    ahead_.pop_front();
    return true;
  }
  if (!ahead_status_.is_ok()) return ahead_status_;
  if (ahead_end_) return false;
  Result<bool> next = read_data(out);
  if (next && *next) event_seq_ = ++read_seq_;
  return next;
}

inline Result<bool> Engine::read_data(MarketEvent& out) {
  if (input_position_ == input_count_) [[unlikely]] {
    Result<size_t> got = data_.next_batch(input_.data(), input_.size());
    if (!got) return got.status();
    input_position_ = 0;
    input_count_ = *got;
    if (input_count_ == 0) return false;
  }
  out = input_[input_position_++];
  return true;
}

const Engine::AheadEvent* Engine::peek(size_t i) {
  while (ahead_.size() <= i) {
    if (ahead_end_ || !ahead_status_.is_ok()) return nullptr;
    AheadEvent ahead;
    Result<bool> next = read_data(ahead.event);
    if (!next) {
      ahead_status_ = next.status();  // the loop meets it when it gets there
      return nullptr;
    }
    if (!*next) {
      ahead_end_ = true;
      return nullptr;
    }
    ahead.seq = ++read_seq_;
    ahead_.push_back(ahead);
  }
  return &ahead_[i];
}

bool Engine::batch_safe(size_t s) {
  const StrategySlot& slot = strategies_[s];
  if (slot.open_orders != 0 || !slot.deferred.empty() || !pending_.empty()) return false;
  // These checks price an order at the last mid, which moves within a batch
  // while the engine still holds the batch's first event: an order sent
  // mid-batch would be checked against stale marks.
  if (slot.spec->risk.price_collar_pct || slot.spec->risk.max_gross_notional) return false;
  if (slot.spec->risk.max_drawdown_pct) {
    for (keel_instrument_id_t i : slot.instruments) {
      if (portfolio_->position(s, i).quantity != 0) return false;
    }
  }
  return true;
}

Status Engine::deliver_batch(size_t s, const MarketEvent& first) {
  StrategySlot& slot = strategies_[s];
  batch_.clear();
  batch_seqs_.clear();
  const auto append = [&](const MarketEvent& event, uint64_t seq) {
    keel_event_t tagged{};
    tagged.kind = static_cast<uint32_t>(event.kind);
    std::memcpy(&tagged.as, &event.as, sizeof event.as);
    batch_.push_back(tagged);
    batch_seqs_.push_back(seq);
  };
  append(first, event_seq_);
  if (batch_safe(s)) {
    for (size_t i = 0; batch_.size() < kMaxBatch; ++i) {
      const AheadEvent* next = peek(i);
      if (next == nullptr || (config_.end_ns && next->event.ts() >= *config_.end_ns)) break;
      if (!slot.subscribed[next->event.instrument()]) continue;
      if (next->event.kind != first.kind) break;
      append(next->event, next->seq);
    }
  }
  slot.deferred_from_ts = now_;
  batch_strategy_ = s;
  size_t consumed = batch_.size();
  Status status = slot.instance->on_events(batch_.data(), batch_.size(), consumed);
  batch_strategy_.reset();
  slot.delivered_seq = batch_seqs_[consumed - 1];
  const bool acted = !slot.deferred.empty() || !slot.deferred_orders.empty();
  if (acted || !status) {
    // What it did, and a failure, belong to the event it reached.
    slot.release_seq = batch_seqs_[consumed - 1];
    slot.release_ts = batch_[consumed - 1].as.quote.ts;  // every payload begins with ts
  }
  if (consumed == 1) {
    if (acted) release_deferred(s);
    return status;
  }
  if (!status) {
    // The loop has not reached the failing event yet: it goes on through
    // the events before it (other strategies, venue, marks, equity) and
    // applies the failure there (dispatch).
    slot.deferred_failure = std::move(status);
    return Status::ok();
  }
  return status;
}

void Engine::release_deferred(size_t s) {
  StrategySlot& slot = strategies_[s];
  const keel_timestamp_t shift = slot.release_ts - slot.deferred_from_ts;
  for (uint64_t id : slot.deferred_orders) {
    Order& order = orders_.get(id);
    order.submitted_ts += shift;
    order.last_update_ts += shift;
  }
  check_deferred_accounts(s);
  for (PendingEvent& event : slot.deferred) {
    if (event.kind == PendingEvent::Kind::timer) {
      event.ts = std::max(event.ts, slot.release_ts);  // a time already past: the next event
      event.timer.ts = event.ts;
    } else {
      event.ts += shift;
      event.update.ts += shift;
    }
    pending_.push(event);
  }
  slot.deferred.clear();
  slot.deferred_orders.clear();
  slot.release_seq = 0;
}

void Engine::check_deferred_accounts(size_t s) {
  StrategySlot& slot = strategies_[s];
  const auto count_open = [&](const Order& order, int sign) {
    slot.open_orders += sign;
    (order.is_buy() ? slot.open_buy : slot.open_sell)[order.request.instrument] +=
        sign * order.request.quantity;
  };
  // None of them has reached the venue: take them all out of the open
  // counts, then put back each one that passes.
  for (uint64_t id : slot.deferred_orders) {
    const Order& order = orders_.get(id);
    if (!order.terminal()) count_open(order, -1);  // terminal: refused when sent
  }
  for (uint64_t id : slot.deferred_orders) {
    Order& order = orders_.get(id);
    if (order.terminal()) continue;
    std::string reason = check_account(s, order);
    if (reason.empty()) {
      count_open(order, +1);
      slot.held += order.hold_per_unit * order.request.quantity;
      continue;
    }
    order.state = KEEL_ORDER_REJECTED;
    order.reason = std::move(reason);
    for (PendingEvent& event : slot.deferred) {
      if (event.kind == PendingEvent::Kind::order_arrival && event.order_id == id) {
        // Shifted with the rest below, like the report of an order refused
        // when sent: at its submission + report latency.
        event = order_report(order, slot.deferred_from_ts + config_.venue.report_latency_ns,
                             order.state, 0, 0);
        break;
      }
    }
  }
}

void Engine::schedule(const PendingEvent& event) {
  if (refers_to_order(event.kind)) ++orders_.get(event.order_id).scheduled;
  if (batch_strategy_ && *batch_strategy_ == event.strategy) {
    strategies_[event.strategy].deferred.push_back(event);
  } else {
    pending_.push(event);
  }
}

void Engine::interrupt(int flag) {
  interrupted_by_ = flag;
  run_status_ = "interrupted";
  for (StrategySlot& slot : strategies_) {
    if (slot.status == "completed") slot.status = "interrupted";  // it did not see the end
  }
  stop_ = true;
}

void Engine::strategy_failed(size_t s, const Status& status) {
  StrategySlot& slot = strategies_[s];
  spdlog::error("{}", status.message());
  if (!slot.active) return;
  slot.active = false;
  if (slot.spec->on_error == OnStrategyError::disable_strategy) {
    slot.status = "disabled: " + status.message();
    cancel_everything(s, "cancelled: the strategy was disabled after an error");
  } else {
    slot.status = "stopped: " + status.message();
    fail(status, FailureKind::plugin);
  }
}

Status Engine::refuse(FailureKind kind, Status status) {
  prepare_failure_ = kind;
  return status;
}

void Engine::fail(const Status& status, FailureKind kind) {
  if (failure_.is_ok()) {
    failure_ = status;
    failure_kind_ = kind;
    run_status_ = "failed: " + status.message();
  }
  stop_ = true;
}

void Engine::process_pending(keel_timestamp_t until) {
  while (pending_.due(until)) {
    PendingEvent event = pending_.pop();
    now_ = event.ts;  // a timer or report happens at its own time
    handle_pending(event);
    if (stop_) break;
  }
  now_ = until;
}

void Engine::handle_pending(PendingEvent& event) {
  if (refers_to_order(event.kind)) {
    Order& order = orders_.get(event.order_id);  // live: the event holds a reference
    handle_order_event(event, order);
    release_reference(order);
    return;
  }
  StrategySlot& slot = strategies_[event.strategy];
  switch (event.kind) {
    case PendingEvent::Kind::fill_report: {
      if (!slot.active) return;
      if (Status s = slot.instance->on_fill(event.fill); !s) strategy_failed(event.strategy, s);
      return;
    }
    case PendingEvent::Kind::timer: {
      if (!timers_.get(event.timer.timer.bits)) return;  // cancelled
      (void)timers_.remove(event.timer.timer.bits);
      if (!slot.active) return;
      if (Status s = slot.instance->on_timer(event.timer); !s) strategy_failed(event.strategy, s);
      return;
    }
    default:
      return;  // the order events, above
  }
}

void Engine::handle_order_event(PendingEvent& event, Order& order) {
  StrategySlot& slot = strategies_[event.strategy];
  switch (event.kind) {
    case PendingEvent::Kind::order_arrival: {
      if (order.terminal()) return;  // cancelled on the way (kill switch)
      order.arrival_ts = event.ts;
      order.last_update_ts = event.ts;
      venue_.arrive(order);
      schedule_report(order, event.ts + config_.venue.report_latency_ns);
      return;
    }
    case PendingEvent::Kind::cancel_arrival: {
      if (!order.at_venue) {  // the cancel overtook nothing: orders travel first
        return;
      }
      if (venue_.cancel(order)) {
        order.last_update_ts = event.ts;
        release_open(order);
        schedule_report(order, event.ts + config_.venue.report_latency_ns);
      }
      return;
    }
    case PendingEvent::Kind::order_update: {
      const bool terminal = is_terminal_state(event.update.state);
      // The reason belongs to the order's end (rejected, cancelled, expired).
      event.update.reason = terminal ? order.reason.c_str() : "";
      if (slot.active) {
        if (Status s = slot.instance->on_order_update(event.update); !s) {
          strategy_failed(event.strategy, s);
        }
      }
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

void Engine::release_reference(Order& order) {
  --order.scheduled;
  retire_if_done(order);
}

void Engine::retire_if_done(Order& order) {
  if (order.retired || !order.terminal() || order.scheduled != 0) return;
  order.retired = true;
  // Cancelled by the kill switch or after an error, it had no final report
  // to take the handle back: a later cancel with it is told it is stale.
  if (order.handle.bits != KEEL_NULL_HANDLE) {
    (void)order_handles_.remove(order.handle.bits);
    order.handle.bits = KEEL_NULL_HANDLE;
  }
}

void Engine::record_retired(RunRecorder& recorder) {
  orders_.take_retired([&](const Order& order) { record(order, recorder); });
}

void Engine::record(const Order& order, RunRecorder& recorder) {
  OrderRecord& r = order_record_;  // reused: its strings keep their capacity
  r.order_id = order.id;
  r.strategy = strategies_[order.strategy].spec->name;
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

void Engine::schedule_report(const Order& order, keel_timestamp_t at) {
  schedule_report(order, at, order.state, order.filled, order.average_price);
}

void Engine::schedule_report(const Order& order, keel_timestamp_t at, int32_t state,
                             double filled, double average_price) {
  schedule(order_report(order, at, state, filled, average_price));
}

PendingEvent Engine::order_report(const Order& order, keel_timestamp_t at, int32_t state,
                                  double filled, double average_price) const {
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
  return event;
}

double Engine::fee_for(const Order& order, double quantity, double price,
                       int32_t liquidity) const {
  const Instrument& instrument = config_.instruments.get(order.request.instrument);
  const double bps =
      liquidity == KEEL_LIQUIDITY_MAKER ? config_.venue.maker_fee_bps : config_.venue.taker_fee_bps;
  double fee = quantity * price * instrument.multiplier * bps / 1e4;
  if (order.fees == 0 && order.filled == quantity) fee += config_.venue.fee_per_order;  // first fill
  return fee;
}

void Engine::book(std::vector<VenueEvent>& events, RunRecorder& recorder) {
  for (const VenueEvent& ve : events) {
    Order& order = orders_.get(ve.order_id);
    StrategySlot& slot = strategies_[order.strategy];
    order.last_update_ts = now_;
    if (ve.kind == VenueEvent::Kind::fill) {
      const double fee = fee_for(order, ve.quantity, ve.price, ve.liquidity);
      order.fees += fee;
      portfolio_->apply_fill(order.strategy, order.request.instrument, order.request.side,
                             ve.quantity, ve.price, fee);
      (order.is_buy() ? slot.open_buy : slot.open_sell)[order.request.instrument] -= ve.quantity;
      slot.held -= order.hold_per_unit * ve.quantity;
      if (ve.state == KEEL_ORDER_FILLED) release_open(order);
      ++slot.fills;
      recorder.fill(FillRecord{now_, slot.spec->name,
                               config_.instruments.get(order.request.instrument).symbol, order.id,
                               order.request.side, ve.quantity, ve.price, fee, ve.liquidity});
      PendingEvent report;
      report.ts = now_ + config_.venue.report_latency_ns;
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
      pending_.push(report);
    } else {
      release_open(order);
    }
    schedule_report(order, now_ + config_.venue.report_latency_ns, ve.state, ve.filled,
                    ve.average_price);
  }
}

// Takes a finished (or cancelled) order out of its strategy's open-order counts.
void Engine::release_open(Order& order) {
  StrategySlot& slot = strategies_[order.strategy];
  const double left = order.remaining();
  const double unfilled = order.state == KEEL_ORDER_FILLED ? 0 : left;
  (order.is_buy() ? slot.open_buy : slot.open_sell)[order.request.instrument] -= unfilled;
  slot.held -= order.hold_per_unit * unfilled;
  if (--slot.open_orders == 0) slot.held = 0;  // leave no rounding behind
}

void Engine::update_marks(const MarketEvent& event) {
  const keel_instrument_id_t id = event.instrument();
  switch (event.kind) {
    case MarketEventKind::quote: {
      const keel_quote_t& q = event.as.quote;
      if (q.bid > 0 && q.ask > 0) {
        mids_[id] = (q.bid + q.ask) / 2;
        portfolio_->set_mark(id, mids_[id]);
      }
      break;
    }
    case MarketEventKind::trade:
      // Quotes, when there are any, mark better than prints; an option with
      // a model mark is marked by its model until it has a quote.
      if (mids_[id] <= 0 && !config_.instruments.get(id).model_mark) {
        portfolio_->set_mark(id, event.as.trade.price);
      }
      break;
    case MarketEventKind::bar:
      if (!config_.instruments.get(id).model_mark) portfolio_->set_mark(id, event.as.bar.close);
      break;
  }
  if (!model_marked_by_underlying_[id].empty()) mark_options_by_model(id);
}

void Engine::mark_options_by_model(keel_instrument_id_t underlying) {
  constexpr double kNanosPerYear = 365.0 * 86400e9;  // ACT/365
  const auto mark_one = [&](const ModelMarkedOption& marked) {
    const Instrument& option = config_.instruments.get(marked.option);
    if (mids_[option.id] > 0 || !portfolio_->has_mark(option.underlying)) return;
    const Instrument::ModelMark& inputs = *option.model_mark;
    const double spot = portfolio_->mark(option.underlying);
    double value = 0;
    if (now_ >= option.expiry) {  // expired (or expiring): intrinsic value
      value = std::max(0.0, option.right == KEEL_RIGHT_CALL ? spot - option.strike
                                                             : option.strike - spot);
    } else {
      keel_option_t terms{};
      terms.spot = spot;
      terms.strike = option.strike;
      terms.expiry = static_cast<double>(option.expiry - now_) / kNanosPerYear;
      terms.vol = inputs.vol;
      terms.rate = inputs.rate;
      terms.dividend = inputs.dividend;
      terms.right = option.right;
      terms.exercise = option.exercise;
      Result<keel_greeks_t> priced = marked.model->price(terms);
      if (!priced || !std::isfinite(priced->price)) {
        fail(Status(priced ? KEEL_ERR_PLUGIN_FAULT : priced.status().code(),
                    "/instruments/" + std::to_string(option.id) + "/mark: pricing model '" +
                        inputs.model + "' could not mark option '" + option.symbol + "' at " +
                        format_timestamp(now_) + ": " +
                        (priced ? std::string("it returned a non-finite price")
                                : priced.status().message())),
             FailureKind::plugin);
        return;
      }
      value = priced->price;
    }
    portfolio_->set_mark(option.id, value);
  };
  if (underlying == KEEL_NO_INSTRUMENT) {
    for (const ModelMarkedOption& marked : model_marked_) mark_one(marked);
  } else {
    for (size_t i : model_marked_by_underlying_[underlying]) mark_one(model_marked_[i]);
  }
}

void Engine::sample_equity(keel_timestamp_t ts, RunRecorder& recorder, bool at_end) {
  if (!model_marked_.empty()) mark_options_by_model(KEEL_NO_INSTRUMENT);  // time has passed
  const keel_account_t total = portfolio_->total();
  EquitySample sample{ts,           total.cash, total.equity, total.realized_pnl,
                      total.unrealized_pnl, total.fees, total.gross_notional};
  // The loop may have sampled this very moment: the end of the run adds a
  // row only when time or the account moved since.
  static_assert(sizeof(EquitySample) == sizeof(int64_t) + 6 * sizeof(double));  // no padding
  if (at_end && last_sample_ && std::memcmp(&*last_sample_, &sample, sizeof sample) == 0) return;
  last_sample_ = sample;
  recorder.equity(sample);
  const int64_t interval = config_.equity_interval_ns;
  next_sample_ = (ts / interval + 1) * interval;
}

void Engine::check_drawdown(keel_instrument_id_t instrument) {
  for (size_t s : drawdown_watched_[instrument]) {
    StrategySlot& slot = strategies_[s];
    if (!slot.active) continue;
    if (portfolio_->position(s, instrument).quantity == 0) continue;
    const double equity = portfolio_->account(s).equity;
    slot.peak_equity = std::max(slot.peak_equity, equity);
    const double drawdown = (slot.peak_equity - equity) / slot.peak_equity * 100;
    if (drawdown >= *slot.spec->risk.max_drawdown_pct) {
      char why[160];
      std::snprintf(why, sizeof why, "killed: drawdown %.2f%% reached max_drawdown_pct %g",
                    drawdown, *slot.spec->risk.max_drawdown_pct);
      kill(s, why);
    }
  }
}

// The kill switch: cancel everything, flatten at the next opportunity with
// market orders (no risk checks: they only reduce), and stop the strategy.
void Engine::cancel_everything(size_t s, const char* reason) {
  venue_events_.clear();
  venue_.cancel_all(s, venue_events_);  // working at the venue
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
    order.last_update_ts = now_;
    release_open(order);
    retire_if_done(order);
  }
  venue_events_.clear();
}

void Engine::kill(size_t s, const std::string& why) {
  StrategySlot& slot = strategies_[s];
  spdlog::warn("strategy '{}' {}", slot.spec->name, why);
  slot.active = false;
  slot.killed = true;
  slot.status = why;
  cancel_everything(s, "cancelled by the kill switch");
  for (keel_instrument_id_t i : slot.instruments) {
    const double quantity = portfolio_->position(s, i).quantity;
    if (quantity == 0) continue;
    Order& order = orders_.create();
    order.strategy = s;
    order.request.struct_size = sizeof order.request;
    order.request.instrument = i;
    order.request.side = quantity > 0 ? KEEL_SIDE_SELL : KEEL_SIDE_BUY;
    order.request.type = KEEL_ORDER_MARKET;
    order.request.time_in_force = KEEL_TIF_GTC;
    order.request.quantity = std::abs(quantity);
    order.submitted_ts = now_;
    order.last_update_ts = now_;
    order.reason = "kill switch: flatten";
    ++slot.orders;
    ++slot.open_orders;
    (order.is_buy() ? slot.open_buy : slot.open_sell)[i] += order.request.quantity;
    venue_.arrive(order);
  }
}

void Engine::finish(RunRecorder& recorder) {
  // Reports already on their way still arrive; nothing new reaches the venue.
  while (!pending_.empty() && !stop_) {
    PendingEvent event = pending_.pop();
    if (event.kind == PendingEvent::Kind::timer) continue;
    if (event.kind == PendingEvent::Kind::order_arrival) {
      Order& order = orders_.get(event.order_id);
      if (!order.terminal()) {
        order.state = KEEL_ORDER_EXPIRED;
        order.reason = "end of run: the order had not reached the venue";
        order.last_update_ts = std::max(now_, event.ts);
        release_open(order);
        schedule_report(order, order.last_update_ts);
      }
      release_reference(order);
      continue;
    }
    now_ = std::max(now_, event.ts);
    handle_pending(event);
  }
  for (uint64_t id = orders_.first_id(); id < orders_.end_id(); ++id) {
    Order& order = orders_.get(id);
    if (order.terminal()) continue;
    order.state = KEEL_ORDER_EXPIRED;
    order.reason = "end of run";
    order.last_update_ts = now_;
    release_open(order);
    schedule_report(order, now_);
  }
  process_pending(now_);
  for (size_t s = 0; s < strategies_.size(); ++s) {
    StrategySlot& slot = strategies_[s];
    if (!slot.active && !slot.killed) continue;
    slot.in_stop = true;
    if (Status st = slot.instance->on_stop(now_); !st) {
      spdlog::error("{}", st.message());
      slot.status = "stopped: " + st.message();
      // A thread of the strategy's own that called the host (however late)
      // is no clean stop: the run says so, unless on_error disables.
      if (st.code() == KEEL_ERR_WRONG_THREAD &&
          slot.spec->on_error != OnStrategyError::disable_strategy) {
        fail(st, FailureKind::plugin);
      }
    }
    slot.in_stop = false;
  }
  sample_equity(now_, recorder, /*at_end=*/true);
  // Every order is final now (a run that failed may leave events unhandled).
  orders_.take_all([&](const Order& order) { record(order, recorder); });
}

RunResult Engine::collect() {
  RunResult result;
  RunSummary& summary = result.summary;
  summary.run_name = config_.name;
  summary.status = run_status_;
  summary.currency = config_.currency;
  summary.first_event_ts = first_ts_;
  summary.last_event_ts = now_;
  summary.events = events_;
  const keel_account_t total = portfolio_->total();
  for (size_t s = 0; s < strategies_.size(); ++s) {
    const StrategySlot& slot = strategies_[s];
    const keel_account_t a = portfolio_->account(s);
    StrategySummary st;
    st.name = slot.spec->name;
    st.factory = slot.instance->factory().id;
    st.status = slot.status;
    st.initial_cash = portfolio_->initial_cash(s);
    st.final_equity = a.equity;
    st.realized_pnl = a.realized_pnl;
    st.unrealized_pnl = a.unrealized_pnl;
    st.total_fees = a.fees;
    st.num_orders = slot.orders;
    st.num_fills = slot.fills;
    summary.initial_cash += st.initial_cash;
    summary.num_orders += st.num_orders;
    summary.num_fills += st.num_fills;
    summary.strategies.push_back(std::move(st));
  }
  summary.final_equity = total.equity;
  summary.realized_pnl = total.realized_pnl;
  summary.unrealized_pnl = total.unrealized_pnl;
  summary.total_fees = total.fees;
  result.failure = failure_;
  result.kind = failure_kind_;
  result.interrupted_by = interrupted_by_;
  return result;
}

// ---- RunServices --------------------------------------------------------------------

Result<size_t> Engine::strategy_of(InstanceContext& caller) {
  auto it = strategy_by_context_.find(&caller);
  if (it == strategy_by_context_.end()) {
    return Status(KEEL_ERR_UNSUPPORTED, caller.name + " is not a strategy of this run");
  }
  return it->second;
}

Result<keel_instrument_id_t> Engine::instrument_find(const std::string& symbol) {
  if (auto id = config_.instruments.find(symbol)) return *id;
  return Status(KEEL_ERR_NOT_FOUND, "no instrument '" + symbol + "' in this run");
}

Status Engine::instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) {
  if (!config_.instruments.contains(id)) {
    return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(id));
  }
  const Instrument& i = config_.instruments.get(id);
  keel_instrument_info_t info{};
  info.struct_size = sizeof info;
  info.id = i.id;
  info.symbol = i.symbol.c_str();
  info.kind = i.kind;
  info.right = i.right;
  info.exercise = i.exercise;
  info.underlying = i.underlying;
  info.strike = i.strike;
  info.expiry = i.expiry;
  info.tick_size = i.tick_size;
  info.lot_size = i.lot_size;
  info.multiplier = i.multiplier;
  // The caller's struct may be older (smaller): fill only what it has room for.
  const uint32_t room = out.struct_size;
  std::memcpy(&out, &info, std::min<size_t>(room, sizeof info));
  out.struct_size = room;
  return Status::ok();
}

Result<keel_order_handle_t> Engine::order_submit(InstanceContext& caller,
                                                 const keel_order_request_t& raw) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  StrategySlot& slot = strategies_[*s];
  if (slot.in_stop || !slot.active) {
    return Status(KEEL_ERR_REJECTED, "the strategy is stopping: no new orders");
  }
  keel_order_request_t request{};
  std::memcpy(&request, &raw, std::min<size_t>(raw.struct_size, sizeof request));
  request.struct_size = sizeof request;
  if (!config_.instruments.contains(request.instrument) || !slot.subscribed[request.instrument]) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "order on instrument id " + std::to_string(request.instrument) +
                      ", which strategy '" + slot.spec->name + "' did not subscribe to");
  }
  const Instrument& instrument = config_.instruments.get(request.instrument);

  Order& order = orders_.create();
  if (batch_strategy_ == *s) slot.deferred_orders.push_back(order.id);
  order.strategy = *s;
  order.request = request;
  order.submitted_ts = now_;
  order.last_update_ts = now_;
  ++slot.orders;
  const OpenOrders open{slot.open_orders, slot.open_buy[request.instrument],
                        slot.open_sell[request.instrument]};
  std::string reason = check_order_form(request, instrument);
  if (reason.empty()) {
    reason = check_risk_limits(slot.spec->risk, request, instrument, *portfolio_, *s, open,
                               reference_price(request.instrument));
    // Inside a batch: when the loop reaches this event (check_deferred_accounts).
    if (reason.empty() && batch_strategy_ != *s) reason = check_account(*s, order);
  }
  if (!reason.empty()) {
    order.state = KEEL_ORDER_REJECTED;
    order.reason = reason;
    schedule_report(order, now_ + config_.venue.report_latency_ns);
    return Status(KEEL_ERR_REJECTED, "order " + std::to_string(order.id) + " (" +
                                         side_text(request.side) + " " + instrument.symbol +
                                         ") rejected: " + reason);
  }
  order.handle = keel_order_handle_t{order_handles_.insert(order.id)};
  ++slot.open_orders;
  (order.is_buy() ? slot.open_buy : slot.open_sell)[request.instrument] += request.quantity;
  slot.held += order.hold_per_unit * request.quantity;
  PendingEvent arrival;
  arrival.ts = now_ + config_.venue.order_latency_ns;
  arrival.kind = PendingEvent::Kind::order_arrival;
  arrival.strategy = *s;
  arrival.order_id = order.id;
  schedule(arrival);
  return order.handle;  // PENDING until the ACCEPTED update arrives
}

std::string Engine::check_account(size_t s, Order& order) {
  StrategySlot& slot = strategies_[s];
  const keel_instrument_id_t id = order.request.instrument;
  const OpenOrders open{slot.open_orders, slot.open_buy[id], slot.open_sell[id], slot.held};
  const BuyingPower power{slot.spec->account,
                          std::max({0.0, config_.venue.taker_fee_bps, config_.venue.maker_fee_bps}),
                          config_.venue.fee_per_order};
  double hold = 0;
  std::string reason = check_buying_power(power, order.request, config_.instruments.get(id),
                                          *portfolio_, s, open, reference_price(id), hold);
  order.hold_per_unit = hold / order.request.quantity;
  return reason;
}

Status Engine::order_cancel(InstanceContext& caller, keel_order_handle_t handle) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  Result<uint64_t*> id = order_handles_.get(handle.bits);
  if (!id) {
    if (id.status().code() == KEEL_ERR_STALE_HANDLE) {
      return Status(KEEL_ERR_STALE_HANDLE, "order " + describe_handle(handle.bits) +
                                               " is no longer open (filled, cancelled, "
                                               "rejected or expired)");
    }
    return id.status();
  }
  Order& order = orders_.get(**id);
  if (order.strategy != *s) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, "order " + std::to_string(order.id) +
                                                 " belongs to another strategy");
  }
  PendingEvent cancel;
  cancel.ts = now_ + config_.venue.order_latency_ns;
  cancel.kind = PendingEvent::Kind::cancel_arrival;
  cancel.strategy = *s;
  cancel.order_id = order.id;
  schedule(cancel);
  return Status::ok();
}

Status Engine::position_get(InstanceContext& caller, keel_instrument_id_t instrument,
                            keel_position_t& out) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  if (!config_.instruments.contains(instrument)) {
    return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(instrument));
  }
  out = portfolio_->position_view(*s, instrument);
  return Status::ok();
}

Status Engine::account_get(InstanceContext& caller, keel_account_t& out) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  out = portfolio_->account(*s);
  return Status::ok();
}

Result<keel_timer_handle_t> Engine::timer_set(InstanceContext& caller, keel_timestamp_t at,
                                              uint64_t cookie) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  const keel_timer_handle_t handle{timers_.insert(TimerEntry{*s})};
  PendingEvent timer;
  timer.ts = std::max(at, now_);
  timer.kind = PendingEvent::Kind::timer;
  timer.strategy = *s;
  timer.timer = keel_timer_event_t{timer.ts, handle, cookie};
  schedule(timer);
  return handle;
}

Status Engine::timer_cancel(InstanceContext& caller, keel_timer_handle_t timer) {
  Result<size_t> s = strategy_of(caller);
  if (!s) return s.status();
  Result<TimerEntry*> entry = timers_.get(timer.bits);
  if (!entry) {
    return Status(entry.status().code(),
                  "timer " + describe_handle(timer.bits) + " has fired, was cancelled, or never existed");
  }
  if ((*entry)->strategy != *s) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, "the timer belongs to another strategy");
  }
  (void)timers_.remove(timer.bits);
  return Status::ok();
}

}  // namespace keel
