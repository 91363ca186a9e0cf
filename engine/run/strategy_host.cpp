#include "engine/run/strategy_host.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace keel {
namespace {

// The most market events one span holds, and how far ahead of the loop a
// span is gathered (events of other instruments count: they are skipped).
constexpr size_t kMaxSpan = 1024;
constexpr size_t kMaxLookAhead = ReadAhead::kMaxPeek;
// The first delivery of a span offers this many events; each next one
// twice what the strategy handled last time (up to kMaxSpan), so checking a
// span's end costs about what the strategy handles.
constexpr size_t kFirstWindow = 16;

}  // namespace

StrategyHost::StrategyHost(const RunConfig& config, RunState& state, Marks& marks, ReadAhead& ahead,
                           const Portfolio& book, const Portfolio& told)
    : config_(config),
      state_(state),
      marks_(marks),
      ahead_(ahead),
      book_(book),
      told_(told),
      subscribers_(config.instruments.size()),
      book_subscribers_(config.instruments.size()) {}

StrategyHost::~StrategyHost() {
  for (Slot& slot : slots_) {
    if (slot.instance) (void)slot.instance->drop();
  }
}

void StrategyHost::add(const StrategySpec& spec, std::unique_ptr<StrategyInstance> instance) {
  Slot slot;
  slot.spec = &spec;
  slot.instance = std::move(instance);
  slot.instance->context().run_slot = slots_.size();
  slot.cursor = slot.instance->batch_cursor();
  slot.batched = slot.instance->takes_batches();
  slot.takes_book = slot.instance->takes_book();
  slot.window = kFirstWindow;
  if (slot.cursor != nullptr) {
    slot.span.resize(kMaxSpan);
    slot.span_seq.resize(kMaxSpan);
    slot.book_gap.resize(kMaxSpan);
  } else {
    slot.span.resize(1);
    slot.span_seq.resize(1);
    slot.book_gap.resize(1);
  }
  slot.subscribed.assign(config_.instruments.size(), 0);
  for (const std::string& symbol : spec.instruments) {
    const keel_instrument_id_t id = *config_.instruments.find(symbol);  // checked by the config
    slot.instruments.push_back(id);
    slot.subscribed[id] = 1;
    subscribers_[id].push_back(slots_.size());
    if (slot.takes_book) book_subscribers_[id].push_back(slots_.size());
  }
  slots_.push_back(std::move(slot));
}

// ---- the loop -------------------------------------------------------------------------

void StrategyHost::start(keel_timestamp_t first) {
  for (size_t s = 0; s < slots_.size() && !state_.stop; ++s) {
    Slot& slot = slots_[s];
    keel_strategy_start_t start{};
    start.struct_size = sizeof start;
    start.start_time = first;
    start.name = slot.spec->name.c_str();
    start.instrument_count = slot.instruments.size();
    start.instruments = slot.instruments.data();
    if (Status st = slot.instance->on_start(start); !st) failed(s, st);
  }
}

void StrategyHost::dispatch(const MarketEvent& event) {
  const keel_instrument_id_t instrument = event.instrument();
  const std::vector<size_t>& subscribers = event.kind == MarketEventKind::book
                                               ? book_subscribers_[instrument]
                                               : subscribers_[instrument];
  for (size_t s : subscribers) {
    Slot& slot = slots_[s];
    if (!slot.active) continue;
    if (slot.batched) {
      const uint64_t seq = ahead_.seq();
      if (seq <= slot.handled_seq) {  // handled in an earlier span: its turn now
        if (!slot.staged.empty()) release(s, seq);
        if (slot.failure_seq == seq) failed(s, std::exchange(slot.deferred_failure, Status::ok()));
      } else {
        deliver_span(s, event);
      }
    } else {
      StrategyInstance& strategy = *slot.instance;
      bool ok = true;
      switch (event.kind) {
        case MarketEventKind::quote: [[likely]]
          ok = strategy.deliver_quote(event.as.quote, failure_);
          break;
        case MarketEventKind::trade:
          ok = strategy.deliver_trade(event.as.trade, failure_);
          break;
        case MarketEventKind::bar:
          ok = strategy.deliver_bar(event.as.bar, failure_);
          break;
        case MarketEventKind::book:
          ok = strategy.deliver_book(event.as.book, failure_);
          break;
      }
      if (!ok) [[unlikely]]
        failed(s, std::exchange(failure_, Status::ok()));
    }
    if (state_.stop) return;
  }
}

void StrategyHost::kill(size_t s, const std::string& why) {
  Slot& slot = slots_[s];
  spdlog::warn("strategy '{}' {}", slot.spec->name, why);
  slot.active = false;
  slot.killed = true;
  slot.status = why;
  broker_->kill(s);
}

