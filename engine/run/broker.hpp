// engine/run/broker.hpp — orders from the moment a strategy sends them to
// their end: the checks an order must pass (engine/run/risk.hpp), the
// pending events (orders and cancels travelling to the venue, reports
// travelling back, timers), the venue's matching (engine/run/venue.hpp),
// the booking of fills with their fees, and the kill switch. The only code
// that changes an order's state.
//
// Two books: `book`, the true one (fills booked when the venue fills), which
// the risk checks, buying power, the kill switch and the report use; and
// `told`, what the strategies have been told (a fill is booked there when
// its report reaches the strategy, report_latency_ns later), which a
// strategy's position() and account() read.
//
// Sending is in two steps, so that a batched strategy can be answered at
// once and its order still placed in the loop's order (strategy_host.hpp):
// check_order() checks it as of now and returns its handle or why it is
// refused; place() gives it its id and sends it (or its rejection) on its
// way. A per-event strategy's order does both at once.
#pragma once

#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/plugin/handle_table.hpp"
#include "engine/report/records.hpp"
#include "engine/run/marks.hpp"
#include "engine/run/order.hpp"
#include "engine/run/pending_events.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/round_trips.hpp"
#include "engine/run/run_state.hpp"
#include "engine/run/venue.hpp"

namespace keel {

// Where reports and timers go: the strategies' side of the run. Each call
// is made at the report's or timer's time (RunState::now).
class BrokerClient {
 public:
  virtual ~BrokerClient() = default;
  virtual void deliver_update(size_t strategy, const keel_order_update_t& update) = 0;
  virtual void deliver_fill(size_t strategy, const keel_fill_t& fill) = 0;
  virtual void deliver_timer(size_t strategy, const keel_timer_event_t& timer) = 0;
};

// An order checked and not yet placed.
struct OrderTicket {
  keel_order_request_t request{};
  keel_timestamp_t sent = 0;
  keel_order_handle_t handle{};  // 0 when refused
  std::string reason;            // why it was refused; "" when accepted
  double hold_per_unit = 0;      // buying power it holds per unit open
};

// A strategy's orders as the risk checks count them.
struct StrategyOrders {
  int64_t open = 0;                         // working or travelling
  std::vector<double> open_buy, open_sell;  // per instrument, quantity not yet filled
  double held = 0;                          // buying power the open orders hold
  uint64_t orders = 0, fills = 0;           // for the summary
};

class Broker {
 public:
  Broker(const RunConfig& config, RunState& state, Portfolio& book, Portfolio& told,
         const Marks& marks, BrokerClient& client);

  // ---- what strategies send ----
  // Checks an order of `strategy` sent now (state.now): form, risk limits,
  // buying power, counting its open orders (those checked and not yet
  // placed included). Fills `ticket`; returns the order's handle, or
  // KEEL_ERR_REJECTED saying why (the REJECTED report follows from place()).
  Result<keel_order_handle_t> check_order(size_t strategy, const keel_order_request_t& request,
                                          OrderTicket& ticket);
  // Gives the order its id and schedules its arrival at the venue (or its
  // rejection report), as if sent now.
  void place(size_t strategy, OrderTicket& ticket);
  // A cancel of `order`: whether it may be sent, then sending it (its
  // arrival at the venue is scheduled as if sent at `sent`).
  Status check_cancel(size_t strategy, keel_order_handle_t order);
  void send_cancel(keel_order_handle_t order, keel_timestamp_t sent);
  // Timers: a handle now, the timer scheduled when the loop reaches the
  // time it was set at; a cancel takes effect at once.
  keel_timer_handle_t new_timer(size_t strategy);
  void schedule_timer(size_t strategy, keel_timer_handle_t timer, keel_timestamp_t at,
                      uint64_t cookie);
  Status cancel_timer(size_t strategy, keel_timer_handle_t timer);

