#include "engine/run/round_trips.hpp"

#include <algorithm>
#include <cmath>

namespace keel {

RoundTrips::RoundTrips(const RunConfig& config)
    : config_(config),
      instrument_count_(config.instruments.size()),
      open_(config.strategies.size() * config.instruments.size()) {}

void RoundTrips::start(Open& t, keel_timestamp_t ts, double quantity, double price, double fee) {
  t = Open{};
  t.entry_ts = ts;
  t.entry_qty = quantity;
  t.entry_value = quantity * price;
  t.fees = fee;
}

void RoundTrips::fill(size_t strategy, keel_instrument_id_t instrument, keel_timestamp_t ts,
                      int32_t side, double quantity, double price, double fee, double realized,
                      double position_after, RunRecorder& recorder) {
  Open& t = open_[strategy * instrument_count_ + instrument];
  const double signed_qty = side == KEEL_SIDE_BUY ? quantity : -quantity;
  if (t.position == 0 || (t.position > 0) == (signed_qty > 0)) {
    // Opens a trade or adds to it.
    if (t.position == 0) {
      start(t, ts, quantity, price, fee);
    } else {
      t.entry_qty += quantity;
      t.entry_value += quantity * price;
      t.fees += fee;
    }
    t.pnl += realized;  // 0: the book realises nothing on an opening fill
  } else {
    // Reduces, closes or flips it.
    const double closed = std::min(quantity, std::abs(t.position));
    const bool flipped = position_after != 0 && (position_after > 0) != (t.position > 0);
    const double closing_fee = flipped ? fee * (closed / quantity) : fee;
    t.exit_qty += closed;
    t.exit_value += closed * price;
    t.pnl += realized;
    t.fees += closing_fee;
    if (position_after == 0 || flipped) {
      record(strategy, instrument, t, ts, /*open=*/false, recorder);
      t = Open{};
    }
    if (flipped) start(t, ts, quantity - closed, price, fee - closing_fee);
  }
  t.position = position_after;
  t.max_abs = std::max(t.max_abs, std::abs(position_after));
}

void RoundTrips::record_open(const Portfolio& book, RunRecorder& recorder) {
  for (size_t s = 0; s < config_.strategies.size(); ++s) {
    for (keel_instrument_id_t i = 0; i < instrument_count_; ++i) {
      Open t = open_[s * instrument_count_ + i];
      if (t.position == 0) continue;
      t.pnl += book.position_view(s, i).unrealized_pnl;
      record(s, i, t, 0, /*open=*/true, recorder);
    }
  }
}

void RoundTrips::record(size_t strategy, keel_instrument_id_t instrument, const Open& t,
                        keel_timestamp_t exit_ts, bool open, RunRecorder& recorder) {
  TradeRecord& r = record_;
  r.strategy = config_.strategies[strategy].name;  // assign: reuses the capacity
  r.instrument = config_.instruments.get(instrument).symbol;
  r.direction = t.position > 0 ? 1 : -1;
  r.entry_ts = t.entry_ts;
  r.exit_ts = exit_ts;
  r.quantity = t.max_abs;
  r.entry_price = t.entry_qty > 0 ? t.entry_value / t.entry_qty : 0;
  r.exit_price = t.exit_qty > 0 ? t.exit_value / t.exit_qty : 0;
  r.pnl = t.pnl;
  r.fees = t.fees;
  r.net_pnl = t.pnl - t.fees;
  r.open = open;
  recorder.trade(r);
}

}  // namespace keel