void StrategyHost::interrupted() {
  for (Slot& slot : slots_) {
    if (slot.status == "completed") slot.status = "interrupted";  // it did not see the end
  }
}

void StrategyHost::stop() {
  for (size_t s = 0; s < slots_.size(); ++s) {
    Slot& slot = slots_[s];
    if (!slot.active && !slot.killed) continue;
    slot.in_stop = true;
    if (Status st = slot.instance->on_stop(state_.now); !st) {
      spdlog::error("{}", st.message());
      slot.status = "stopped: " + st.message();
      // A thread of the strategy's own that called the host (however late)
      // is no clean stop: the run says so, unless on_error disables.
      if (st.code() == KEEL_ERR_WRONG_THREAD &&
          slot.spec->on_error != OnStrategyError::disable_strategy) {
        state_.fail(st, FailureKind::plugin);
      }
    }
    slot.in_stop = false;
  }
}

void StrategyHost::failed(size_t s, const Status& status) {
  Slot& slot = slots_[s];
  spdlog::error("{}", status.message());
  if (!slot.active) return;
  slot.active = false;
  if (slot.spec->on_error == OnStrategyError::disable_strategy) {
    slot.status = "disabled: " + status.message();
    broker_->cancel_everything(s, "cancelled: the strategy was disabled after an error");
  } else {
    slot.status = "stopped: " + status.message();
    state_.fail(status, FailureKind::plugin);
  }
}

// ---- batch delivery -------------------------------------------------------------------

void StrategyHost::gather(Slot& slot, const MarketEvent& first) {
  // Sized once (add): filled by index, the most frequent copy in batch
  // delivery, with no capacity checks.
  keel_event_t* span = slot.span.data();
  uint64_t* seqs = slot.span_seq.data();
  uint8_t* gaps = slot.book_gap.data();
  size_t n = 0;
  uint8_t gap = 0;  // a skipped book event of its instruments since the last appended
  const auto append = [&](const MarketEvent& event, uint64_t seq) {
    keel_event_t& tagged = span[n];
    tagged.kind = static_cast<uint32_t>(event.kind);
    tagged.reserved = 0;
    std::memcpy(&tagged.as, &event.as, sizeof event.as);
    gaps[n] = gap;
    seqs[n++] = seq;
    gap = 0;
  };
  const uint64_t seq = ahead_.seq();
  append(first, seq);
  if (slot.cursor != nullptr) {  // else spans of one
    const keel_timestamp_t end = config_.end_ns.value_or(INT64_MAX);
    for (size_t i = 0; i < kMaxLookAhead && n < kMaxSpan; ++i) {
      const MarketEvent* next = ahead_.peek(i);
      if (next == nullptr || next->ts() >= end) break;
      if (!slot.subscribed[next->instrument()]) continue;
      if (next->kind == MarketEventKind::book && !slot.takes_book) {
        gap = 1;  // not given to it, but the venue may fill its orders there
        continue;
      }
      if (next->kind != first.kind) break;
      append(*next, seq + 1 + i);
    }
  }
  slot.span_count = n;
  slot.span_pos = 0;
}

size_t StrategyHost::deliverable(size_t s) {
  const Slot& slot = slots_[s];
  if (slot.cursor == nullptr) return 1;
  const size_t end = std::min(slot.span_count, slot.span_pos + slot.window);
  const keel_timestamp_t due = broker_->earliest_pending(s);
  const std::optional<double>& kill_at = slot.spec->risk.max_drawdown_pct;
  double peak = kill_at ? marks_.peak_equity()[s] : 0;
  size_t i = slot.span_pos + 1;  // the first is the loop's own event
  for (; i < end; ++i) {
    const keel_event_t& e = slot.span[i];
    const keel_instrument_id_t instrument = e.as.quote.instrument;  // every payload starts so
    if (e.as.quote.ts >= due) break;
    if (broker_->has_open_orders(s, instrument)) break;
    if (slot.book_gap[i] && broker_->orders_of(s).open != 0) break;
    if (kill_at && book_.position(s, instrument).quantity != 0) {
      // The loop checks the switch here (Engine::check_drawdown): would it fire?
      marks_.look_ahead_to(ahead_, slot.span_seq[i] - ahead_.seq() - 1);
      if (Marks::drawdown_pct(peak, book_.account(s).equity) >= *kill_at) break;
    }
  }
  if (marks_.looking_ahead()) marks_.end_look_ahead();
  return i - slot.span_pos;
}

