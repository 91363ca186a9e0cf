// Compiled with -ffp-contract=off (engine/data/CMakeLists.txt): a fused
// multiply-add rounds differently, and the files must be the same everywhere.
#include "engine/data/synthetic.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <queue>
#include <set>
#include <system_error>
#include <utility>

#include "engine/market/timestamp.hpp"

namespace keel {

// ---- PRNG and portable math ---------------------------------------------

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000: 32 bits
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// 1/n, rounded once at compile time (IEEE division is exactly rounded).
constexpr auto kInverse = [] {
  std::array<double, 24> table{};
  for (int n = 1; n < 24; ++n) table[n] = 1.0 / n;
  return table;
}();

}  // namespace

SyntheticRng::SyntheticRng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = splitmix64(state);
}

uint64_t SyntheticRng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double SyntheticRng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double SyntheticRng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u = 0, v = 0, s = 0;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double factor = std::sqrt(-2 * portable_log(s) / s);  // sqrt is exactly rounded
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

double SyntheticRng::exponential(double rate) { return -portable_log(1 - uniform()) / rate; }

double portable_log(double x) {
  if (std::isnan(x) || x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;
  int exponent = 0;
  double m = std::frexp(x, &exponent);  // exact: x = m * 2^exponent, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --exponent;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172: odd series to s^23.
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double series = kInverse[23];
  for (int k = 21; k >= 1; k -= 2) series = kInverse[k] + s2 * series;
  const double e = exponent;
  return e * kLn2Hi + (e * kLn2Lo + 2 * s * series);
}

double portable_exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.1332191019412) return 0;
  // x = k ln2 + r, |r| <= ln2/2; exp(r) by its Taylor series to r^15.
  const double k = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double p = 1;
  for (int n = 15; n >= 1; --n) p = 1 + r * p * kInverse[n];
  return std::ldexp(p, static_cast<int>(k));  // exact scaling (or correctly rounded subnormal)
}

// ---- the simulation --------------------------------------------------------

