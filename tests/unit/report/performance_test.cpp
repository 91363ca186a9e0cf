// Max drawdown and Sharpe ratio on curves whose figures are worked by hand.
#include "engine/report/performance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace keel {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
// 2024-01-02T00:00:00Z, a UTC midnight.
constexpr int64_t kDay0 = int64_t{1704153600} * kSecond;

EquitySample at(int64_t ts, double equity) {
  EquitySample s;
  s.ts = ts;
  s.equity = equity;
  s.cash = equity;
  return s;
}

TEST(ReportPerformance, MaxDrawdownIsTheLargestFallFromAPeak) {
  // Peaks and troughs: 120 -> 90 falls 30/120 = 0.25; the later peak 130 ->
  // 104 falls 26/130 = 0.2. The largest is 0.25.
  std::vector<EquitySample> curve;
  int64_t t = kDay0;
  for (double e : {100.0, 120.0, 90.0, 110.0, 130.0, 104.0}) curve.push_back(at(t += kHour, e));
  EXPECT_DOUBLE_EQ(max_drawdown(curve), 0.25);
}

TEST(ReportPerformance, MaxDrawdownOfAMonotoneCurveIsZero) {
  std::vector<EquitySample> curve;
  int64_t t = kDay0;
  for (double e : {100.0, 100.0, 101.0, 105.0, 105.0, 200.0}) curve.push_back(at(t += kHour, e));
  EXPECT_EQ(max_drawdown(curve), 0.0);
  EXPECT_EQ(max_drawdown({}), 0.0);
}

TEST(ReportPerformance, MaxDrawdownCanReachTheWholePeak) {
  // 200 -> 0 is a fall of 200/200 = 1.
  std::vector<EquitySample> curve = {at(kDay0, 100), at(kDay0 + kHour, 200),
                                     at(kDay0 + 2 * kHour, 0)};
  EXPECT_DOUBLE_EQ(max_drawdown(curve), 1.0);
}

TEST(ReportPerformance, DailySharpeUsesEachUtcDaysLastEquity) {
  // Day closes (the last sample of each UTC day that has samples):
  //   day 0: 100   day 1: 110   day 4: 99   day 5: 108.9   day 6: 119.79
  // (days 2-3 have no samples and are skipped; intraday samples before each
  // day's last do not count). Daily returns: +0.1, -0.1, +0.1, +0.1.
  // mean = 0.2 / 4 = 0.05; deviations 0.05, -0.15, 0.05, 0.05; squares sum to
  // 0.0025 * 3 + 0.0225 = 0.03; sample variance 0.03 / 3 = 0.01; stdev 0.1.
  // Sharpe = 0.05 / 0.1 * sqrt(252) = 0.5 * 15.874507866... = 7.937253933...
  std::vector<EquitySample> curve = {
      at(kDay0 + 10 * kHour, 100),
      at((kDay0 + kDay) + 9 * kHour, 150),   // intraday, ignored
      at((kDay0 + kDay) + 16 * kHour, 110),  // day 1 close
      at(kDay0 + 4 * kDay + 1 * kHour, 50),
      at(kDay0 + 4 * kDay + 23 * kHour + 59 * 60 * kSecond, 99),
      at(kDay0 + 5 * kDay, 108.9),  // exactly midnight: belongs to day 5
      at(kDay0 + 6 * kDay + 12 * kHour, 119.79),
  };
  EXPECT_NEAR(sharpe_ratio(curve), 0.5 * std::sqrt(252.0), 1e-9);
  EXPECT_NEAR(sharpe_ratio(curve), 7.937253933193772, 1e-9);
}

TEST(ReportPerformance, TrackerMatchesTheOneShotForms) {
  std::vector<EquitySample> curve;
  PerformanceTracker tracker;
  // Ten days of hourly samples, a wave on a slow rise.
  for (int i = 0; i < 240; ++i) {
    curve.push_back(at(kDay0 + i * kHour, 1000 + i + 30 * std::sin(i * 0.7)));
    tracker.add(curve.back());
  }
  EXPECT_EQ(tracker.samples(), 240u);
  EXPECT_EQ(tracker.max_drawdown(), max_drawdown(curve));
  EXPECT_EQ(tracker.sharpe(), sharpe_ratio(curve));
  EXPECT_NE(tracker.sharpe(), 0.0);
  EXPECT_GT(tracker.max_drawdown(), 0.0);
}

