// engine/run/engine.hpp — one engine run: the loop that replays market data
// through the simulated venue, drives the strategies and books fills. Its
// parts: the Broker (orders, pending events, venue, risk, booking, the kill
// switch; broker.hpp), the StrategyHost (strategy slots, dispatch, batch
// delivery, the run services; strategy_host.hpp) and Marks (marks, model
// marks, equity samples; marks.hpp). The loop ties them.
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
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/core/failure.hpp"
#include "engine/data/event_merger.hpp"
#include "engine/host/host.hpp"
#include "engine/report/records.hpp"
#include "engine/run/broker.hpp"
#include "engine/run/marks.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/read_ahead.hpp"
#include "engine/run/run_state.hpp"
#include "engine/run/strategy_host.hpp"

namespace keel {

struct RunResult {
  RunSummary summary;
  Status failure;                        // why the run stopped early; ok otherwise
  FailureKind kind = FailureKind::none;  // and whose fault that was (the exit code)
  int interrupted_by = 0;  // the stop flag's value when it ended the run (stop_on), else 0
};

class Engine final {
 public:
  Engine(const RunConfig& config, Host& host);
  ~Engine();
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
  void stop_with(const Status& why) { state_.fail(why, FailureKind::bad_input); }

 private:
  // prepare()'s failures: remembers the kind and returns the status.
  Status refuse(FailureKind kind, Status status);
  // The loop's next event (ReadAhead::next); null at the end of the data,
  // and at a data error, which fails the run.
  const MarketEvent* next_event() {
    const MarketEvent* event = ahead_.next();
    if (event == nullptr) [[unlikely]]
      end_of_data();
    return event;
  }
  // The data ended, or failed: a data error fails the run.
  void end_of_data();
  // The drawdown kill switch for the strategies watching the event's
  // instrument that hold it.
  void check_drawdown(keel_instrument_id_t instrument);
  void finish(RunRecorder& recorder);
  RunResult collect();

  const RunConfig& config_;
  Host& host_;
  RunState state_;
  EventMerger data_;
  ReadAhead ahead_{data_};
  Marks marks_;
  Portfolio book_;  // the true book
  Portfolio told_;  // what the strategies have been told
  StrategyHost strategies_;
  Broker broker_;
  std::vector<std::vector<size_t>> drawdown_watched_;  // per instrument: max_drawdown_pct holders
  keel_timestamp_t first_ts_ = 0;
  uint64_t events_ = 0;
  FailureKind prepare_failure_ = FailureKind::none;
  static const std::atomic<int> kNeverStop;
  const std::atomic<int>* stop_flag_ = &kNeverStop;  // stop_on
  int interrupted_by_ = 0;
};

}  // namespace keel