  // ---- the loop ----
  bool due(keel_timestamp_t now) const { return pending_.due(now); }
  // Handles everything scheduled up to `until` in time order (state.now is
  // each event's own time meanwhile), then sets state.now to `until`.
  void process_due(keel_timestamp_t until);
  // The venue matches the event; fills are booked and recorded, and their
  // reports scheduled (delivered at once when report latency is 0).
  // (Inline: most events meet no working order and do nothing here.)
  void match(const MarketEvent& event, RunRecorder& recorder) {
    venue_.match(event, venue_events_);
    if (!venue_events_.empty()) [[unlikely]]
      book_venue_events(recorder);
  }
  // The kill switch: cancels everything of `strategy` and flattens its
  // positions with market orders (no risk checks: they only reduce), which
  // reach the venue through the pending queue like any order, with no
  // latency.
  void kill(size_t strategy);
  // Cancels every order of `strategy`, working or travelling, with `reason`.
  void cancel_everything(size_t strategy, const char* reason);
  // The end of the run: reports on their way still arrive (nothing new
  // reaches the venue); every order left is expired ("end of run").
  void finish();
  // Hands finished orders to the recorder, oldest first (all of them:
  // finished or not, at the very end). (Inline: usually there are none.)
  void record_retired(RunRecorder& recorder) {
    if (orders_.front_retired()) [[unlikely]]
      record_front_retired(recorder);
  }
  void record_all(RunRecorder& recorder);
  // Hands the round trips still open to the recorder, valued at the book's
  // marks (once, at the end of the run, after the last equity sample).
  void record_open_trades(RunRecorder& recorder) { round_trips_.record_open(book_, recorder); }

  // ---- what batch delivery asks ----
  keel_timestamp_t earliest_pending(size_t strategy) const {
    return pending_count_[strategy] == 0 ? INT64_MAX : pending_.earliest_for(strategy);
  }
  bool has_open_orders(size_t strategy, keel_instrument_id_t instrument) const {
    const StrategyOrders& o = orders_of_[strategy];
    return o.open_buy[instrument] != 0 || o.open_sell[instrument] != 0;
  }
  const StrategyOrders& orders_of(size_t strategy) const { return orders_of_[strategy]; }
  // The venue, read-only (its order books, for the host's book_levels).
  const Venue& venue() const { return venue_; }

 private:
  // What an order handle refers to: the order's id (0 while checked and not
  // yet placed) and its strategy.
  struct OrderRef {
    uint64_t id = 0;
    size_t strategy = 0;
  };
  struct TimerRef {
    size_t strategy = 0;
  };

  void schedule(const PendingEvent& event);
  void handle(PendingEvent& event);
  void handle_order_event(PendingEvent& event, Order& order);
  // An order update for the strategy at `at`: the order as it is now, or as
  // it was right after one venue event (state, filled, average price).
  void schedule_report(const Order& order, keel_timestamp_t at);
  void schedule_report(const Order& order, keel_timestamp_t at, int32_t state, double filled,
                       double average_price);
  // What the venue did at one event (venue_events_, then cleared).
  void book_venue_events(RunRecorder& recorder);
  void book_fills(RunRecorder& recorder);
  void record_front_retired(RunRecorder& recorder);
  double fee_for(const Order& order, double quantity, double price, int32_t liquidity) const;
  // Takes a finished (or cancelled) order out of its strategy's open counts.
  void release_open(Order& order);
  // An order referred to by one fewer scheduled event; retired when it is
  // also terminal (its strategy's handle goes with it).
  void release_reference(Order& order);
  void retire_if_done(Order& order);
  void record(const Order& order, RunRecorder& recorder);

  const RunConfig& config_;
  RunState& state_;
  Portfolio& book_;
  Portfolio& told_;
  const Marks& marks_;
  BrokerClient& client_;
  OrderStore orders_;
  Venue venue_;
  PendingEvents pending_;
  std::vector<uint32_t> pending_count_;  // per strategy: scheduled events for it
  HandleTable<KEEL_HANDLE_KIND_ORDER, OrderRef> order_handles_;
  HandleTable<KEEL_HANDLE_KIND_TIMER, TimerRef> timers_;
  std::vector<StrategyOrders> orders_of_;  // per strategy
  std::vector<VenueEvent> venue_events_;   // reused, no allocation per event
  OrderRecord order_record_;               // reused
  RoundTrips round_trips_;                 // the true book's round trips (trades.csv)
};

}  // namespace keel