void StrategyHost::deliver_span(size_t s, const MarketEvent& event) {
  Slot& slot = slots_[s];
  const uint64_t seq = ahead_.seq();
  if (slot.span_pos >= slot.span_count || slot.span_seq[slot.span_pos] != seq) gather(slot, event);
  const size_t count = deliverable(s);
  span_ =
      OpenSpan{s, slot.span.data() + slot.span_pos, slot.span_seq.data() + slot.span_pos, count, 0};
  const keel_timestamp_t loop_now = state_.now;
  size_t consumed = count;
  Status status = slot.instance->on_events(span_.events, count, consumed);
  span_ = OpenSpan{};
  if (marks_.looking_ahead()) marks_.end_look_ahead();
  state_.now = loop_now;
  slot.handled_seq = slot.span_seq[slot.span_pos + consumed - 1];
  slot.span_pos += consumed;
  slot.window = std::clamp<size_t>(2 * consumed, kFirstWindow, kMaxSpan);
  if (status.is_ok()) return;
  if (consumed == 1) {
    failed(s, status);
    return;
  }
  // The loop has not reached the failing event yet: it goes on through the
  // events before it (other strategies, venue, marks, equity) and applies
  // the failure there (dispatch), after placing what was sent there.
  slot.deferred_failure = std::move(status);
  slot.failure_seq = slot.handled_seq;
}

Status StrategyHost::follow_cursor(size_t s) {
  if (span_.strategy != s || slots_[s].cursor == nullptr) return Status::ok();  // one event
  const size_t i = *slots_[s].cursor;
  if (i == span_.at) return Status::ok();
  if (i >= span_.count || i < span_.at) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  slots_[s].instance->name() + ": its batch cursor says event " +
                      std::to_string(i) + " while handling event " + std::to_string(span_.at) +
                      " of a span of " + std::to_string(span_.count) +
                      " (the cursor must name the event being handled, and only move forward)");
  }
  span_.at = i;
  const uint64_t seq = span_.seqs[i];
  if (seq > ahead_.seq()) marks_.look_ahead_to(ahead_, seq - ahead_.seq() - 1);
  state_.now = span_.events[i].as.quote.ts;  // every market payload begins with ts
  return Status::ok();
}

void StrategyHost::release(size_t s, uint64_t seq) {
  Slot& slot = slots_[s];
  size_t done = 0;
  for (Staged& staged : slot.staged) {
    if (staged.seq != seq) break;  // sent from a later event (kept in order)
    switch (staged.kind) {
      case Staged::Kind::order:
        broker_->place(s, staged.ticket);
        break;
      case Staged::Kind::cancel:
        broker_->send_cancel(staged.order, staged.at);
        break;
      case Staged::Kind::timer:
        broker_->schedule_timer(s, staged.timer, staged.at, staged.cookie);
        break;
    }
    ++done;
  }
  slot.staged.erase(slot.staged.begin(), slot.staged.begin() + static_cast<std::ptrdiff_t>(done));
}

Status StrategyHost::book_levels(InstanceContext& caller, keel_instrument_id_t instrument,
                                 int32_t side, keel_book_level_t* out, size_t max, size_t& count) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  if (Status st = follow_cursor(*s); !st) return st;
  if (!config_.instruments.contains(instrument)) {
    return Status(KEEL_ERR_NOT_FOUND, "book_levels: no instrument with id " +
                                          std::to_string(instrument) + " in this run");
  }
  const OrderBook& book = broker_->venue().book(instrument);
  if (!ahead_of_loop(*s)) {
    count = book.copy_levels(side, out, max);
    return Status::ok();
  }
  // The loop has applied the depth updates up to its own event; replay those
  // up to the cursor's event on a copy (its vectors keep their capacity).
  scratch_book_ = book;
  const uint64_t until = span_.seqs[span_.at];
  for (uint64_t seq = ahead_.seq() + 1; seq <= until; ++seq) {
    const MarketEvent* e = ahead_.peek(seq - ahead_.seq() - 1);
    if (e == nullptr) break;
    if (e->kind == MarketEventKind::book && e->as.book.instrument == instrument &&
        e->as.book.side == side) {
      scratch_book_.apply(side, e->as.book.price, e->as.book.size);
    }
  }
  count = scratch_book_.copy_levels(side, out, max);
  return Status::ok();
}

// ---- BrokerClient -------------------------------------------------------------------------

void StrategyHost::deliver_update(size_t s, const keel_order_update_t& update) {
  if (!slots_[s].active) return;
  if (Status st = slots_[s].instance->on_order_update(update); !st) failed(s, st);
}

void StrategyHost::deliver_fill(size_t s, const keel_fill_t& fill) {
  if (!slots_[s].active) return;
  if (Status st = slots_[s].instance->on_fill(fill); !st) failed(s, st);
}

