// The checks of a "keel.strategy/1" factory: a synthetic market stream fed
// through the strategy's table (per event, and through on_events when the
// strategy has it), with the host table's instrument, order, position,
// account, timer and book_levels members served by a sandbox venue. A
// strategy with on_book (ABI 1.2) is also given a book side of one level
// each around the quote, changed at every step (book events).
#include <cmath>
#include <cstring>
#include <deque>
#include <vector>

#include "engine/host/run_services.hpp"
#include "engine/market/order_book.hpp"
#include "engine/plugin/handle_table.hpp"
#include "engine/plugin_check/check_support.hpp"

namespace keel::check {
namespace {

constexpr keel_instrument_id_t kInstrument = 0;
constexpr const char* kSymbol = "CHECK";
constexpr keel_timestamp_t kStart = 1704205800LL * 1000000000LL;  // 2024-01-02T14:30:00Z
constexpr keel_timestamp_t kStep = 1000000000LL;                  // 1 s
constexpr int kSteps = 600;
// More order updates than this in one run means a submit storm.
constexpr size_t kMaxPendingDeliveries = 100000;

// One sandbox order.
struct SandboxOrder {
  keel_order_request_t request{};
  uint64_t id = 0;
  double filled = 0;
};

// A venue with one equity, CHECK: market orders fill at once at the last
// price, limit orders when a trade reaches them, stop orders never; cancels
// always succeed on an open order. Everything the strategy would be told
// (updates, fills, timers) is queued and delivered between market events.
class Sandbox final : public RunServices {
 public:
  keel_timestamp_t now() override { return now_; }

  Result<keel_instrument_id_t> instrument_find(const std::string& symbol) override {
    if (symbol == kSymbol) return kInstrument;
    return Status(KEEL_ERR_NOT_FOUND, "no instrument '" + symbol +
                                          "' in the check's sandbox "
                                          "(it has one: CHECK)");
  }

  Status instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) override {
    if (id != kInstrument) {
      return Status(KEEL_ERR_NOT_FOUND, "no instrument id " + std::to_string(id));
    }
    keel_instrument_info_t info{};
    info.struct_size = out.struct_size;
    info.id = kInstrument;
    info.symbol = kSymbol;
    info.kind = KEEL_INSTRUMENT_EQUITY;
    info.underlying = KEEL_NO_INSTRUMENT;
    info.tick_size = 0.01;
    info.lot_size = 1;
    info.multiplier = 1;
    std::memcpy(&out, &info, std::min<size_t>(out.struct_size, sizeof info));
    return Status::ok();
  }

  Result<keel_order_handle_t> order_submit(InstanceContext& /*caller*/,
                                           const keel_order_request_t& request) override {
    if (request.instrument != kInstrument) {
      return Status(KEEL_ERR_REJECTED,
                    "unknown instrument id " + std::to_string(request.instrument));
    }
    if (!(request.quantity > 0) || !std::isfinite(request.quantity)) {
      return Status(KEEL_ERR_REJECTED, "quantity must be a finite number > 0");
    }
    if (request.side != KEEL_SIDE_BUY && request.side != KEEL_SIDE_SELL) {
      return Status(KEEL_ERR_REJECTED, "side must be KEEL_SIDE_BUY or KEEL_SIDE_SELL");
    }
    if (request.type < KEEL_ORDER_MARKET || request.type > KEEL_ORDER_STOP_LIMIT) {
      return Status(KEEL_ERR_REJECTED, "unknown order type " + std::to_string(request.type));
    }
    SandboxOrder order{request, ++last_order_id_, 0};
    const keel_order_handle_t handle{orders_.insert(order)};
    ++submitted_;
    queue_update(handle, order, KEEL_ORDER_ACCEPTED);
    if (request.type == KEEL_ORDER_MARKET) fill(handle, last_price_);
    return handle;
  }

  Status order_cancel(InstanceContext& /*caller*/, keel_order_handle_t order) override {
    Result<SandboxOrder*> found = orders_.get(order.bits);
    if (!found) return found.status();
    ++cancels_;
    queue_update(order, **found, KEEL_ORDER_CANCELED);
    (void)orders_.remove(order.bits);
    return Status::ok();
  }

