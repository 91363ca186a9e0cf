// engine/data/synthetic.hpp — seeded synthetic market data (`keel gen-data`),
// so that large runs need no download.
//
// Each instrument follows a geometric Brownian motion with Merton jumps
// (compound Poisson, lognormal jump sizes) in trading time: a trading year
// is 252 days of 6.5 hours, the price does not move outside the session.
// Within the session events arrive as a Poisson process; each is a quote
// update or a trade:
//   quotes  bid/ask on a 0.01 tick around the price, spread
//           max(1 tick, spread_bps * price) with lognormal noise and rare
//           widenings, sizes in round lots with a Pareto tail;
//   trades  at the touch of the current quote (85%) or inside it, sizes a
//           mix of odd lots and Pareto-tailed round lots;
//   bars    the trades aggregated into bar_seconds bars anchored at the
//           session open (ts = the bar's close time; bars with no trade are
//           not written, as data vendors do).
// All three kinds come from one simulation, so they agree with each other
// whichever kinds are written.
//
// Depth (kind depth, given alone) is a second simulation of the same price
// path: an L2 book of `depth_levels` contiguous 0.01 ticks a side that
// follows the price (the touch moves one tick an update towards the path's
// spread around it), size changes at random levels (adds and cancels), and
// trades at one side's best price of at most that level's size. It writes
// two files: depth (ts,instrument,side,price,size,exch_ts; the first rows
// set up the whole book, both sides) and trades (its trades). Each trade is
// followed 1 ns later by the depth row(s) showing its level reduced or
// removed (and the new far level), so book and trades agree; the book is
// never crossed or locked after any row; exch_ts = ts - a seeded 20..200 us
// feed latency, never decreasing. quotes_per_day counts book updates.
//
// Determinism: a (spec, seed) gives byte-identical files on every platform.
// The generator uses its own PRNG (xoshiro256** seeded by splitmix64), its
// own normal (Marsaglia polar) and its own log/exp built from IEEE-754
// basic operations only (libm's differ between C libraries), prices are
// integer ticks and the file is compiled without floating-point
// contraction. Each instrument's stream is seeded from (seed, symbol), so an
// instrument's data does not depend on which other instruments are asked for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/data_spec.hpp"

namespace keel {

enum class TimestampStyle { iso, nanoseconds };

struct SyntheticSpec {
  std::vector<std::string> instruments;   // symbols: letters, digits, '.', '-', '_'
  int days = 5;                           // trading days (weekdays; holidays are not skipped)
  std::string start_date = "2024-01-02";  // the first day, or the next weekday after it
  std::vector<DataFormat> kinds = {DataFormat::quotes, DataFormat::trades, DataFormat::bars};
  int bar_seconds = 60;
  int depth_levels = 10;                   // depth: levels a side
  int64_t quotes_per_day = 23'400;         // expected quote updates per instrument per session
  int64_t trades_per_day = 0;              // expected trades; 0 = a quarter of quotes_per_day
  int session_open_minute = 14 * 60 + 30;  // UTC, minutes after midnight (US equities)
  int session_close_minute = 21 * 60;
  uint64_t seed = 1;
  // Unset: drawn per instrument from the seed (price 20..500, vol 15%..45%).
  std::optional<double> start_price;
  std::optional<double> annual_vol;  // of the diffusion part
  double annual_drift = 0.05;        // expected total return, jumps included
  double jump_intensity_per_day = 0.1;
  double jump_mean = -0.005;  // of the log jump size
  double jump_stdev = 0.02;
  double spread_bps = 2.0;  // typical spread, in basis points of the price
  TimestampStyle timestamps = TimestampStyle::iso;
  // false: <out>/<prefix><SYMBOL>_<kind>.csv per instrument and kind;
  // true:  <out>/<prefix><kind>.csv per kind, all instruments merged in time
  //        order (ties by the order of `instruments`).
  bool merge = false;
  std::string prefix;
};

struct SyntheticStats {
  std::vector<std::filesystem::path> files;  // in the order written
  uint64_t rows = 0;                         // data rows over all files
};

// Checks the spec; the message names the offending setting.
Status validate_synthetic_spec(const SyntheticSpec& spec);

// The kinds of file written, in order: spec.kinds, or depth and trades for
// depth.
std::vector<DataFormat> synthetic_file_kinds(const SyntheticSpec& spec);

// The file name (no folder) for a symbol's kind; `symbol` is ignored when
// spec.merge is set.
std::string synthetic_file_name(const SyntheticSpec& spec, const std::string& symbol,
                                DataFormat kind);

// Writes the files into `out_dir` (created if missing). Each file is written
// as "<name>.partial" and renamed when complete, so a failure leaves no
// half-written data file behind. Memory is bounded by one trading day of
// events per instrument (merged) or of one instrument (not merged).
Status write_synthetic(const SyntheticSpec& spec, const std::filesystem::path& out_dir,
                       SyntheticStats* stats = nullptr);

// ---- building blocks, exposed for tests ------------------------------------

// xoshiro256** (state from splitmix64 of the seed), with portable
// uniform, normal and exponential variates.
class SyntheticRng {
 public:
  explicit SyntheticRng(uint64_t seed);
  uint64_t next_u64();
  double uniform();                 // [0, 1), 53 bits
  double normal();                  // N(0, 1), Marsaglia's polar method
  double exponential(double rate);  // mean 1/rate

 private:
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

// Natural log and exp from +, -, *, / and exact scaling only: the same
// result on every IEEE-754 platform (accurate to a few ulp).
double portable_log(double x);
double portable_exp(double x);

}  // namespace keel