namespace {

constexpr double kTradingSecondsPerDay = 6.5 * 3600;
constexpr double kTradingDaysPerYear = 252;
constexpr double kTick = 0.01;
constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

struct QuoteRow {
  int64_t ts;
  int64_t bid, bid_size, ask, ask_size;  // prices in ticks, sizes in shares
};
struct TradeRow {
  int64_t ts;
  int64_t price, size;
};
struct BarRow {
  int64_t ts;
  int64_t open, high, low, close, volume;
};
struct DepthRow {
  int64_t ts, exch_ts;
  int side;             // 0 bid, 1 ask
  int64_t price, size;  // the level's new total; 0 removes it
};

constexpr const char* kDepthHeader = "ts,instrument,side,price,size,exch_ts";

struct DayRows {
  std::vector<QuoteRow> quotes;
  std::vector<TradeRow> trades;
  std::vector<BarRow> bars;
  std::vector<DepthRow> depth;
  void clear() {
    quotes.clear();
    trades.clear();
    bars.clear();
    depth.clear();
  }
  int64_t ts(DataFormat kind, size_t i) const {
    switch (kind) {
      case DataFormat::quotes:
        return quotes[i].ts;
      case DataFormat::trades:
        return trades[i].ts;
      case DataFormat::bars:
        return bars[i].ts;
      case DataFormat::depth:
        return depth[i].ts;
    }
    return 0;
  }
  size_t size(DataFormat kind) const {
    switch (kind) {
      case DataFormat::quotes:
        return quotes.size();
      case DataFormat::trades:
        return trades.size();
      case DataFormat::bars:
        return bars.size();
      case DataFormat::depth:
        return depth.size();
    }
    return 0;
  }
};

uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

class InstrumentSim {
 public:
  InstrumentSim(const SyntheticSpec& spec, const std::string& symbol)
      : rng_([&] {
          uint64_t state = spec.seed;
          return splitmix64(state) ^ fnv1a(symbol);
        }()) {
    // Always draw both, so giving one does not change the other.
    const double u_price = rng_.uniform();
    const double u_vol = rng_.uniform();
    const double price = spec.start_price
                             ? *spec.start_price
                             : portable_exp(portable_log(20) + u_price * portable_log(500.0 / 20));
    const double vol = spec.annual_vol ? *spec.annual_vol : 0.15 + 0.30 * u_vol;
    log_price_ = portable_log(std::max(price, kTick));

    const double seconds_per_year = kTradingSecondsPerDay * kTradingDaysPerYear;
    const double jumps_per_year = spec.jump_intensity_per_day * kTradingDaysPerYear;
    const double mean_jump =
        portable_exp(spec.jump_mean + 0.5 * spec.jump_stdev * spec.jump_stdev) - 1;
    drift_per_second_ =
        (spec.annual_drift - 0.5 * vol * vol - jumps_per_year * mean_jump) / seconds_per_year;
    vol_per_root_second_ = vol * std::sqrt(1 / seconds_per_year);
    jumps_per_second_ = spec.jump_intensity_per_day / kTradingSecondsPerDay;
    jump_mean_ = spec.jump_mean;
    jump_stdev_ = spec.jump_stdev;
    next_jump_at_ = jumps_per_second_ > 0 ? rng_.exponential(jumps_per_second_)
                                          : std::numeric_limits<double>::infinity();
    spread_fraction_ = spec.spread_bps * 1e-4;

    const double quotes = static_cast<double>(spec.quotes_per_day);
    const double trades = static_cast<double>(spec.trades_per_day > 0 ? spec.trades_per_day
                                                                      : spec.quotes_per_day / 4);
    quote_share_ = quotes / (quotes + trades);
    session_ns_ =
        int64_t{spec.session_close_minute - spec.session_open_minute} * 60 * kNanosPerSecond;
    events_per_second_ = (quotes + trades) / (static_cast<double>(session_ns_) / 1e9);
    open_offset_ns_ = int64_t{spec.session_open_minute} * 60 * kNanosPerSecond;
    bar_ns_ = int64_t{spec.bar_seconds} * kNanosPerSecond;
    if (std::find(spec.kinds.begin(), spec.kinds.end(), DataFormat::depth) != spec.kinds.end()) {
      levels_ = spec.depth_levels;
    }
  }

  void simulate_day(int64_t day_start_ns, DayRows& rows) {
    if (levels_ > 0) {
      simulate_depth_day(day_start_ns, rows);
      return;
    }
    const int64_t open_ns = day_start_ns + open_offset_ns_;
    const int64_t close_ns = open_ns + session_ns_;
    open_ns_ = open_ns;
    close_ns_ = close_ns;
    bar_active_ = false;
    quote(open_ns, rows);  // the opening quote: trades always have a book
    each_event(open_ns, close_ns, [&](int64_t t, bool is_quote) {
      if (is_quote) {
        quote(t, rows);
      } else {
        trade(t, rows);
      }
    });
    flush_bar(rows);
  }

 private:
  void step(double seconds) {
    log_price_ +=
        drift_per_second_ * seconds + vol_per_root_second_ * std::sqrt(seconds) * rng_.normal();
    clock_ += seconds;
    while (next_jump_at_ <= clock_) {
      log_price_ += jump_mean_ + jump_stdev_ * rng_.normal();
      next_jump_at_ += rng_.exponential(jumps_per_second_);
    }
  }

  // Pareto(alpha) round lots, at least 1, at most `cap`.
  int64_t lots(double alpha, int64_t cap) {
    const double u = 1 - rng_.uniform();  // (0, 1]
    const double x = portable_exp(-portable_log(u) / alpha);
    return x >= static_cast<double>(cap) ? cap : std::max<int64_t>(1, static_cast<int64_t>(x));
  }