  Status position_get(InstanceContext& /*caller*/, keel_instrument_id_t instrument,
                      keel_position_t& out) override {
    out = keel_position_t{};
    out.instrument = instrument;
    if (instrument == kInstrument) {
      out.quantity = position_;
      out.mark_price = last_price_;
    }
    return Status::ok();
  }

  Status account_get(InstanceContext& /*caller*/, keel_account_t& out) override {
    out = keel_account_t{};
    out.cash = cash_;
    out.equity = cash_ + position_ * last_price_;
    return Status::ok();
  }

  Result<keel_timer_handle_t> timer_set(InstanceContext& /*caller*/, keel_timestamp_t at,
                                        uint64_t cookie) override {
    const keel_timer_handle_t handle{timers_.insert(Timer{at, cookie})};
    return handle;
  }

  Status timer_cancel(InstanceContext& /*caller*/, keel_timer_handle_t timer) override {
    Result<Timer> removed = timers_.remove(timer.bits);
    return removed ? Status::ok() : removed.status();
  }

  Status book_levels(InstanceContext& /*caller*/, keel_instrument_id_t instrument, int32_t side,
                     keel_book_level_t* out, size_t max, size_t& count) override {
    if (instrument != kInstrument) {
      return Status(KEEL_ERR_NOT_FOUND, "no instrument with id " + std::to_string(instrument));
    }
    count = book_.copy_levels(side, out, max);
    return Status::ok();
  }

  // Market side, driven by the check.
  void set_time(keel_timestamp_t ts) { now_ = ts; }
  void on_book(const keel_book_update_t& u) { book_.apply(u.side, u.price, u.size); }
  void on_trade(double price) {
    last_price_ = price;
    std::vector<keel_order_handle_t> crossing;
    orders_.for_each([&](uint64_t bits, SandboxOrder& order) {
      const auto& r = order.request;
      if (r.type != KEEL_ORDER_LIMIT) return;
      if ((r.side == KEEL_SIDE_BUY && r.limit_price >= price) ||
          (r.side == KEEL_SIDE_SELL && r.limit_price <= price)) {
        crossing.push_back({bits});
      }
    });
    for (auto handle : crossing) {
      fill(handle, orders_.get(handle.bits).value()->request.limit_price);
    }
  }
  void on_quote(double mid) { last_price_ = mid; }
  // Timers due at `ts`, as events (removed from the table).
  std::vector<keel_event_t> due_timers(keel_timestamp_t ts) {
    std::vector<keel_event_t> due;
    std::vector<uint64_t> fired;
    timers_.for_each([&](uint64_t bits, Timer& timer) {
      if (timer.at > ts) return;
      keel_event_t e{};
      e.kind = KEEL_EVENT_TIMER;
      e.as.timer = keel_timer_event_t{ts, {bits}, timer.cookie};
      due.push_back(e);
      fired.push_back(bits);
    });
    for (uint64_t bits : fired) (void)timers_.remove(bits);
    return due;
  }

  std::deque<keel_event_t>& pending() { return pending_; }
  size_t submitted() const { return submitted_; }
  size_t cancels() const { return cancels_; }
  size_t fills() const { return fills_; }

 private:
  struct Timer {
    keel_timestamp_t at;
    uint64_t cookie;
  };

  void queue_update(keel_order_handle_t handle, const SandboxOrder& order, int32_t state) {
    keel_event_t e{};
    e.kind = KEEL_EVENT_ORDER_UPDATE;
    auto& u = e.as.order_update;
    u.ts = now_;
    u.order = handle;
    u.order_id = order.id;
    u.client_tag = order.request.client_tag;
    u.instrument = order.request.instrument;
    u.state = state;
    u.filled_quantity = order.filled;
    u.remaining_quantity = order.request.quantity - order.filled;
    u.reason = "";
    pending_.push_back(e);
  }

  void fill(keel_order_handle_t handle, double price) {
    SandboxOrder order = *orders_.get(handle.bits).value();
    const double quantity = order.request.quantity;
    order.filled = quantity;
    const double sign = order.request.side == KEEL_SIDE_BUY ? 1.0 : -1.0;
    position_ += sign * quantity;
    cash_ -= sign * quantity * price;
    ++fills_;
    keel_event_t e{};
    e.kind = KEEL_EVENT_FILL;
    e.as.fill = keel_fill_t{now_,
                            handle,
                            order.id,
                            order.request.client_tag,
                            kInstrument,
                            order.request.side,
                            KEEL_LIQUIDITY_TAKER,
                            0,
                            quantity,
                            price,
                            0.0};
    pending_.push_back(e);
    queue_update(handle, order, KEEL_ORDER_FILLED);
    pending_.back().as.order_update.average_fill_price = price;
    (void)orders_.remove(handle.bits);
  }

