// engine/report/performance.hpp — max drawdown and Sharpe ratio of a run's
// equity curve (the EquitySample rows of equity.csv).
//
// Max drawdown: the largest fall from a running peak of equity to a later
// trough, as a fraction of that peak: max over t of (peak_t - equity_t) /
// peak_t, peak_t = max equity up to t. 0 for a curve that never falls (and
// while the peak is not positive, where a fraction of it means nothing).
//
// The opening equity (open(): the run's initial cash, before any event) is
// where both start: the first peak, and the base of the first return. A loss
// on the first day is a fall from it and a negative first return. Without
// open() the first sample is the opening.
//
// Sharpe ratio (risk-free rate zero), from simple returns r = e_i / e_(i-1) - 1,
// mean and sample standard deviation (n - 1):
//   * Daily (the normal case): samples are grouped by UTC calendar day
//     (floor(ts / 86400 s)); each day's equity is its last sample's; returns
//     run from the opening equity to the first day's close, then from one day
//     that has samples to the next (days with no samples are skipped, not
//     treated as flat). Sharpe = mean / stdev * sqrt(252).
//   * Per sample (fallback, when the curve spans fewer than 3 daily returns,
//     e.g. fewer than 3 UTC days): returns from the opening equity to the
//     first sample and from each sample to the next (the opening has no time,
//     so it adds no spacing),
//     annualised by sqrt(seconds_per_year / median sample spacing), with
//     seconds_per_year = 365.25 * 86400 and the median taken over the
//     positive spacings between consecutive samples, in seconds.
// 0 when there are too few returns for a standard deviation (fewer than 2),
// when the standard deviation is 0 (or below 1e-9 of |mean|: returns that are
// constant up to rounding, whose ratio would be noise), or when the median
// spacing is 0. A return whose base equity is 0 is undefined and skipped.
//
// PerformanceTracker computes both in one streaming pass with bounded
// memory: the daily statistics are running sums (Welford), and the sample
// spacings the fallback needs are kept only until the curve has three daily
// returns, after which the fallback can no longer apply and they are freed.
// Samples are expected in time order, as the loop produces them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/report/records.hpp"

namespace keel {

inline constexpr double kTradingDaysPerYear = 252.0;
inline constexpr double kSecondsPerYear = 365.25 * 86400.0;

class PerformanceTracker {
 public:
  // The equity before the first sample; call it before add(), at most once.
  void open(double opening_equity);
  void add(const EquitySample& sample) { add(sample.ts, sample.equity); }
  void add(keel_timestamp_t ts, double equity);

  uint64_t samples() const { return samples_; }
  double max_drawdown() const { return max_drawdown_; }
  // As described above; cheap (a copy of a few counters and, in the
  // fallback case, a median over at most four days of spacings).
  double sharpe() const;

 private:
  // Running mean and sum of squared deviations (Welford).
  struct Moments {
    uint64_t n = 0;
    double mean = 0;
    double m2 = 0;
    void add(double x);
  };
  static double ratio(const Moments& m, double annualisation);

  uint64_t samples_ = 0;
  bool opened_ = false;  // open() gave the opening equity
  // drawdown
  double peak_ = 0;
  double max_drawdown_ = 0;
  // daily
  int64_t day_ = 0;          // UTC day of the last sample
  double day_last_ = 0;      // the last sample's equity (that day's close so far)
  bool have_close_ = false;  // a previous day's close exists
  double prev_close_ = 0;
  Moments daily_;  // returns between completed days
  // per sample (fallback)
  bool fallback_possible_ = true;
  keel_timestamp_t last_ts_ = 0;
  double last_equity_ = 0;
  Moments per_sample_;
  std::vector<int64_t> spacings_ns_;  // positive spacings; freed once daily_.n >= 3
};

// One-shot forms over a whole curve.
double max_drawdown(std::span<const EquitySample> curve);
double sharpe_ratio(std::span<const EquitySample> curve);
// As if open(opening_equity) had come first.
double sharpe_ratio(std::span<const EquitySample> curve, double opening_equity);

}  // namespace keel