  void quote(int64_t t, DayRows& rows) {
    const double mid = portable_exp(log_price_) / kTick;  // in ticks
    double spread = spread_fraction_ * mid * portable_exp(0.35 * rng_.normal());
    if (rng_.uniform() < 0.02) spread *= 2 + 3 * rng_.uniform();  // a brief widening
    const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(std::floor(spread + 0.5)));
    bid_ = std::max<int64_t>(
        1, static_cast<int64_t>(std::floor(mid - 0.5 * static_cast<double>(n) + 0.5)));
    ask_ = bid_ + n;
    const int64_t bid_size = 100 * lots(1.5, 500);
    const int64_t ask_size = 100 * lots(1.5, 500);
    rows.quotes.push_back({t, bid_, bid_size, ask_, ask_size});
  }

  void trade(int64_t t, DayRows& rows) {
    const bool buy = rng_.uniform() < 0.5;
    int64_t price = buy ? ask_ : bid_;
    if (rng_.uniform() >= 0.85) {  // inside the spread (or at either touch)
      price = bid_ + std::min<int64_t>(ask_ - bid_,
                                       static_cast<int64_t>(rng_.uniform() *
                                                            static_cast<double>(ask_ - bid_ + 1)));
    }
    const int64_t size = rng_.uniform() < 0.3
                             ? 1 + std::min<int64_t>(98, static_cast<int64_t>(rng_.uniform() * 99))
                             : 100 * lots(1.3, 1000);
    rows.trades.push_back({t, price, size});

    const int64_t bar = (t - open_ns_) / bar_ns_;
    if (bar_active_ && bar != bar_index_) flush_bar(rows);
    if (!bar_active_) {
      bar_active_ = true;
      bar_index_ = bar;
      bar_ = {0, price, price, price, price, 0};
    }
    bar_.high = std::max(bar_.high, price);
    bar_.low = std::min(bar_.low, price);
    bar_.close = price;
    bar_.volume += size;
  }

  // ---- depth: an L2 book of levels_ contiguous ticks a side ----
  //
  // The book persists from day to day (the price does not move outside the
  // session). Each event either moves a touch one tick towards the price
  // path's target (a new best level and the far level dropped, or the best
  // level emptied and a new far level), changes a level's size (adds and
  // cancels, mostly near the touch), or is a trade at one side's best price
  // of at most that level's size, its depth row(s) 1 ns later. A touch only
  // improves while it stays strictly inside the other side: never crossed
  // or locked.

  // The session's event times, open to close: exponential gaps in whole
  // microseconds, at least one (timestamps strictly increase). The price
  // path steps to each time, then `at(t, update)` writes a quote or book
  // update (update) or a trade.
  template <class At>
  void each_event(int64_t open_ns, int64_t close_ns, At at) {
    int64_t t_us = open_ns / 1000;
    for (;;) {
      const double dt = std::min(std::floor(rng_.exponential(events_per_second_) * 1e6), 1e15);
      const int64_t dt_us = std::max<int64_t>(1, static_cast<int64_t>(dt));
      t_us += dt_us;
      const int64_t t = t_us * 1000;
      if (t >= close_ns) break;
      step(static_cast<double>(dt_us) * 1e-6);
      at(t, rng_.uniform() < quote_share_);
    }
  }

  void simulate_depth_day(int64_t day_start_ns, DayRows& rows) {
    const int64_t open_ns = day_start_ns + open_offset_ns_;
    const int64_t close_ns = open_ns + session_ns_;
    if (sizes_[0].empty()) build_book(open_ns, rows);
    each_event(open_ns, close_ns, [&](int64_t t, bool is_update) {
      if (is_update) {
        book_update(t, rows);
      } else {
        book_trade(t, rows);
      }
    });
  }

  int64_t level_price(int side, int64_t k) const { return side == 0 ? best_[0] - k : best_[1] + k; }
  int64_t level_size() { return 100 * lots(1.5, 50); }

