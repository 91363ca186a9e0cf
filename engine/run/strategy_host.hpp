// engine/run/strategy_host.hpp — the run's strategies: one slot each, the
// calls the loop makes on them (start, market events, reports, timers,
// stop), batch delivery, and the run services their host tables reach
// (orders, positions, account, timers, the clock). A host call finds its
// strategy through its InstanceContext (run_slot), not a lookup.
//
// Batch delivery. A strategy with on_events and the events-consumed
// extension is given spans: the market events of its instruments that it
// will meet, of one kind, read ahead of the loop (ReadAhead) and gathered
// once into the slot. It handles them in order and stops after the event
// during which it acted (keel/strategy.h); the next delivery is a view into
// the same gathered span from the event after (nothing is gathered or
// copied again), and a new span is gathered only when that one is used up.
//
// Exactness. A batched strategy sees what per-event delivery shows:
//  - it keeps a batch cursor (ABI 1.1) that says which event it is handling;
//    a host call made there reads it: now() is that event's time, and
//    position(), account() and the risk checks see the marks of that event
//    (Marks::look_ahead_to moves them there and back).
//  - what it sends there is stamped with that event's time and checked as
//    of it at once, so it learns the outcome (handle or rejection) as it
//    would per event. It is placed (order id, arrival, reports, timers)
//    when the loop reaches that event, in the strategy's turn: ids and the
//    order of equal-time pending events are those of per-event delivery.
//    If the run ends before the loop gets there, it never happened, as per
//    event.
//  - a span ends before any event at which per-event delivery would first
//    call the strategy with something else or change what it can see:
//      * anything scheduled for it (an order or cancel reaching the venue,
//        a report, a timer) due at or before the event's time: the loop
//        handles those first. With venue latencies this is the time the
//        order/cancel was sent plus order_latency_ns (reaching the venue),
//        and a fill's or update's time plus report_latency_ns;
//      * an event on an instrument where it has orders working or on their
//        way: the venue may fill or expire them at that event, which
//        changes the book its risk checks read, before the report;
//      * an event at which its kill switch (max_drawdown_pct) fires: the
//        switch is checked ahead, with the marks of each event of the span
//        where it holds the event's instrument (Marks::look_ahead_to).
//      * an event after a book event it is not given (no on_book) of an
//        instrument it trades, while it has orders open: the venue may
//        fill them at that book event.
//    The span's first event is the one the loop is at, always exact.
//  - a strategy without a cursor (NULL, or a 1.0 table) gets spans of one.
// Book events (ABI 1.2) go only to strategies with on_book (book_subscribers_),
// so the others pay nothing for them; in their spans they are skipped like
// events of instruments they do not trade (and end no span of theirs, but
// for the open-orders rule above). A span is of one kind, so for a strategy
// with on_book a book event ends a span of quotes and the reverse.
// book_levels from an event the loop has not reached answers with the
// venue's book plus the depth updates between the loop and that event
// (replayed on a scratch copy): the book per-event delivery would show.
// Position and account: a strategy's position() and account() are what it
// has been told — fills whose report (on_fill) has reached it — while the
// risk checks and buying power use the true book, which the venue moves
// when it fills (engine/run/broker.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/host/host.hpp"
#include "engine/host/strategy_instance.hpp"
#include "engine/run/broker.hpp"
#include "engine/run/marks.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/read_ahead.hpp"
#include "engine/run/run_state.hpp"

namespace keel {

class StrategyHost final : public RunServices, public BrokerClient {
 public:
  StrategyHost(const RunConfig& config, RunState& state, Marks& marks, ReadAhead& ahead,
               const Portfolio& book, const Portfolio& told);
  ~StrategyHost() override;
  StrategyHost(const StrategyHost&) = delete;
  StrategyHost& operator=(const StrategyHost&) = delete;

  // The broker the strategies' orders go to (built after this host).
  void attach(Broker& broker) { broker_ = &broker; }
  // A strategy of the run, in run-file order (prepare).
  void add(const StrategySpec& spec, std::unique_ptr<StrategyInstance> instance);
  size_t size() const { return slots_.size(); }

  // ---- the loop ----
  // on_start for every strategy, the run starting at `first`.
  void start(keel_timestamp_t first);
  // The event the loop is at (ReadAhead::seq) goes to every active strategy
  // subscribed to its instrument, per event or in spans.
  void dispatch(const MarketEvent& event);
  // The kill switch fired for strategy `s`: it gets nothing more but on_stop.
  void kill(size_t s, const std::string& why);
  // The run was interrupted: strategies that did not see the end say so.
  void interrupted();
  // on_stop for every strategy that ran (orders sent there are refused).
  void stop();
  // Applies a strategy callback's status: disable the strategy or stop the run.
  void failed(size_t s, const Status& status);

  // ---- for the summary ----
  const StrategySpec& spec(size_t s) const { return *slots_[s].spec; }
  const std::string& status(size_t s) const { return slots_[s].status; }
  const std::string& factory(size_t s) const { return slots_[s].instance->factory().id; }
  bool active(size_t s) const { return slots_[s].active; }

