// engine/run/round_trips.hpp — round-trip trades, built from fills as they
// are booked (trades.csv).
//
// A trade of a strategy on an instrument opens when its position leaves
// zero and closes when it returns to zero. Fills that open or add to the
// position make the entry price (their quantity-weighted average); fills
// that reduce or close it make the exit price. A fill that flips the
// position closes the trade with the part that brought it to zero and opens
// the next trade with the remainder at the fill's price; its fee is split
// between the two in proportion to those quantities.
//
// PnL is the portfolio's own (engine/run/portfolio.hpp): each fill brings
// the realised PnL Portfolio::apply_fill booked for it (average cost, times
// the multiplier), so summed over a strategy's trades
//   sum(net_pnl) = realised + unrealised - fees   of its account,
// the unrealised part coming from the trades still open at the end, valued
// at the book's last mark. "Zero" is the book's zero: a trade closes when
// the book's position is 0 after the fill.
//
// Memory: one slot per (strategy, instrument), sized once; a fill allocates
// nothing (the record handed to the recorder is reused).
#pragma once

#include <cstddef>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/report/records.hpp"
#include "engine/run/portfolio.hpp"

namespace keel {

class RoundTrips {
 public:
  explicit RoundTrips(const RunConfig& config);

  // A fill booked for `strategy` at `ts`: `quantity` > 0, side KEEL_SIDE_*,
  // `realized` the PnL the book realised on it and `position_after` the
  // book's position once it was applied. A trade that closes goes to
  // `recorder`.
  void fill(size_t strategy, keel_instrument_id_t instrument, keel_timestamp_t ts, int32_t side,
            double quantity, double price, double fee, double realized, double position_after,
            RunRecorder& recorder);

  // The trades still open, by strategy then instrument, valued at `book`'s
  // marks: pnl = realised so far + unrealised, `open` set, exit_ts 0. Called
  // once, at the end of the run.
  void record_open(const Portfolio& book, RunRecorder& recorder);

 private:
  struct Open {
    double position = 0;  // signed, as the book holds it; 0: no trade open
    keel_timestamp_t entry_ts = 0;
    double max_abs = 0;
    double entry_qty = 0, entry_value = 0;  // sums of quantity, quantity x price
    double exit_qty = 0, exit_value = 0;
    double pnl = 0, fees = 0;
  };

  void start(Open& t, keel_timestamp_t ts, double quantity, double price, double fee);
  void record(size_t strategy, keel_instrument_id_t instrument, const Open& t,
              keel_timestamp_t exit_ts, bool open, RunRecorder& recorder);

  const RunConfig& config_;
  size_t instrument_count_;
  std::vector<Open> open_;  // [strategy][instrument], dense
  TradeRecord record_;      // reused
};

}  // namespace keel