  // The price path's mid and spread in ticks: the touch the book moves to.
  std::pair<int64_t, int64_t> target_touch() const {
    const double mid = portable_exp(log_price_) / kTick;
    const int64_t n =
        std::max<int64_t>(1, static_cast<int64_t>(std::floor(spread_fraction_ * mid + 0.5)));
    const int64_t bid = static_cast<int64_t>(std::floor(mid - 0.5 * static_cast<double>(n) + 0.5));
    return {bid, bid + n};
  }

  // ts - a feed latency of 20..200 us, never before the previous row's.
  void emit(int64_t t, int side, int64_t price, int64_t size, DayRows& rows) {
    const int64_t latency = 20'000 + static_cast<int64_t>(rng_.uniform() * 180'001);
    last_exch_ts_ = std::max(last_exch_ts_, t - latency);
    rows.depth.push_back({t, last_exch_ts_, side, price, size});
  }

  void build_book(int64_t t, DayRows& rows) {
    const auto [bid, ask] = target_touch();
    best_[0] = std::max<int64_t>(bid, levels_);  // the far bid stays >= 1 tick
    best_[1] = best_[0] + (ask - bid);
    for (int side : {0, 1}) {
      sizes_[side].clear();
      for (int k = 0; k < levels_; ++k) {
        sizes_[side].push_back(level_size());
        emit(t, side, level_price(side, k), sizes_[side].back(), rows);
      }
    }
  }

  // A new best level one tick inside; the far level goes.
  void improve(int side, int64_t t, DayRows& rows) {
    best_[side] += side == 0 ? 1 : -1;
    sizes_[side].insert(sizes_[side].begin(), level_size());
    emit(t, side, best_[side], sizes_[side].front(), rows);
    emit(t, side, level_price(side, levels_), 0, rows);
    sizes_[side].pop_back();
  }

  // Whether the best level may go: a bid side refilled below it must stay
  // above zero.
  bool can_remove_best(int side) const { return side == 1 || best_[0] - levels_ >= 1; }

  // The best level emptied; a new level beyond the far end.
  void remove_best(int side, int64_t t, DayRows& rows) {
    emit(t, side, best_[side], 0, rows);
    sizes_[side].erase(sizes_[side].begin());
    best_[side] += side == 0 ? -1 : 1;
    sizes_[side].push_back(level_size());
    emit(t, side, level_price(side, levels_ - 1), sizes_[side].back(), rows);
  }

  void book_update(int64_t t, DayRows& rows) {
    const auto [bid, ask] = target_touch();
    if (best_[0] < bid && best_[0] + 1 < best_[1]) return improve(0, t, rows);
    if (best_[0] > bid && can_remove_best(0)) return remove_best(0, t, rows);
    if (best_[1] > ask && best_[1] - 1 > best_[0]) return improve(1, t, rows);
    if (best_[1] < ask) return remove_best(1, t, rows);
    // A size change, mostly near the touch.
    const int side = rng_.uniform() < 0.5 ? 0 : 1;
    const double u = rng_.uniform();
    const int64_t k = std::min<int64_t>(levels_ - 1, static_cast<int64_t>(u * u * levels_));
    int64_t& size = sizes_[side][static_cast<size_t>(k)];
    const bool add = rng_.uniform() < 0.55;
    const int64_t change = 100 * lots(1.5, 20);
    if (add) {
      size += change;
    } else if (change < size) {
      size -= change;
    } else if (k == 0 && can_remove_best(side)) {
      return remove_best(side, t, rows);  // the whole best level cancelled
    } else {
      size = size > 1 ? (size + 1) / 2 : size + 100;
    }
    emit(t, side, level_price(side, k), size, rows);
  }

  void book_trade(int64_t t, DayRows& rows) {
    const int side = rng_.uniform() < 0.5 ? 1 : 0;  // a buy takes the ask
    const int64_t level = sizes_[side].front();
    int64_t size = rng_.uniform() < 0.3
                       ? 1 + std::min<int64_t>(98, static_cast<int64_t>(rng_.uniform() * 99))
                       : 100 * lots(1.3, 1000);
    size = std::min(size, level);
    if (size == level && !can_remove_best(side)) size = level - 1;
    if (size <= 0) return;
    rows.trades.push_back({t, best_[side], size});
    if (size < level) {
      sizes_[side].front() = level - size;
      emit(t + 1, side, best_[side], level - size, rows);
    } else {
      remove_best(side, t + 1, rows);
    }
  }

  void flush_bar(DayRows& rows) {
    if (!bar_active_) return;
    bar_.ts = std::min(open_ns_ + (bar_index_ + 1) * bar_ns_, close_ns_);
    rows.bars.push_back(bar_);
    bar_active_ = false;
  }

  SyntheticRng rng_;
  double log_price_ = 0;
  double drift_per_second_ = 0, vol_per_root_second_ = 0;
  double jumps_per_second_ = 0, jump_mean_ = 0, jump_stdev_ = 0;
  double clock_ = 0;  // trading seconds simulated so far
  double next_jump_at_ = 0;
  double spread_fraction_ = 0;
  double quote_share_ = 1, events_per_second_ = 1;
  int64_t open_offset_ns_ = 0, session_ns_ = 0, bar_ns_ = 0;
  int64_t open_ns_ = 0, close_ns_ = 0;
  int64_t bid_ = 0, ask_ = 0;
  bool bar_active_ = false;
  int64_t bar_index_ = 0;
  BarRow bar_{};
  int levels_ = 0;                             // depth levels a side; 0: quotes, trades and bars
  std::array<int64_t, 2> best_{};              // ticks: best bid, best ask
  std::array<std::vector<int64_t>, 2> sizes_;  // [side][k], k = 0 the best
  int64_t last_exch_ts_ = std::numeric_limits<int64_t>::min();
};