TEST(ReportPerformance, FallbackWithinOneDayUsesPerSampleReturns) {
  // One day only: no daily returns, so per-sample returns are used.
  // Equity 100, 110, 99, 108.9, 119.79: returns +0.1, -0.1, +0.1, +0.1,
  // mean / stdev = 0.05 / 0.1 = 0.5 (as in the daily test).
  // Spacings 60 s, 60 s, 120 s, 30 s; sorted 30, 60, 60, 120; median
  // (60 + 60) / 2 = 60 s. Annualisation sqrt(31,557,600 / 60) = sqrt(525,960).
  // Sharpe = 0.5 * sqrt(525960) = 362.6155...
  const int64_t t0 = kDay0 + 10 * kHour;
  std::vector<EquitySample> curve = {at(t0, 100), at(t0 + 60 * kSecond, 110),
                                     at(t0 + 120 * kSecond, 99), at(t0 + 240 * kSecond, 108.9),
                                     at(t0 + 270 * kSecond, 119.79)};
  EXPECT_NEAR(sharpe_ratio(curve), 0.5 * std::sqrt(525960.0), 1e-9);
}

TEST(ReportPerformance, FallbackWhenFewerThanThreeDailyReturns) {
  // Samples every 12 h over three UTC days (days 0, 0, 1, 1, 2): day closes
  // 110, 108.9, 119.79 give only 2 daily returns, so the per-sample path is
  // used: returns +0.1, -0.1, +0.1, +0.1 (mean / stdev = 0.5), median spacing
  // 43,200 s, annualisation sqrt(31,557,600 / 43,200) = sqrt(730.5).
  // Sharpe = 0.5 * sqrt(730.5) = 13.5138...
  std::vector<EquitySample> curve = {at(kDay0, 100), at(kDay0 + 12 * kHour, 110),
                                     at(kDay0 + 24 * kHour, 99), at(kDay0 + 36 * kHour, 108.9),
                                     at(kDay0 + 48 * kHour, 119.79)};
  EXPECT_NEAR(sharpe_ratio(curve), 0.5 * std::sqrt(730.5), 1e-9);
}

TEST(ReportPerformance, FallbackMedianOfAnOddNumberOfSpacings) {
  // Equity 100, 110, 99, 108.9: returns +0.1, -0.1, +0.1; mean 1/30;
  // deviations 2/30, -4/30, 2/30; squares sum (4 + 16 + 4) / 900 = 24/900;
  // sample variance 12/900; stdev sqrt(12)/30; mean / stdev = 1/sqrt(12).
  // Spacings 10 s, 40 s, 20 s: median 20 s; sqrt(31,557,600 / 20) = sqrt(1,577,880).
  const int64_t t0 = kDay0;
  std::vector<EquitySample> curve = {at(t0, 100), at(t0 + 10 * kSecond, 110),
                                     at(t0 + 50 * kSecond, 99), at(t0 + 70 * kSecond, 108.9)};
  EXPECT_NEAR(sharpe_ratio(curve), std::sqrt(1577880.0) / std::sqrt(12.0), 1e-8);
}

TEST(ReportPerformance, SharpeIsZeroWithoutVariationOrSamples) {
  EXPECT_EQ(sharpe_ratio({}), 0.0);
  // One return: no sample standard deviation.
  std::vector<EquitySample> two = {at(kDay0, 100), at(kDay0 + kHour, 101)};
  EXPECT_EQ(sharpe_ratio(two), 0.0);
  // Flat equity over many days: every return is 0, stdev 0.
  std::vector<EquitySample> flat;
  for (int i = 0; i < 10; ++i) flat.push_back(at(kDay0 + i * kDay, 1e6));
  EXPECT_EQ(sharpe_ratio(flat), 0.0);
  // Constant +10% daily returns: stdev 0 up to rounding.
  std::vector<EquitySample> steady;
  double e = 100;
  for (int i = 0; i < 10; ++i, e *= 1.1) steady.push_back(at(kDay0 + i * kDay, e));
  EXPECT_EQ(sharpe_ratio(steady), 0.0);
  // All samples at one instant: no spacing to annualise by.
  std::vector<EquitySample> same = {at(kDay0, 100), at(kDay0, 110), at(kDay0, 99)};
  EXPECT_EQ(sharpe_ratio(same), 0.0);
}