void StrategyHost::deliver_timer(size_t s, const keel_timer_event_t& timer) {
  if (!slots_[s].active) return;
  if (Status st = slots_[s].instance->on_timer(timer); !st) failed(s, st);
}

// ---- RunServices ----------------------------------------------------------------------

Result<size_t> StrategyHost::slot_of(InstanceContext& caller) {
  const size_t s = caller.run_slot;
  if (s >= slots_.size() || &slots_[s].instance->context() != &caller) {
    return Status(KEEL_ERR_UNSUPPORTED, caller.name + " is not a strategy of this run");
  }
  return s;
}

keel_timestamp_t StrategyHost::now(InstanceContext& caller) {
  if (span_.strategy != SIZE_MAX && span_.strategy == caller.run_slot) {
    (void)follow_cursor(span_.strategy);  // a bad cursor fails its next host call
  }
  return state_.now;
}

Result<keel_instrument_id_t> StrategyHost::instrument_find(const std::string& symbol) {
  if (auto id = config_.instruments.find(symbol)) return *id;
  return Status(KEEL_ERR_NOT_FOUND, "no instrument '" + symbol + "' in this run");
}

Status StrategyHost::instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) {
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

Result<keel_order_handle_t> StrategyHost::order_submit(InstanceContext& caller,
                                                       const keel_order_request_t& raw) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  Slot& slot = slots_[*s];
  if (slot.in_stop || !slot.active) {
    return Status(KEEL_ERR_REJECTED, "the strategy is stopping: no new orders");
  }
  if (Status st = follow_cursor(*s); !st) return st;
  keel_order_request_t request{};
  std::memcpy(&request, &raw, std::min<size_t>(raw.struct_size, sizeof request));
  request.struct_size = sizeof request;
  if (!config_.instruments.contains(request.instrument) || !slot.subscribed[request.instrument]) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "order on instrument id " + std::to_string(request.instrument) +
                      ", which strategy '" + slot.spec->name + "' did not subscribe to");
  }
  if (ahead_of_loop(*s)) {
    Staged& staged = slot.staged.emplace_back();
    staged.kind = Staged::Kind::order;
    staged.seq = span_.seqs[span_.at];
    return broker_->check_order(*s, request, staged.ticket);
  }
  Result<keel_order_handle_t> handle = broker_->check_order(*s, request, ticket_);
  broker_->place(*s, ticket_);
  return handle;
}

Status StrategyHost::order_cancel(InstanceContext& caller, keel_order_handle_t handle) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  if (Status st = follow_cursor(*s); !st) return st;
  if (Status st = broker_->check_cancel(*s, handle); !st) return st;
  if (ahead_of_loop(*s)) {
    Staged& staged = slots_[*s].staged.emplace_back();
    staged.kind = Staged::Kind::cancel;
    staged.seq = span_.seqs[span_.at];
    staged.order = handle;
    staged.at = state_.now;
    return Status::ok();
  }
  broker_->send_cancel(handle, state_.now);
  return Status::ok();
}

Status StrategyHost::position_get(InstanceContext& caller, keel_instrument_id_t instrument,
                                  keel_position_t& out) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  if (Status st = follow_cursor(*s); !st) return st;
  if (!config_.instruments.contains(instrument)) {
    return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(instrument));
  }
  out = told_.position_view(*s, instrument);
  return Status::ok();
}

Status StrategyHost::account_get(InstanceContext& caller, keel_account_t& out) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  if (Status st = follow_cursor(*s); !st) return st;
  out = told_.account(*s);
  return Status::ok();
}

Result<keel_timer_handle_t> StrategyHost::timer_set(InstanceContext& caller, keel_timestamp_t at,
                                                    uint64_t cookie) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  if (Status st = follow_cursor(*s); !st) return st;
  const keel_timer_handle_t handle = broker_->new_timer(*s);
  const keel_timestamp_t due = std::max(at, state_.now);  // a time already past: at once
  if (ahead_of_loop(*s)) {
    Staged& staged = slots_[*s].staged.emplace_back();
    staged.kind = Staged::Kind::timer;
    staged.seq = span_.seqs[span_.at];
    staged.timer = handle;
    staged.at = due;
    staged.cookie = cookie;
    return handle;
  }
  broker_->schedule_timer(*s, handle, due, cookie);
  return handle;
}

Status StrategyHost::timer_cancel(InstanceContext& caller, keel_timer_handle_t timer) {
  Result<size_t> s = slot_of(caller);
  if (!s) return s.status();
  return broker_->cancel_timer(*s, timer);
}

}  // namespace keel