  keel_timestamp_t now_ = kStart;
  double last_price_ = 100;
  double position_ = 0;
  double cash_ = 1e6;
  uint64_t last_order_id_ = 0;
  size_t submitted_ = 0, cancels_ = 0, fills_ = 0;
  HandleTable<KEEL_HANDLE_KIND_ORDER, SandboxOrder> orders_;
  HandleTable<KEEL_HANDLE_KIND_TIMER, Timer> timers_;
  std::deque<keel_event_t> pending_;
  OrderBook book_;
};

// The synthetic market: a quote every second around a wavy price, a trade
// every other second (alternately below the bid and above the ask), a
// five-second bar every fifth second; with `book`, before each quote the
// book's best bid and ask move to the quote's (the old levels removed).
std::vector<keel_event_t> market_stream(bool book) {
  std::vector<keel_event_t> events;
  double open = 100, high = 100, low = 100;
  for (int i = 0; i < kSteps; ++i) {
    const keel_timestamp_t ts = kStart + i * kStep;
    const double price = 100 + 5 * std::sin(i / 15.0) + 2 * std::sin(i / 4.0);
    high = std::max(high, price);
    low = std::min(low, price);
    if (book) {
      const double bid = price - 0.05, ask = price + 0.05;
      const auto level = [&](int32_t side, double at, double size) {
        keel_event_t e{};
        e.kind = KEEL_EVENT_BOOK;
        e.as.book = keel_book_update_t{ts, kInstrument, side, at, size, ts};
        events.push_back(e);
      };
      if (i > 0) {
        const double before = 100 + 5 * std::sin((i - 1) / 15.0) + 2 * std::sin((i - 1) / 4.0);
        level(KEEL_BOOK_BID, before - 0.05, 0);
        level(KEEL_BOOK_ASK, before + 0.05, 0);
      }
      level(KEEL_BOOK_BID, bid, 100 + i % 7);
      level(KEEL_BOOK_ASK, ask, 100 + i % 5);
    }
    keel_event_t quote{};
    quote.kind = KEEL_EVENT_QUOTE;
    quote.as.quote = keel_quote_t{ts, kInstrument, 0, price - 0.05, 100, price + 0.05, 100};
    events.push_back(quote);
    if (i % 2 == 1) {
      keel_event_t trade{};
      trade.kind = KEEL_EVENT_TRADE;
      // Alternately through the bid and the ask, so resting quotes fill.
      const double through = (i % 4 == 1) ? price - 0.08 : price + 0.08;
      trade.as.trade = keel_trade_t{ts, kInstrument, 0, through, 10};
      events.push_back(trade);
    }
    if (i % 5 == 4) {
      keel_event_t bar{};
      bar.kind = KEEL_EVENT_BAR;
      bar.as.bar = keel_bar_t{ts, kInstrument, 0, open, high, low, price, 1000};
      events.push_back(bar);
      open = high = low = price;
    }
  }
  return events;
}

keel_timestamp_t event_time(const keel_event_t& e) {
  switch (e.kind) {
    case KEEL_EVENT_QUOTE:
      return e.as.quote.ts;
    case KEEL_EVENT_TRADE:
      return e.as.trade.ts;
    case KEEL_EVENT_BOOK:
      return e.as.book.ts;
    default:
      return e.as.bar.ts;  // the stream holds only quotes, trades, bars and book events
  }
}

const char* member_name(uint32_t kind) {
  switch (kind) {
    case KEEL_EVENT_QUOTE:
      return "on_quote";
    case KEEL_EVENT_TRADE:
      return "on_trade";
    case KEEL_EVENT_BAR:
      return "on_bar";
    case KEEL_EVENT_ORDER_UPDATE:
      return "on_order_update";
    case KEEL_EVENT_FILL:
      return "on_fill";
    case KEEL_EVENT_BOOK:
      return "on_book";
    default:
      return "on_timer";
  }
}

// Calls the per-event member for `e` (skipping a NULL member).
keel_status_t deliver_one(const keel_strategy_vtable_t& t, void* self, const keel_event_t& e,
                          keel_error_t* err) {
  switch (e.kind) {
    case KEEL_EVENT_QUOTE:
      return t.on_quote ? t.on_quote(self, &e.as.quote, err) : KEEL_OK;
    case KEEL_EVENT_TRADE:
      return t.on_trade ? t.on_trade(self, &e.as.trade, err) : KEEL_OK;
    case KEEL_EVENT_BAR:
      return t.on_bar ? t.on_bar(self, &e.as.bar, err) : KEEL_OK;
    case KEEL_EVENT_ORDER_UPDATE:
      return t.on_order_update ? t.on_order_update(self, &e.as.order_update, err) : KEEL_OK;
    case KEEL_EVENT_FILL:
      return t.on_fill ? t.on_fill(self, &e.as.fill, err) : KEEL_OK;
    case KEEL_EVENT_BOOK:
      return t.on_book ? t.on_book(self, &e.as.book, err) : KEEL_OK;
    default:
      return t.on_timer ? t.on_timer(self, &e.as.timer, err) : KEEL_OK;
  }
}

// Removes the run services when the check ends, however it ends.
class SandboxInstalled {
 public:
  SandboxInstalled(Host& host, Sandbox& sandbox) : host_(host) { host.set_run_services(&sandbox); }
  ~SandboxInstalled() { host_.set_run_services(nullptr); }

