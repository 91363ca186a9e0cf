// engine/run/engine.hpp — one engine run: the event loop that replays market
// data through the simulated venue, drives the strategies and books fills.
//
// Per market event, in this order:
//   1. everything scheduled at or before its time: orders and cancels
//      reaching the venue, reports reaching strategies, timers;
//   2. the venue matches the event's instrument (fills, expiries);
//   3. reports that are due now (report_latency_ns == 0) are delivered, so a
//      fill reaches a strategy before the event that caused it;
//   4. marks, equity sampling and the drawdown kill switch;
//   5. the event goes to every active strategy subscribed to its instrument.
// After the last event: remaining reports are delivered, working orders
// expire ("end of run"), and every strategy gets on_stop.
//
// The Engine is the RunServices behind the host table's order, position,
// account, timer and clock members while it runs.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/core/failure.hpp"
#include "engine/data/event_merger.hpp"
#include "engine/host/host.hpp"
#include "engine/host/strategy_instance.hpp"
#include "engine/plugin/handle_table.hpp"
#include "engine/report/records.hpp"
#include "engine/run/order.hpp"
#include "engine/run/pending_events.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/risk.hpp"
#include "engine/run/venue.hpp"

namespace keel {

struct RunResult {
  RunSummary summary;
  Status failure;  // why the run stopped early; ok otherwise
  FailureKind kind = FailureKind::none;  // and whose fault that was (the exit code)
  int interrupted_by = 0;  // the stop flag's value when it ended the run (stop_on), else 0
};

class Engine final : public RunServices {
 public:
  Engine(const RunConfig& config, Host& host);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads plugins, creates the pricing models and strategies, opens the data
  // files. Errors name the run file's JSON pointer or the data file;
  // prepare_failure() says whose fault a failure was.
  Status prepare();
  FailureKind prepare_failure() const { return prepare_failure_; }

  // Runs to the end of the data, or until a strategy error stops the run.
  // Fills, equity samples and the orders' final records go to `recorder` as
  // they happen. `progress` (may be empty) is called every few thousand
  // events.
  using Progress = std::function<void(uint64_t events, keel_timestamp_t now)>;
  RunResult run(RunRecorder& recorder, const Progress& progress);

  // Stops the run at the next market event once `flag` is not 0 (a relaxed
  // load per event; a signal handler may set it): the event is not handled,
  // the run ends as after the last event (reports in flight are dropped,
  // working orders expire, on_stop) with status "interrupted", and
  // RunResult::interrupted_by holds the flag's value. `flag` outlives run().
  void stop_on(const std::atomic<int>& flag) { stop_flag_ = &flag; }
  // Ends the run at the next event as failed with `why` (e.g. the report
  // cannot be written). Call it on the loop's thread: from `progress`.
  void stop_with(const Status& why) { fail(why, FailureKind::bad_input); }

  // ---- RunServices ----------------------------------------------------------
  keel_timestamp_t now() override { return now_; }
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

 private:
  struct StrategySlot {
    const StrategySpec* spec = nullptr;
    std::unique_ptr<StrategyInstance> instance;
    std::vector<keel_instrument_id_t> instruments;
    std::vector<bool> subscribed;  // per instrument
    bool active = true;
    bool in_stop = false;  // inside on_stop: orders are refused
    bool killed = false;   // stopped by the kill switch: still gets on_stop
    std::string status = "completed";
    double peak_equity = 0;
    int64_t open_orders = 0;
    std::vector<double> open_buy, open_sell;  // per instrument
    double held = 0;  // buying power its open orders hold (check_buying_power)
    uint64_t orders = 0, fills = 0;
    // Batch delivery (StrategyInstance::takes_batches): the last event
    // (sequence number) it has been given, and what it did while handling a
    // batch: held back until the loop reaches the event it acted on, then
    // scheduled as if it had been sent from there.
    uint64_t delivered_seq = 0;
    uint64_t release_seq = 0;
    keel_timestamp_t release_ts = 0, deferred_from_ts = 0;
    std::vector<PendingEvent> deferred;
    std::vector<uint64_t> deferred_orders;
    // A batch that failed at a later event than its first: the failure is
    // applied when the loop reaches that event (release_seq), as per-event
    // delivery would have.
    Status deferred_failure;
  };
  struct TimerEntry {
    size_t strategy;
  };

