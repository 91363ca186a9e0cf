// engine/library/column_recorder.hpp — a run's records kept in memory as
// columns, for keel.run in a Python program (keel.Result's DataFrames).
//
// One vector per column, as the report's CSV files have them
// (engine/report/run_report.hpp), so a column reaches numpy without a copy
// and without a Python object per row. Text that repeats (strategy and
// instrument names, reject reasons) is stored as codes into one list of
// names per kind (a pandas Categorical); enums are int8 codes into the words
// the CSV files use (kSides, ... in run_report.hpp; -1 for a value out of
// range, which the CSV writes as its number). A value the CSV file
// leaves empty is NaN (numbers) or kNoTime (timestamps) here.
//
// It forwards every record to `next` (the RunReportWriter when the caller
// also wants the files), and tracks max drawdown and Sharpe as the writer
// does.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/report/performance.hpp"
#include "engine/report/records.hpp"

namespace keel::library {

// A timestamp column's empty cell (pandas' NaT is this value).
inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// Names seen so far, each once, in order of first use; code() is its index.
class Names {
 public:
  int32_t code(const std::string& name);
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t> index_;
};

struct FillColumns {
  std::vector<int64_t> ts;
  std::vector<int32_t> strategy, instrument;
  std::vector<uint64_t> order_id;
  std::vector<int8_t> side;
  std::vector<double> quantity, price, fee;
  std::vector<int8_t> liquidity;
};

struct OrderColumns {
  std::vector<uint64_t> order_id;
  std::vector<int32_t> strategy, instrument;
  std::vector<int8_t> side, type, time_in_force;
  std::vector<double> quantity, limit_price, stop_price;  // NaN where the CSV is empty
  std::vector<uint64_t> client_tag;
  std::vector<int64_t> submitted_ts, last_update_ts;
  std::vector<int8_t> state;
  std::vector<double> filled_quantity, average_fill_price, fees;
  std::vector<int32_t> reason;  // into reasons; -1 for none
};

struct EquityColumns {
  std::vector<int64_t> ts;
  std::vector<double> cash, equity, realized_pnl, unrealized_pnl, fees, gross_exposure;
};

struct StrategyEquityColumns {
  std::vector<int64_t> ts;
  std::vector<int32_t> strategy;
  std::vector<double> equity;
};

struct TradeColumns {
  std::vector<int32_t> strategy, instrument;
  std::vector<int8_t> direction;                          // 0 short, 1 long
  std::vector<int64_t> entry_ts, exit_ts, duration_ns;    // kNoTime while open
  std::vector<double> quantity, entry_price, exit_price;  // exit_price NaN: nothing reduced it
  std::vector<double> pnl, fees, net_pnl;
  std::vector<uint8_t> open;
};

class ColumnRecorder final : public RunRecorder {
 public:
  explicit ColumnRecorder(RunRecorder* next = nullptr) : next_(next) {}

  void fill(const FillRecord& fill) override;
  void opening(double equity) override {
    performance_.open(equity);
    if (next_ != nullptr) next_->opening(equity);
  }
  void equity(const EquitySample& sample) override;
  void order(const OrderRecord& order) override;
  void strategy_equity(const StrategyEquitySample& sample) override;
  void trade(const TradeRecord& trade) override;

  FillColumns fills;
  OrderColumns orders;
  EquityColumns equity_curve;
  StrategyEquityColumns strategy_equity_curve;
  TradeColumns trades;
  Names strategies, instruments, reasons;
  const PerformanceTracker& performance() const { return performance_; }

 private:
  RunRecorder* next_;
  PerformanceTracker performance_;
};

}  // namespace keel::library
