// engine/run/portfolio.hpp — positions, cash and PnL per strategy.
//
// Accounting: average cost. A fill that adds to a position (or opens one)
// moves the average price; a fill against it realises
//   (fill price - average price) * closed quantity * multiplier  (longs; shorts mirrored)
// and a fill larger than the position flips it, opening the remainder at the
// fill price. Fees are charged to cash and kept apart from realised PnL.
// Equities and options exchange their notional for cash; futures exchange
// only realised PnL (variation margin), so for every kind
//   equity = initial cash + realised + unrealised - fees.
// Positions are marked to the quote mid, else the last trade, else the last
// bar close; an option with no market data is marked by a pricing model
// through Portfolio::set_mark.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/market/instrument.hpp"
#include "keel/market.h"

namespace keel {

struct Position {
  double quantity = 0;  // signed
  double average_price = 0;
  double realized_pnl = 0;
  double fees = 0;
};

// The price each instrument is valued at. Several books may share one (a
// run's true book and the book of what its strategies have been told).
class MarkTable {
 public:
  explicit MarkTable(size_t instrument_count)
      : marks_(instrument_count, 0.0), marked_(instrument_count, 0) {}
  // A new mark; returns true if it changed.
  bool set(keel_instrument_id_t instrument, double price) {
    // 0 is a real mark (an option expiring worthless); negative or NaN is not.
    if (!(price >= 0) || !std::isfinite(price)) return false;
    if (marked_[instrument] && marks_[instrument] == price) return false;
    marks_[instrument] = price;
    marked_[instrument] = 1;
    return true;
  }
  // Puts back a mark as it was (undoing a look-ahead, engine/run/marks.hpp).
  void restore(keel_instrument_id_t instrument, double price, bool marked) {
    marks_[instrument] = price;
    marked_[instrument] = marked ? 1 : 0;
  }
  double get(keel_instrument_id_t instrument) const { return marks_[instrument]; }
  bool has(keel_instrument_id_t instrument) const { return marked_[instrument] != 0; }

 private:
  std::vector<double> marks_;    // meaningful where marked_
  std::vector<uint8_t> marked_;  // bytes, not bits: set on every quote
};

class Portfolio {
 public:
  // A book with marks of its own.
  Portfolio(const InstrumentTable& instruments, const std::vector<double>& initial_cash);
  // A book valued at `marks`, which outlives it.
  Portfolio(const InstrumentTable& instruments, const std::vector<double>& initial_cash,
            MarkTable& marks);

  // Books a fill for `strategy`. `quantity` > 0; side KEEL_SIDE_*. Returns
  // the PnL it realised (0 for a fill that opens or adds).
  double apply_fill(size_t strategy, keel_instrument_id_t instrument, int32_t side, double quantity,
                    double price, double fee);
  // A new mark for an instrument; returns true if it changed. (Inline: the
  // loop calls it on every quote.)
  bool set_mark(keel_instrument_id_t instrument, double price) {
    return marks_->set(instrument, price);
  }
  double mark(keel_instrument_id_t instrument) const { return marks_->get(instrument); }
  bool has_mark(keel_instrument_id_t instrument) const { return marks_->has(instrument); }

  const Position& position(size_t strategy, keel_instrument_id_t instrument) const {
    return positions_[strategy * instrument_count_ + instrument];
  }
  keel_position_t position_view(size_t strategy, keel_instrument_id_t instrument) const;
  keel_account_t account(size_t strategy) const;
  // What the strategy's futures positions cost to open, |quantity| x average
  // price x multiplier summed: futures move no cash when they fill, so a cash
  // account holds this much of its cash against them.
  double futures_cost(size_t strategy) const;
  // The whole run: every strategy's account summed.
  keel_account_t total() const;

  size_t strategy_count() const { return cash_.size(); }
  double initial_cash(size_t strategy) const { return initial_cash_[strategy]; }

 private:
  double unrealized(size_t strategy, keel_instrument_id_t instrument) const;
  double market_value(size_t strategy, keel_instrument_id_t instrument) const;

  const InstrumentTable& instruments_;
  size_t instrument_count_;
  std::vector<double> initial_cash_;
  std::vector<double> cash_;
  std::vector<Position> positions_;  // [strategy][instrument], dense
  // Per strategy, the instruments it ever traded, ascending: an account sums
  // over these only (the others add exact zeros), so valuing an account
  // (the drawdown check, every event it watches) does not grow with the
  // run's instruments.
  std::vector<std::vector<keel_instrument_id_t>> traded_;
  std::unique_ptr<MarkTable> own_marks_;  // when constructed without shared marks
  MarkTable* marks_;
};

}  // namespace keel