  // ---- BrokerClient ----
  void deliver_update(size_t s, const keel_order_update_t& update) override;
  void deliver_fill(size_t s, const keel_fill_t& fill) override;
  void deliver_timer(size_t s, const keel_timer_event_t& timer) override;

  // ---- RunServices ----
  keel_timestamp_t now() override { return state_.now; }
  keel_timestamp_t now(InstanceContext& caller) override;
  Result<keel_instrument_id_t> instrument_find(const std::string& symbol) override;
  Status instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) override;
  Result<keel_order_handle_t> order_submit(InstanceContext& caller,
                                           const keel_order_request_t& request) override;
  Status order_cancel(InstanceContext& caller, keel_order_handle_t order) override;
  Status position_get(InstanceContext& caller, keel_instrument_id_t instrument,
                      keel_position_t& out) override;
  Status account_get(InstanceContext& caller, keel_account_t& out) override;
  Result<keel_timer_handle_t> timer_set(InstanceContext& caller, keel_timestamp_t at,
                                        uint64_t cookie) override;
  Status timer_cancel(InstanceContext& caller, keel_timer_handle_t timer) override;
  Status book_levels(InstanceContext& caller, keel_instrument_id_t instrument, int32_t side,
                     keel_book_level_t* out, size_t max, size_t& count) override;

 private:
  // Something a batched strategy sent from an event the loop has not
  // reached yet, placed when it does.
  struct Staged {
    enum class Kind { order, cancel, timer } kind = Kind::order;
    uint64_t seq = 0;             // the event it was sent from
    OrderTicket ticket;           // order
    keel_order_handle_t order{};  // cancel
    keel_timer_handle_t timer{};  // timer
    keel_timestamp_t at = 0;      // cancel: when sent; timer: when due
    uint64_t cookie = 0;          // timer
  };
  struct Slot {
    const StrategySpec* spec = nullptr;
    std::unique_ptr<StrategyInstance> instance;
    std::vector<keel_instrument_id_t> instruments;
    std::vector<uint8_t> subscribed;  // per instrument: 1 if it trades it
    bool active = true;
    bool in_stop = false;  // inside on_stop: orders are refused
    bool killed = false;   // stopped by the kill switch: still gets on_stop
    std::string status = "completed";
    // ---- batch delivery ----
    bool takes_book = false;         // has on_book: given book events
    bool batched = false;            // takes spans (on_events and the extension)
    const size_t* cursor = nullptr;  // its batch cursor; null: spans of one
    std::vector<keel_event_t> span;  // gathered, in loop order (span_count of them)
    std::vector<uint64_t> span_seq;  // their sequence numbers
    std::vector<uint8_t> book_gap;   // 1: a book event it is not given comes before it
    size_t span_count = 0;
    size_t span_pos = 0;             // the first not yet handled
    size_t window = 0;               // the most events the next delivery offers
    uint64_t handled_seq = 0;        // the last event it handled
    std::vector<Staged> staged;
    Status deferred_failure;  // a failure at a later event than the loop's
    uint64_t failure_seq = 0;
  };
  // The span being delivered (inside on_events), if any.
  struct OpenSpan {
    size_t strategy = SIZE_MAX;
    const keel_event_t* events = nullptr;
    const uint64_t* seqs = nullptr;
    size_t count = 0;
    size_t at = 0;  // the event the host answers for
  };

  // The slot of the strategy calling, or why it is none of this run's.
  Result<size_t> slot_of(InstanceContext& caller);
  // Inside the caller's on_events: moves the host to the event its cursor
  // names (time, marks). Fails on a cursor outside the span or moving back.
  Status follow_cursor(size_t s);
  // True while strategy `s` is handling an event the loop has not reached.
  bool ahead_of_loop(size_t s) const {
    return span_.strategy == s && span_.seqs[span_.at] != ahead_.seq();
  }
  void deliver_span(size_t s, const MarketEvent& event);
  void gather(Slot& slot, const MarketEvent& first);
  // How many of the span's events from span_pos may be delivered now.
  size_t deliverable(size_t s);
  // Places what strategy `s` sent from event `seq`, in the order sent.
  void release(size_t s, uint64_t seq);

  const RunConfig& config_;
  RunState& state_;
  Marks& marks_;
  ReadAhead& ahead_;
  const Portfolio& book_;
  const Portfolio& told_;
  Broker* broker_ = nullptr;
  std::vector<Slot> slots_;
  std::vector<std::vector<size_t>> subscribers_;       // per instrument
  std::vector<std::vector<size_t>> book_subscribers_;  // per instrument: those with on_book
  OrderBook scratch_book_;  // book_levels ahead of the loop (capacity kept)
  OpenSpan span_;
  OrderTicket ticket_;  // reused by per-event orders
  Status failure_;      // a per-event callback's failure, taken by failed()
};

}  // namespace keel
