// engine/report/records.hpp — what a run records for its output files.
// The loop produces these; engine/report writes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keel/market.h"

namespace keel {

// One row of fills.csv.
struct FillRecord {
  keel_timestamp_t ts = 0;
  std::string strategy;
  std::string instrument;
  uint64_t order_id = 0;
  int32_t side = KEEL_SIDE_BUY;  // KEEL_SIDE_*
  double quantity = 0;
  double price = 0;
  double fee = 0;
  int32_t liquidity = KEEL_LIQUIDITY_TAKER;  // KEEL_LIQUIDITY_*
};

// One row of orders.csv: an order's whole life, written when the run ends.
struct OrderRecord {
  uint64_t order_id = 0;
  std::string strategy;
  std::string instrument;
  int32_t side = KEEL_SIDE_BUY;
  int32_t type = KEEL_ORDER_MARKET;      // KEEL_ORDER_*
  int32_t time_in_force = KEEL_TIF_GTC;  // KEEL_TIF_*
  double quantity = 0;
  double limit_price = 0;  // 0 when not a limit
  double stop_price = 0;   // 0 when not a stop
  uint64_t client_tag = 0;
  keel_timestamp_t submitted_ts = 0;
  keel_timestamp_t last_update_ts = 0;
  int32_t state = KEEL_ORDER_PENDING;  // final state, KEEL_ORDER_*
  double filled_quantity = 0;
  double average_fill_price = 0;
  double fees = 0;
  std::string reason;  // why rejected / cancelled / expired; "" otherwise
};

// One row of equity.csv: the whole run's account (all strategies) at `ts`.
struct EquitySample {
  keel_timestamp_t ts = 0;
  double cash = 0;
  double equity = 0;
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  double fees = 0;
  double gross_exposure = 0;  // sum of |position value|
};

// One row of equity_by_strategy.csv: one strategy's own book (its account
// equity) at an equity sample. A sample gives one of these per strategy, in
// the run file's order, right after the EquitySample of the same `ts`; at
// each `ts` their equities sum (in that order) to the EquitySample's.
struct StrategyEquitySample {
  keel_timestamp_t ts = 0;
  uint32_t strategy_index = 0;  // the strategy's place in the run file
  std::string strategy;
  double equity = 0;
};

// One row of trades.csv: a round trip of one strategy on one instrument. It
// opens when the strategy's position leaves zero and closes when it returns
// to zero; a fill that flips the position closes the trade and opens the
// next with the remainder, its fee split pro rata between the two. Trades
// are recorded as they close; those still open at the end follow, with
// `open` set (see engine/run/round_trips.hpp for the accounting).
struct TradeRecord {
  std::string strategy;
  std::string instrument;
  int32_t direction = 1;          // +1 long, -1 short
  keel_timestamp_t entry_ts = 0;  // the fill that opened it
  keel_timestamp_t exit_ts = 0;   // the fill that closed it; 0 while open
  double quantity = 0;            // largest |position| held during the trade
  double entry_price = 0;         // average price of the fills that opened / added
  double exit_price = 0;          // average price of the fills that reduced / closed; 0: none
  double pnl = 0;                 // realised (x multiplier, average cost), gross of fees;
                                  // an open trade adds its unrealised PnL at the last mark
  double fees = 0;                // the trade's share of its fills' fees
  double net_pnl = 0;             // pnl - fees
  bool open = false;              // still open at the end of the run
};

// summary.json's per-strategy block.
struct StrategySummary {
  std::string name;
  std::string factory;
  std::string status;  // "completed", "interrupted", "stopped: <why>", "disabled: <why>",
                       // "killed: drawdown ..."
  double initial_cash = 0;
  double final_equity = 0;
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  double total_fees = 0;
  uint64_t num_orders = 0;
  uint64_t num_fills = 0;
};

// Everything summary.json says about a run.
struct RunSummary {
  std::string run_name;
  std::string status;  // "completed", "interrupted", or "failed: <why>" / "stopped: <why>"
  std::string currency;
  keel_timestamp_t first_event_ts = 0;
  keel_timestamp_t last_event_ts = 0;
  uint64_t events = 0;
  double initial_cash = 0;
  double final_equity = 0;
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  double total_fees = 0;
  uint64_t num_orders = 0;
  uint64_t num_fills = 0;
  double max_drawdown = 0;  // fraction of peak equity, from the equity samples
  double sharpe = 0;        // annualised, see engine/report/performance.hpp
  std::vector<StrategySummary> strategies;
};

// Where a run's records go as they happen: RunReportWriter streams them to
// the report files, tests keep them in memory.
class RunRecorder {
 public:
  virtual ~RunRecorder() = default;
  // The run's equity before its first event (the initial cash of every
  // strategy), once, before any other record: where the performance
  // figures start (engine/report/performance.hpp).
  virtual void opening(double equity) { (void)equity; }
  virtual void fill(const FillRecord& fill) = 0;
  virtual void equity(const EquitySample& sample) = 0;
  // An order's final record, once it changes no more. Orders come in
  // order_id order: an order waits for every order before it to finish.
  virtual void order(const OrderRecord& order) = 0;
  // One strategy's equity at an equity sample, after equity() for that
  // sample (one call per strategy). A recorder that keeps no such rows
  // leaves this as it is.
  virtual void strategy_equity(const StrategyEquitySample& sample) { (void)sample; }
  // A round trip, when it closes; the trades still open come at the end of
  // the run, after the last equity sample.
  virtual void trade(const TradeRecord& trade) { (void)trade; }
};

}  // namespace keel