// ---- output ------------------------------------------------------------------

// A data file written through a large buffer, as "<path>.partial" until
// commit() renames it.
class CsvWriter {
 public:
  CsvWriter() = default;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter() { abandon(); }

  Status open(const std::filesystem::path& path, TimestampStyle style) {
    path_ = path;
    partial_ = path.string() + ".partial";
    style_ = style;
    file_ = std::fopen(partial_.c_str(), "wb");
    if (file_ == nullptr) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "cannot write " + partial_.string() + ": " + std::strerror(errno));
    }
    buffer_.reserve(kFlushAt + 256);
    return Status::ok();
  }

  void text(std::string_view s) { buffer_.append(s); }
  void comma() { buffer_.push_back(','); }

  void timestamp(int64_t ns) {
    if (style_ == TimestampStyle::iso) {
      buffer_ += format_timestamp(ns);
    } else {
      integer(ns);
    }
  }

  void integer(int64_t value) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, end);
  }

  void ticks(int64_t value) {  // 0.01 ticks as a decimal price, "123.45"
    integer(value / 100);
    const auto cents = static_cast<char>(value % 100);
    const char frac[3] = {'.', static_cast<char>('0' + cents / 10),
                          static_cast<char>('0' + cents % 10)};
    buffer_.append(frac, 3);
  }

  Status end_row() {
    buffer_.push_back('\n');
    ++rows_;
    return buffer_.size() >= kFlushAt ? flush() : Status::ok();
  }

  Status commit() {
    if (Status status = flush(); !status) return status;
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) return Status(KEEL_ERR_INVALID_ARGUMENT, "cannot write " + partial_.string());
    std::error_code ec;
    std::filesystem::rename(partial_, path_, ec);
    if (ec) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "cannot rename " + partial_.string() + ": " + ec.message());
    }
    return Status::ok();
  }

  uint64_t rows() const { return rows_; }

 private:
  static constexpr size_t kFlushAt = size_t{1} << 20;

  Status flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "cannot write " + partial_.string() + ": " + std::strerror(errno));
    }
    buffer_.clear();
    return Status::ok();
  }

  void abandon() {
    if (file_ == nullptr) return;
    std::fclose(file_);
    file_ = nullptr;
    std::error_code ec;
    std::filesystem::remove(partial_, ec);
  }

  std::filesystem::path path_, partial_;
  TimestampStyle style_ = TimestampStyle::iso;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  uint64_t rows_ = 0;
};