TEST(ReportPerformance, DaysBeforeTheEpochAreFloored) {
  // -12 h and +12 h around the epoch are different UTC days (1969-12-31 and
  // 1970-01-01); with closes 100, 110, 99, 108.9 at days -1, 0, 1, 2 the
  // daily path applies: returns +0.1, -0.1, +0.1 -> mean/stdev = 1/sqrt(12)
  // (see the odd-spacing test), Sharpe = sqrt(252 / 12) = sqrt(21).
  std::vector<EquitySample> curve = {at(-12 * kHour, 100), at(12 * kHour, 110), at(36 * kHour, 99),
                                     at(60 * kHour, 108.9)};
  EXPECT_NEAR(sharpe_ratio(curve), std::sqrt(21.0), 1e-9);
}

TEST(ReportPerformance, TheFirstDaysReturnRunsFromTheOpeningEquity) {
  // The run opens with 100; day closes 90 (a loss on the first day), 99,
  // 108.9, 98.01. Returns from the opening: -0.1, +0.1, +0.1, -0.1: mean 0,
  // Sharpe 0. Without the first day's return (+0.1, +0.1, -0.1) it would be
  // mean 1/30, stdev sqrt(12)/30 -> sqrt(252/12) = +4.58 on a run that lost
  // 2%: the bug a user saw (+9.49 on a negative total return).
  std::vector<EquitySample> curve = {
      at(kDay0 + 15 * kHour, 95), at(kDay0 + 20 * kHour, 90), at(kDay0 + kDay + 20 * kHour, 99),
      at(kDay0 + 2 * kDay + 20 * kHour, 108.9), at(kDay0 + 3 * kDay + 20 * kHour, 98.01)};
  EXPECT_NEAR(sharpe_ratio(curve), std::sqrt(21.0), 1e-9);  // the old reading
  EXPECT_NEAR(sharpe_ratio(curve, 100), 0.0, 1e-12);

  // A loss on day 1 only, then flat-ish gains: opening 100, closes 80, 84,
  // 88.2, 92.61 (total -7.4%). Returns -0.2, +0.05, +0.05, +0.05: mean
  // -0.0125; deviations -0.1875, 0.0625 x3; squares 0.03515625 + 3 *
  // 0.00390625 = 0.046875; variance 0.015625; stdev 0.125. Sharpe = -0.1 *
  // sqrt(252) = -1.5874507866...
  std::vector<EquitySample> loss = {at(kDay0 + 20 * kHour, 80), at(kDay0 + kDay + 20 * kHour, 84),
                                    at(kDay0 + 2 * kDay + 20 * kHour, 88.2),
                                    at(kDay0 + 3 * kDay + 20 * kHour, 92.61)};
  EXPECT_NEAR(sharpe_ratio(loss, 100), -0.1 * std::sqrt(252.0), 1e-9);
  // Without the opening the loss is invisible: three equal +5% returns, no
  // deviation, Sharpe 0.
  EXPECT_EQ(sharpe_ratio(loss), 0.0);
}

TEST(ReportPerformance, TheOpeningEquityIsTheFirstPeak) {
  // Opening 100, first sample already 75: a 25% drawdown the samples alone
  // (peak 75, then 80) do not show.
  PerformanceTracker tracker;
  tracker.open(100);
  tracker.add(kDay0 + kHour, 75);
  tracker.add(kDay0 + 2 * kHour, 80);
  EXPECT_DOUBLE_EQ(tracker.max_drawdown(), 0.25);
  PerformanceTracker without;
  without.add(kDay0 + kHour, 75);
  without.add(kDay0 + 2 * kHour, 80);
  EXPECT_EQ(without.max_drawdown(), 0.0);
}

TEST(ReportPerformance, FallbackCountsTheReturnFromTheOpeningEquity) {
  // One day: opening 100, samples 110, 99, 108.9 at 60 s spacing. Returns
  // +0.1, -0.1, +0.1 (the first from the opening): mean / stdev = 1/sqrt(12);
  // spacings 60 s, 60 s (the opening adds none): sqrt(31,557,600 / 60).
  const int64_t t0 = kDay0 + 10 * kHour;
  std::vector<EquitySample> curve = {at(t0, 110), at(t0 + 60 * kSecond, 99),
                                     at(t0 + 120 * kSecond, 108.9)};
  EXPECT_NEAR(sharpe_ratio(curve, 100), std::sqrt(525960.0) / std::sqrt(12.0), 1e-8);
}

}  // namespace
}  // namespace keel
