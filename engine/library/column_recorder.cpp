// engine/library/column_recorder.cpp — see column_recorder.hpp.
#include "engine/library/column_recorder.hpp"

#include <cmath>

#include "engine/report/run_report.hpp"

namespace keel::library {
namespace {

// An enum's code into its word list, -1 when out of range.
template <size_t N>
int8_t word_code(int32_t value, const char* const (&)[N]) {
  return value >= 0 && static_cast<size_t>(value) < N ? static_cast<int8_t>(value) : int8_t{-1};
}

}  // namespace

int32_t Names::code(const std::string& name) {
  auto [it, added] = index_.try_emplace(name, static_cast<int32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void ColumnRecorder::fill(const FillRecord& f) {
  fills.ts.push_back(f.ts);
  fills.strategy.push_back(strategies.code(f.strategy));
  fills.instrument.push_back(instruments.code(f.instrument));
  fills.order_id.push_back(f.order_id);
  fills.side.push_back(word_code(f.side, kSides));
  fills.quantity.push_back(f.quantity);
  fills.price.push_back(f.price);
  fills.fee.push_back(f.fee);
  fills.liquidity.push_back(word_code(f.liquidity, kLiquidity));
  if (next_ != nullptr) next_->fill(f);
}

void ColumnRecorder::equity(const EquitySample& e) {
  equity_curve.ts.push_back(e.ts);
  equity_curve.cash.push_back(e.cash);
  equity_curve.equity.push_back(e.equity);
  equity_curve.realized_pnl.push_back(e.realized_pnl);
  equity_curve.unrealized_pnl.push_back(e.unrealized_pnl);
  equity_curve.fees.push_back(e.fees);
  equity_curve.gross_exposure.push_back(e.gross_exposure);
  performance_.add(e);
  if (next_ != nullptr) next_->equity(e);
}

void ColumnRecorder::order(const OrderRecord& o) {
  const double nan = std::nan("");
  orders.order_id.push_back(o.order_id);
  orders.strategy.push_back(strategies.code(o.strategy));
  orders.instrument.push_back(instruments.code(o.instrument));
  orders.side.push_back(word_code(o.side, kSides));
  orders.type.push_back(word_code(o.type, kTypes));
  orders.time_in_force.push_back(word_code(o.time_in_force, kTifs));
  orders.quantity.push_back(o.quantity);
  // Empty in orders.csv, NaN here (run_report.hpp).
  orders.limit_price.push_back(has_limit(o.type) || o.limit_price != 0 ? o.limit_price : nan);
  orders.stop_price.push_back(has_stop(o.type) || o.stop_price != 0 ? o.stop_price : nan);
  orders.client_tag.push_back(o.client_tag);
  orders.submitted_ts.push_back(o.submitted_ts);
  orders.last_update_ts.push_back(o.last_update_ts);
  orders.state.push_back(word_code(o.state, kStates));
  orders.filled_quantity.push_back(o.filled_quantity);
  orders.average_fill_price.push_back(o.average_fill_price);
  orders.fees.push_back(o.fees);
  orders.reason.push_back(o.reason.empty() ? -1 : reasons.code(o.reason));
  if (next_ != nullptr) next_->order(o);
}

void ColumnRecorder::strategy_equity(const StrategyEquitySample& e) {
  strategy_equity_curve.ts.push_back(e.ts);
  strategy_equity_curve.strategy.push_back(strategies.code(e.strategy));
  strategy_equity_curve.equity.push_back(e.equity);
  if (next_ != nullptr) next_->strategy_equity(e);
}

void ColumnRecorder::trade(const TradeRecord& t) {
  trades.strategy.push_back(strategies.code(t.strategy));
  trades.instrument.push_back(instruments.code(t.instrument));
  trades.direction.push_back(t.direction < 0 ? 0 : 1);
  trades.entry_ts.push_back(t.entry_ts);
  trades.exit_ts.push_back(t.open ? kNoTime : t.exit_ts);
  trades.duration_ns.push_back(t.open ? kNoTime : t.exit_ts - t.entry_ts);
  trades.quantity.push_back(t.quantity);
  trades.entry_price.push_back(t.entry_price);
  trades.exit_price.push_back(!t.open || t.exit_price != 0 ? t.exit_price : std::nan(""));
  trades.pnl.push_back(t.pnl);
  trades.fees.push_back(t.fees);
  trades.net_pnl.push_back(t.net_pnl);
  trades.open.push_back(t.open ? 1 : 0);
  if (next_ != nullptr) next_->trade(t);
}

}  // namespace keel::library