Status write_row(CsvWriter& out, const std::string& symbol, DataFormat kind, const DayRows& rows,
                 size_t i) {
  switch (kind) {
    case DataFormat::quotes: {
      const QuoteRow& q = rows.quotes[i];
      out.timestamp(q.ts);
      out.comma();
      out.text(symbol);
      out.comma();
      out.ticks(q.bid);
      out.comma();
      out.integer(q.bid_size);
      out.comma();
      out.ticks(q.ask);
      out.comma();
      out.integer(q.ask_size);
      break;
    }
    case DataFormat::trades: {
      const TradeRow& t = rows.trades[i];
      out.timestamp(t.ts);
      out.comma();
      out.text(symbol);
      out.comma();
      out.ticks(t.price);
      out.comma();
      out.integer(t.size);
      break;
    }
    case DataFormat::bars: {
      const BarRow& b = rows.bars[i];
      out.timestamp(b.ts);
      out.comma();
      out.text(symbol);
      for (int64_t price : {b.open, b.high, b.low, b.close}) {
        out.comma();
        out.ticks(price);
      }
      out.comma();
      out.integer(b.volume);
      break;
    }
    case DataFormat::depth: {
      const DepthRow& d = rows.depth[i];
      out.timestamp(d.ts);
      out.comma();
      out.text(symbol);
      out.text(d.side == 0 ? ",bid," : ",ask,");
      out.ticks(d.price);
      out.comma();
      out.integer(d.size);
      out.comma();
      out.timestamp(d.exch_ts);
      break;
    }
  }
  return out.end_row();
}