  Result<size_t> strategy_of(InstanceContext& caller);
  // An order update for the strategy at `at`: the order as it is now, or as
  // it was right after one venue event (state, filled, average price).
  void schedule_report(const Order& order, keel_timestamp_t at);
  void schedule_report(const Order& order, keel_timestamp_t at, int32_t state, double filled,
                       double average_price);
  PendingEvent order_report(const Order& order, keel_timestamp_t at, int32_t state, double filled,
                            double average_price) const;
  // Buying power for an order of strategy `s` not yet counted as open
  // (check_buying_power): "" and the order's hold set, or why it is refused.
  std::string check_account(size_t s, Order& order);
  // Inside a batch the marks are still the batch's first event's, so orders
  // sent there are checked when the loop reaches the event they were sent
  // from (release_deferred), against what per-event delivery would have
  // seen: in the order sent, each counting the ones before it. A refused
  // one's arrival becomes its REJECTED report.
  void check_deferred_accounts(size_t s);
  // The price a market order is valued at: the last mid, else the mark.
  double reference_price(keel_instrument_id_t instrument) const {
    return mids_[instrument] > 0 ? mids_[instrument] : portfolio_->mark(instrument);
  }
  void process_pending(keel_timestamp_t until);
  void handle_pending(PendingEvent& event);
  void handle_order_event(PendingEvent& event, Order& order);
  void book(std::vector<VenueEvent>& events, RunRecorder& recorder);
  void release_open(Order& order);
  // An order referred to by one fewer scheduled event; retired when it is
  // also terminal (its strategy's handle goes with it).
  void release_reference(Order& order);
  void retire_if_done(Order& order);
  // Hands the retired orders at the front of the store to the recorder.
  void record_retired(RunRecorder& recorder);
  void record(const Order& order, RunRecorder& recorder);  // its final record
  void update_marks(const MarketEvent& event);
  // Marks the model-marked options on `underlying` (every one when
  // KEEL_NO_INSTRUMENT) that have no quote of their own, at now_.
  void mark_options_by_model(keel_instrument_id_t underlying);
  // `at_end`: not again when the last sample already shows this moment.
  void sample_equity(keel_timestamp_t ts, RunRecorder& recorder, bool at_end = false);
  void check_drawdown(keel_instrument_id_t instrument);
  void kill(size_t strategy, const std::string& why);
  // Cancels every order of a strategy, working or travelling, with `reason`.
  void cancel_everything(size_t strategy, const char* reason);
  void dispatch(const MarketEvent& event);
  // ---- batch delivery (a strategy with on_events) ----
  // The next event for the loop: read ahead for a batch, else from the data.
  Result<bool> next_event(MarketEvent& out);
  struct AheadEvent {
    MarketEvent event;
    uint64_t seq = 0;
  };
  // The next event from the data (buffered), false at its end.
  Result<bool> read_data(MarketEvent& out);
  // The i-th event after the current one (reading ahead), or null at the end.
  const AheadEvent* peek(size_t i);
  // Nothing can happen to strategy `s` between its next events but what it
  // does itself: no open orders, nothing scheduled, no kill switch armed,
  // no risk check that prices an order at the (moving) last mid. (Buying
  // power reads the marks too, but waits for them: check_deferred_accounts.)
  bool batch_safe(size_t s);
  Status deliver_batch(size_t s, const MarketEvent& first);
  void release_deferred(size_t s);
  // pending_.push, or held back while strategy event.strategy handles a batch.
  void schedule(const PendingEvent& event);
  // Applies a strategy callback's status: disable the strategy or stop the run.
  void strategy_failed(size_t strategy, const Status& status);
  void finish(RunRecorder& recorder);
  // Ends the run early; the first failure is the one reported.
  void fail(const Status& status, FailureKind kind);
  // prepare()'s failures: remembers the kind and returns the status.
  Status refuse(FailureKind kind, Status status);
  // Ends the run early because the stop_on flag says `flag`.
  [[gnu::cold]] void interrupt(int flag);
  RunResult collect();
  double fee_for(const Order& order, double quantity, double price, int32_t liquidity) const;

  const RunConfig& config_;
  Host& host_;
  EventMerger data_;
  OrderStore orders_;
  Venue venue_;
  std::unique_ptr<Portfolio> portfolio_;
  PendingEvents pending_;
  HandleTable<KEEL_HANDLE_KIND_ORDER, uint64_t> order_handles_;
  HandleTable<KEEL_HANDLE_KIND_TIMER, TimerEntry> timers_;
  std::vector<StrategySlot> strategies_;
  std::unordered_map<const InstanceContext*, size_t> strategy_by_context_;
  std::vector<keel_model_handle_t> models_;
  std::vector<std::vector<size_t>> subscribers_;  // per instrument
  std::vector<std::vector<size_t>> drawdown_watched_;  // per instrument: subscribers with max_drawdown_pct
  std::vector<double> mids_;                      // per instrument, last quote mid
  // Options with a "mark" in the run file: priced by a model of the run
  // while they have no quote.
  struct ModelMarkedOption {
    keel_instrument_id_t option;
    std::shared_ptr<ModelInstance> model;
  };
  std::vector<ModelMarkedOption> model_marked_;
  std::vector<std::vector<size_t>> model_marked_by_underlying_;  // per instrument
  std::vector<VenueEvent> venue_events_;           // reused, no allocation per event
  OrderRecord order_record_;                       // reused
  std::vector<MarketEvent> input_;                 // read from the data, not yet taken
  size_t input_position_ = 0, input_count_ = 0;
  std::deque<AheadEvent> ahead_;                   // read ahead for a batch, not yet looped
  Status ahead_status_;                            // a data error met while reading ahead
  bool ahead_end_ = false;
  uint64_t read_seq_ = 0;   // events read from the data so far
  uint64_t event_seq_ = 0;  // the sequence number of the event the loop is at
  std::vector<keel_event_t> batch_;                // reused
  std::vector<uint64_t> batch_seqs_;
  std::optional<size_t> batch_strategy_;           // inside its on_events
  keel_timestamp_t now_ = 0;
  keel_timestamp_t first_ts_ = 0;
  keel_timestamp_t next_sample_ = 0;
  std::optional<EquitySample> last_sample_;
  uint64_t events_ = 0;
  std::string run_status_ = "completed";
  Status failure_;
  FailureKind failure_kind_ = FailureKind::none;
  FailureKind prepare_failure_ = FailureKind::none;
  bool stop_ = false;
  static const std::atomic<int> kNeverStop;
  const std::atomic<int>* stop_flag_ = &kNeverStop;  // stop_on
  int interrupted_by_ = 0;
};

}  // namespace keel
