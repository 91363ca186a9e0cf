// engine/report/performance.cpp — see performance.hpp for the definitions.
#include "engine/report/performance.hpp"

#include <algorithm>
#include <cmath>

namespace keel {
namespace {

constexpr int64_t kNsPerDay = 86'400'000'000'000;
constexpr uint64_t kMinDailyReturns = 3;

int64_t utc_day(keel_timestamp_t ts) {
  int64_t day = ts / kNsPerDay;
  if (ts % kNsPerDay < 0) --day;  // floor for instants before 1970
  return day;
}

}  // namespace

void PerformanceTracker::Moments::add(double x) {
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
}

double PerformanceTracker::ratio(const Moments& m, double annualisation) {
  if (m.n < 2) return 0;
  const double stdev = std::sqrt(m.m2 / static_cast<double>(m.n - 1));
  if (!(stdev > 0) || stdev <= 1e-9 * std::fabs(m.mean)) return 0;
  const double sharpe = m.mean / stdev * annualisation;
  return std::isfinite(sharpe) ? sharpe : 0;
}

void PerformanceTracker::open(double opening_equity) {
  if (samples_ > 0 || opened_) return;
  opened_ = true;
  peak_ = opening_equity;
  prev_close_ = opening_equity;  // the base of the first day's return
  have_close_ = true;
  last_equity_ = opening_equity;  // and of the first sample's
}

void PerformanceTracker::add(keel_timestamp_t ts, double equity) {
  // Drawdown.
  if ((samples_ == 0 && !opened_) || equity > peak_) peak_ = equity;
  if (peak_ > 0) max_drawdown_ = std::max(max_drawdown_, (peak_ - equity) / peak_);

  // Daily closes: a sample on a new day completes the previous one.
  const int64_t day = utc_day(ts);
  if (samples_ > 0 && day != day_) {
    if (have_close_ && prev_close_ != 0) daily_.add(day_last_ / prev_close_ - 1);
    prev_close_ = day_last_;
    have_close_ = true;
  }
  day_ = day;
  day_last_ = equity;

  // Per-sample returns, needed only while the daily path may fall short.
  if (fallback_possible_) {
    if (daily_.n >= kMinDailyReturns) {
      fallback_possible_ = false;
      std::vector<int64_t>().swap(spacings_ns_);
    } else if (samples_ > 0 || opened_) {
      if (last_equity_ != 0) per_sample_.add(equity / last_equity_ - 1);
      if (samples_ > 0 && ts > last_ts_) spacings_ns_.push_back(ts - last_ts_);
    }
  }
  last_ts_ = ts;
  last_equity_ = equity;
  ++samples_;
}

double PerformanceTracker::sharpe() const {
  // Close the open day on a copy of the daily moments.
  Moments daily = daily_;
  if (have_close_ && samples_ > 0 && prev_close_ != 0) daily.add(day_last_ / prev_close_ - 1);
  if (daily.n >= kMinDailyReturns) return ratio(daily, std::sqrt(kTradingDaysPerYear));

  if (spacings_ns_.empty()) return 0;
  std::vector<int64_t> spacings = spacings_ns_;
  const size_t mid = spacings.size() / 2;
  std::nth_element(spacings.begin(), spacings.begin() + static_cast<std::ptrdiff_t>(mid),
                   spacings.end());
  double median_ns = static_cast<double>(spacings[mid]);
  if (spacings.size() % 2 == 0) {
    const int64_t lower =
        *std::max_element(spacings.begin(), spacings.begin() + static_cast<std::ptrdiff_t>(mid));
    median_ns = (static_cast<double>(lower) + median_ns) / 2;
  }
  const double median_s = median_ns / 1e9;
  if (!(median_s > 0)) return 0;
  return ratio(per_sample_, std::sqrt(kSecondsPerYear / median_s));
}

double max_drawdown(std::span<const EquitySample> curve) {
  PerformanceTracker tracker;
  for (const auto& sample : curve) tracker.add(sample);
  return tracker.max_drawdown();
}

double sharpe_ratio(std::span<const EquitySample> curve) {
  PerformanceTracker tracker;
  for (const auto& sample : curve) tracker.add(sample);
  return tracker.sharpe();
}

double sharpe_ratio(std::span<const EquitySample> curve, double opening_equity) {
  PerformanceTracker tracker;
  tracker.open(opening_equity);
  for (const auto& sample : curve) tracker.add(sample);
  return tracker.sharpe();
}

}  // namespace keel
