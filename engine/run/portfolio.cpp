#include "engine/run/portfolio.hpp"

#include <algorithm>
#include <cmath>

namespace keel {

Portfolio::Portfolio(const InstrumentTable& instruments, const std::vector<double>& initial_cash)
    : instruments_(instruments),
      instrument_count_(instruments.size()),
      initial_cash_(initial_cash),
      cash_(initial_cash),
      positions_(initial_cash.size() * instruments.size()),
      traded_(initial_cash.size()),
      own_marks_(std::make_unique<MarkTable>(instruments.size())),
      marks_(own_marks_.get()) {}

Portfolio::Portfolio(const InstrumentTable& instruments, const std::vector<double>& initial_cash,
                     MarkTable& marks)
    : instruments_(instruments),
      instrument_count_(instruments.size()),
      initial_cash_(initial_cash),
      cash_(initial_cash),
      positions_(initial_cash.size() * instruments.size()),
      traded_(initial_cash.size()),
      marks_(&marks) {}

double Portfolio::apply_fill(size_t strategy, keel_instrument_id_t instrument, int32_t side,
                             double quantity, double price, double fee) {
  const Instrument& spec = instruments_.get(instrument);
  Position& p = positions_[strategy * instrument_count_ + instrument];
  std::vector<keel_instrument_id_t>& traded = traded_[strategy];
  if (auto at = std::lower_bound(traded.begin(), traded.end(), instrument);
      at == traded.end() || *at != instrument) {
    traded.insert(at, instrument);
  }
  const double signed_qty = side == KEEL_SIDE_BUY ? quantity : -quantity;
  double realized = 0;
  if (p.quantity == 0 || (p.quantity > 0) == (signed_qty > 0)) {
    const double total = std::abs(p.quantity) + quantity;
    p.average_price = (std::abs(p.quantity) * p.average_price + quantity * price) / total;
    p.quantity += signed_qty;
  } else {
    const double closed = std::min(quantity, std::abs(p.quantity));
    const double direction = p.quantity > 0 ? 1.0 : -1.0;
    realized = closed * (price - p.average_price) * direction * spec.multiplier;
    p.quantity += signed_qty;
    if (std::abs(p.quantity) < 1e-12) {
      p.quantity = 0;
      p.average_price = 0;
    } else if ((p.quantity > 0) != (direction > 0)) {
      p.average_price = price;  // flipped: the remainder opens at the fill price
    }
  }
  p.realized_pnl += realized;
  p.fees += fee;
  if (spec.kind == KEEL_INSTRUMENT_FUTURE) {
    cash_[strategy] += realized - fee;
  } else {
    cash_[strategy] -= signed_qty * price * spec.multiplier + fee;
  }
  return realized;
}

double Portfolio::unrealized(size_t strategy, keel_instrument_id_t instrument) const {
  const Position& p = position(strategy, instrument);
  if (p.quantity == 0 || !has_mark(instrument)) return 0;
  return p.quantity * (mark(instrument) - p.average_price) *
         instruments_.get(instrument).multiplier;
}

double Portfolio::market_value(size_t strategy, keel_instrument_id_t instrument) const {
  const Position& p = position(strategy, instrument);
  if (p.quantity == 0) return 0;
  const Instrument& spec = instruments_.get(instrument);
  if (spec.kind == KEEL_INSTRUMENT_FUTURE) return unrealized(strategy, instrument);
  // Without a mark yet, carry the position at cost.
  const double mark = has_mark(instrument) ? this->mark(instrument) : p.average_price;
  return p.quantity * mark * spec.multiplier;
}

keel_position_t Portfolio::position_view(size_t strategy, keel_instrument_id_t instrument) const {
  const Position& p = position(strategy, instrument);
  keel_position_t out{};
  out.instrument = instrument;
  out.quantity = p.quantity;
  out.average_price = p.average_price;
  out.realized_pnl = p.realized_pnl;
  out.unrealized_pnl = unrealized(strategy, instrument);
  out.fees = p.fees;
  out.mark_price = mark(instrument);
  return out;
}

keel_account_t Portfolio::account(size_t strategy) const {
  keel_account_t a{};
  a.cash = cash_[strategy];
  a.equity = cash_[strategy];
  for (keel_instrument_id_t i : traded_[strategy]) {
    const Position& p = position(strategy, i);
    a.realized_pnl += p.realized_pnl;
    a.fees += p.fees;
    if (p.quantity == 0) continue;
    a.equity += market_value(strategy, i);
    a.unrealized_pnl += unrealized(strategy, i);
    const double mark = has_mark(i) ? this->mark(i) : p.average_price;
    a.gross_notional += std::abs(p.quantity) * mark * instruments_.get(i).multiplier;
  }
  return a;
}

double Portfolio::futures_cost(size_t strategy) const {
  double cost = 0;
  for (keel_instrument_id_t i : traded_[strategy]) {
    const Position& p = position(strategy, i);
    const Instrument& spec = instruments_.get(i);
    if (p.quantity == 0 || spec.kind != KEEL_INSTRUMENT_FUTURE) continue;
    cost += std::abs(p.quantity) * p.average_price * spec.multiplier;
  }
  return cost;
}

keel_account_t Portfolio::total() const {
  keel_account_t sum{};
  for (size_t s = 0; s < strategy_count(); ++s) {
    const keel_account_t a = account(s);
    sum.cash += a.cash;
    sum.equity += a.equity;
    sum.realized_pnl += a.realized_pnl;
    sum.unrealized_pnl += a.unrealized_pnl;
    sum.fees += a.fees;
    sum.gross_notional += a.gross_notional;
  }
  return sum;
}

}  // namespace keel