 private:
  Host& host_;
};

// Feeds the stream to a fresh instance, per event or (`batched`) through
// on_events in spans of up to 16 market events.
Verdict run_stream(Host& host, const Factory& f, const std::string& params, bool batched) {
  const keel_strategy_vtable_t& t = f.strategy;
  Sandbox sandbox;
  SandboxInstalled installed(host, sandbox);
  RawInstance instance(host, f, "strategy '" + f.id + "' (check)");
  const CallOutcome made = instance.create(params);
  if (auto breach = contract_breach(made, "create")) return *breach;
  if (!made.ok()) return fail("create failed this time: " + made.describe());
  void* self = instance.self();
  const size_t leaks_before = host.leaks().size();

  const keel_instrument_id_t instruments[] = {kInstrument};
  const keel_strategy_start_t start{
      sizeof(keel_strategy_start_t), 0, kStart, "check", 1, instruments};
  size_t calls = 0;
  std::string stopped;  // the clean error that stopped the strategy, if any
  // Returns a verdict when the call broke the contract; records a clean stop.
  auto checked = [&](keel_status_t status, const keel_error_t& err,
                     const std::string& what) -> std::optional<Verdict> {
    ++calls;
    if (auto breach = thread_rule_breach(instance, what)) return breach;
    const CallOutcome r = outcome_of(status, err);
    if (auto breach = contract_breach(r, what)) return breach;
    if (!r.ok()) stopped = what + " returned " + r.describe();
    return std::nullopt;
  };

  if (t.on_start != nullptr) {
    keel_error_t err{};
    sandbox.set_time(kStart);
    if (auto v = checked(t.on_start(self, &start, &err), err, "on_start")) return *v;
  }
  const std::vector<keel_event_t> stream = market_stream(t.on_book != nullptr);
  size_t delivered = 0;
  // Delivers `events` one by one or as one span.
  auto deliver = [&](const std::vector<keel_event_t>& events,
                     const std::string& where) -> std::optional<Verdict> {
    if (events.empty() || !stopped.empty()) return std::nullopt;
    if (batched) {
      keel_error_t err{};
      return checked(t.on_events(self, events.data(), events.size(), &err), err,
                     "on_events (" + std::to_string(events.size()) + " events " + where + ")");
    }
    for (const auto& e : events) {
      keel_error_t err{};
      if (auto v = checked(deliver_one(t, self, e, &err), err,
                           std::string(member_name(e.kind)) + " " + where)) {
        return v;
      }
      if (!stopped.empty()) break;
    }
    return std::nullopt;
  };
  // What the sandbox queued, delivered until nothing more is queued.
  auto drain = [&](const std::string& where) -> std::optional<Verdict> {
    size_t guard = 0;
    while (!sandbox.pending().empty() && stopped.empty()) {
      std::vector<keel_event_t> batch(sandbox.pending().begin(), sandbox.pending().end());
      sandbox.pending().clear();
      guard += batch.size();
      if (guard > kMaxPendingDeliveries) {
        return fail("more than " + std::to_string(kMaxPendingDeliveries) +
                    " order updates after one event " + where + ": a submit storm");
      }
      if (auto v = deliver(batch, where)) return v;
    }
    return std::nullopt;
  };

  const size_t span = batched ? 16 : 1;
  for (size_t i = 0; i < stream.size() && stopped.empty(); i += span) {
    std::vector<keel_event_t> chunk(stream.begin() + i,
                                    stream.begin() + std::min(stream.size(), i + span));
    const keel_timestamp_t ts = event_time(chunk.front());
    sandbox.set_time(ts);
    const std::string where = "at event " + std::to_string(i);
    if (auto v = deliver(sandbox.due_timers(ts), where)) return *v;
    for (const auto& e : chunk) {
      if (e.kind == KEEL_EVENT_QUOTE) sandbox.on_quote((e.as.quote.bid + e.as.quote.ask) / 2);
      // The whole chunk's book at once: a span's book_levels is not exact
      // here (the engine's is); the check is about surviving the calls.
      if (e.kind == KEEL_EVENT_BOOK) sandbox.on_book(e.as.book);
    }
    if (auto v = deliver(chunk, where)) return *v;
    for (const auto& e : chunk) {
      if (e.kind == KEEL_EVENT_TRADE) sandbox.on_trade(e.as.trade.price);
    }
    if (auto v = drain(where)) return *v;
    delivered += chunk.size();
  }
  if (stopped.empty() && t.on_stop != nullptr) {
    keel_error_t err{};
    const keel_timestamp_t end = kStart + kSteps * kStep;
    sandbox.set_time(end);
    if (auto v = checked(t.on_stop(self, end, &err), err, "on_stop")) return *v;
  }
  const CallOutcome dropped = instance.drop();
  if (auto breach = thread_rule_breach(instance, "drop after the run")) return *breach;
  if (auto breach = contract_breach(dropped, "drop after the run")) return *breach;
  if (!dropped.ok()) return fail("drop after the run returned " + dropped.describe());
  const auto& leaks = host.leaks();
  if (leaks.size() > leaks_before) {
    return fail("the run leaked: " + leaks[leaks_before].owner + ": " + leaks[leaks_before].what);
  }
  const std::string counts =
      std::to_string(calls) + " calls, " + std::to_string(sandbox.submitted()) + " orders, " +
      std::to_string(sandbox.cancels()) + " cancels, " + std::to_string(sandbox.fills()) + " fills";
  std::string how = batched ? "on_events" : "on_start/on_quote/on_trade/on_bar/on_stop";
  if (!batched && t.on_book != nullptr) how.insert(how.size() - 8, "/on_book");
  if (!stopped.empty()) {
    return pass(how + " on a synthetic stream: stopped cleanly (" + stopped + ") after " + counts);
  }
  return pass(how + " on a synthetic stream of " + std::to_string(delivered) +
              " market events: all OK (" + counts + "), nothing leaked");
}

}  // namespace

void check_strategy(Host& host, const Factory& f, const std::string& params, Collector& out) {
  const std::string& id = f.id;
  out.run(id, "strategy.stream", [&] { return run_stream(host, f, params, false); });
  if (f.strategy.on_events != nullptr) {
    out.run(id, "strategy.on_events", [&] { return run_stream(host, f, params, true); });
  }
  out.run(id, "strategy.get_extension", [&]() -> Verdict {
    if (f.strategy.get_extension == nullptr) return pass("get_extension absent (optional)");
    RawInstance instance(host, f, "strategy '" + id + "' (check)");
    const CallOutcome made = instance.create(params);
    if (!made.ok()) return fail("create failed this time: " + made.describe());
    if (f.strategy.get_extension(instance.self(), "keel.check.no_such_extension/0") != nullptr) {
      return fail("get_extension(\"keel.check.no_such_extension/0\") returned non-NULL");
    }
    return pass("get_extension of an unknown id returns NULL");
  });
}

}  // namespace keel::check