// The first `count` weekdays from `start_date` on, as ns at midnight UTC.
std::vector<int64_t> trading_days(const std::string& start_date, int count) {
  const int64_t first = *parse_timestamp(start_date) / kNanosPerDay;
  std::vector<int64_t> days;
  days.reserve(static_cast<size_t>(count));
  for (int64_t day = first; static_cast<int>(days.size()) < count; ++day) {
    const int64_t weekday = (day + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
    if (weekday != 0 && weekday != 6) days.push_back(day * kNanosPerDay);
  }
  return days;
}

bool valid_symbol(const std::string& symbol) {
  if (symbol.empty() || symbol.size() > 64) return false;
  return std::all_of(symbol.begin(), symbol.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

Status invalid(const std::string& message) { return Status(KEEL_ERR_INVALID_ARGUMENT, message); }

}  // namespace

Status validate_synthetic_spec(const SyntheticSpec& spec) {
  if (spec.instruments.empty()) return invalid("no instruments given");
  std::set<std::string> seen;
  for (const std::string& symbol : spec.instruments) {
    if (!valid_symbol(symbol)) {
      return invalid("instrument '" + symbol +
                     "': a symbol is 1-64 letters, digits, '.', '-' or '_'");
    }
    if (!seen.insert(symbol).second) return invalid("instrument '" + symbol + "' given twice");
  }
  if (spec.days < 1 || spec.days > 100'000) return invalid("days must be 1..100000");
  const std::optional<int64_t> start = parse_timestamp(spec.start_date);
  if (spec.start_date.size() != 10 || !start) {
    return invalid("start date '" + spec.start_date + "' is not a date like 2024-01-02");
  }
  // The last day must stay in the range of market-data times: `days`
  // weekdays span at most days / 5 * 7 + 7 calendar days from the start.
  const int64_t span_days = int64_t{spec.days} / 5 * 7 + 7;
  if (*start > kMaxDataTimestampNs - span_days * kNanosPerDay) {
    return invalid("start date '" + spec.start_date + "' with " + std::to_string(spec.days) +
                   " days runs past " + format_timestamp(kMaxDataTimestampNs) +
                   ", the latest time keel's market data may hold");
  }
  if (spec.kinds.empty()) return invalid("no kinds of data given");
  for (size_t i = 0; i < spec.kinds.size(); ++i) {
    if (spec.kinds[i] == DataFormat::depth && spec.kinds.size() > 1) {
      return invalid(
          "depth is generated on its own (it comes with its own trades file): give the kind "
          "depth alone");
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec.kinds[i] == spec.kinds[j]) {
        return invalid(std::string("kind '") + data_format_name(spec.kinds[i]) + "' given twice");
      }
    }
  }
  if (spec.depth_levels < 1 || spec.depth_levels > 1000) {
    return invalid("depth levels must be 1..1000");
  }
  if (spec.bar_seconds < 1 || spec.bar_seconds > 86'400) {
    return invalid("bar seconds must be 1..86400");
  }
  if (spec.quotes_per_day < 1 || spec.quotes_per_day > 1'000'000'000) {
    return invalid("quotes per day must be 1..1000000000");
  }
  if (spec.trades_per_day < 0 || spec.trades_per_day > 1'000'000'000) {
    return invalid("trades per day must be 0..1000000000 (0 = a quarter of the quotes)");
  }
  if (spec.session_open_minute < 0 || spec.session_close_minute > 24 * 60 ||
      spec.session_open_minute >= spec.session_close_minute) {
    return invalid("the session must open before it closes, within one UTC day");
  }
  const auto finite = [](double x) { return std::isfinite(x); };
  if (spec.start_price &&
      (!finite(*spec.start_price) || *spec.start_price < kTick || *spec.start_price > 1e9)) {
    return invalid("start price must be 0.01..1e9");
  }
  if (spec.annual_vol &&
      (!finite(*spec.annual_vol) || *spec.annual_vol < 0 || *spec.annual_vol > 10)) {
    return invalid("annual vol must be 0..10 (1 = 100%)");
  }
  if (!finite(spec.annual_drift) || std::abs(spec.annual_drift) > 10) {
    return invalid("annual drift must be -10..10");
  }
  if (!finite(spec.jump_intensity_per_day) || spec.jump_intensity_per_day < 0 ||
      spec.jump_intensity_per_day > 1000) {
    return invalid("jump intensity must be 0..1000 per day");
  }
  if (!finite(spec.jump_mean) || std::abs(spec.jump_mean) > 1) {
    return invalid("jump mean must be -1..1");
  }
  if (!finite(spec.jump_stdev) || spec.jump_stdev < 0 || spec.jump_stdev > 1) {
    return invalid("jump stdev must be 0..1");
  }
  if (!finite(spec.spread_bps) || spec.spread_bps < 0 || spec.spread_bps > 10'000) {
    return invalid("spread must be 0..10000 bps");
  }
  return Status::ok();
}

std::vector<DataFormat> synthetic_file_kinds(const SyntheticSpec& spec) {
  if (spec.kinds.size() == 1 && spec.kinds[0] == DataFormat::depth) {
    return {DataFormat::depth, DataFormat::trades};
  }
  return spec.kinds;
}

std::string synthetic_file_name(const SyntheticSpec& spec, const std::string& symbol,
                                DataFormat kind) {
  if (spec.merge) return spec.prefix + data_format_name(kind) + ".csv";
  return spec.prefix + symbol + "_" + data_format_name(kind) + ".csv";
}

Status write_synthetic(const SyntheticSpec& spec, const std::filesystem::path& out_dir,
                       SyntheticStats* stats) {
  if (Status status = validate_synthetic_spec(spec); !status) return status;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return invalid("cannot create " + out_dir.string() + ": " + ec.message());

  const std::vector<int64_t> days = trading_days(spec.start_date, spec.days);
  const std::vector<DataFormat> kinds = synthetic_file_kinds(spec);
  SyntheticStats local;
  SyntheticStats& out = stats != nullptr ? *stats : local;
  out = {};

  if (!spec.merge) {
    // One instrument at a time: its files, all days.
    DayRows rows;
    for (const std::string& symbol : spec.instruments) {
      InstrumentSim sim(spec, symbol);
      std::vector<std::unique_ptr<CsvWriter>> writers;
      for (DataFormat kind : kinds) {
        auto writer = std::make_unique<CsvWriter>();
        if (Status status =
                writer->open(out_dir / synthetic_file_name(spec, symbol, kind), spec.timestamps);
            !status) {
          return status;
        }
        writer->text(kind == DataFormat::depth ? kDepthHeader : csv_header(kind));
        writer->text("\n");
        writers.push_back(std::move(writer));
      }
      for (int64_t day : days) {
        rows.clear();
        sim.simulate_day(day, rows);
        for (size_t k = 0; k < kinds.size(); ++k) {
          for (size_t i = 0; i < rows.size(kinds[k]); ++i) {
            if (Status status = write_row(*writers[k], symbol, kinds[k], rows, i); !status) {
              return status;
            }
          }
        }
      }
      for (size_t k = 0; k < kinds.size(); ++k) {
        if (Status status = writers[k]->commit(); !status) return status;
        out.files.push_back(out_dir / synthetic_file_name(spec, symbol, kinds[k]));
        out.rows += writers[k]->rows();
      }
    }
    return Status::ok();
  }

  // Merged: all instruments day by day, each kind's rows merged by (ts, instrument order).
  std::vector<InstrumentSim> sims;
  sims.reserve(spec.instruments.size());
  for (const std::string& symbol : spec.instruments) sims.emplace_back(spec, symbol);
  std::vector<std::unique_ptr<CsvWriter>> writers;
  for (DataFormat kind : kinds) {
    auto writer = std::make_unique<CsvWriter>();
    if (Status status =
            writer->open(out_dir / synthetic_file_name(spec, "", kind), spec.timestamps);
        !status) {
      return status;
    }
    writer->text(kind == DataFormat::depth ? kDepthHeader : csv_header(kind));
    writer->text("\n");
    writers.push_back(std::move(writer));
  }
  std::vector<DayRows> rows(sims.size());
  using Head = std::pair<int64_t, size_t>;  // (ts, instrument index)
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heap;
  std::vector<size_t> position(sims.size());
  for (int64_t day : days) {
    for (size_t i = 0; i < sims.size(); ++i) {
      rows[i].clear();
      sims[i].simulate_day(day, rows[i]);
    }
    for (size_t k = 0; k < kinds.size(); ++k) {
      const DataFormat kind = kinds[k];
      for (size_t i = 0; i < sims.size(); ++i) {
        position[i] = 0;
        if (rows[i].size(kind) > 0) heap.emplace(rows[i].ts(kind, 0), i);
      }
      while (!heap.empty()) {
        const size_t i = heap.top().second;
        heap.pop();
        if (Status status = write_row(*writers[k], spec.instruments[i], kind, rows[i], position[i]);
            !status) {
          return status;
        }
        if (++position[i] < rows[i].size(kind)) heap.emplace(rows[i].ts(kind, position[i]), i);
      }
    }
  }
  for (size_t k = 0; k < kinds.size(); ++k) {
    if (Status status = writers[k]->commit(); !status) return status;
    out.files.push_back(out_dir / synthetic_file_name(spec, "", kinds[k]));
    out.rows += writers[k]->rows();
  }
  return Status::ok();
}

}  // namespace keel
