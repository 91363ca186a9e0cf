// Flat-vol calibration: exact recovery, weighted least-squares optimality, error reporting.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bsm.hpp"

namespace keel::bsm {
namespace {

// A small option chain: strikes 80..120 on three expiries, calls and puts, priced at `vol`.
std::vector<Quote> chain(double vol) {
  std::vector<Quote> quotes;
  for (double t : {0.1, 0.5, 2.0}) {
    for (double k = 80; k <= 120; k += 5) {
      for (Right right : {Right::call, Right::put}) {
        Quote q{{100, k, t, vol, 0.03, 0.01, right}, 0.0};
        q.premium = price(q.option).price;
        quotes.push_back(q);
      }
    }
  }
  return quotes;
}

double objective(const std::vector<Quote>& quotes, double vol) {
  double f = 0;
  for (const Quote& q : quotes) {
    Inputs in = q.option;
    in.vol = vol;
    const double r = price(in).price - q.premium;
    f += q.weight * r * r;
  }
  return f;
}

TEST(BsmCalibrate, RecoversTheGeneratingVol) {
  const std::vector<Quote> quotes = chain(0.27);
  const Calibration c = calibrate_flat_vol(quotes.data(), quotes.size());
  ASSERT_TRUE(c.ok) << c.message;
  EXPECT_NEAR(c.vol, 0.27, 1e-9);
  ASSERT_EQ(c.residuals.size(), quotes.size());
  for (double r : c.residuals) EXPECT_LT(std::fabs(r), 1e-9);
  EXPECT_LT(c.rmse, 1e-9);
  EXPECT_GT(c.iterations, 0);
  EXPECT_LT(c.iterations, 20);
  EXPECT_TRUE(c.message.empty()) << c.message;
}

TEST(BsmCalibrate, StartingPointDoesNotMatter) {
  const std::vector<Quote> quotes = chain(0.27);
  for (double start : {1e-4, 0.05, 1.0, 5.0, 10.0}) {
    const Calibration c = calibrate_flat_vol(quotes.data(), quotes.size(), start);
    ASSERT_TRUE(c.ok) << start << ": " << c.message;
    EXPECT_NEAR(c.vol, 0.27, 1e-9) << start;
  }
}

TEST(BsmCalibrate, NoisyWeightedQuotesGiveTheLeastSquaresOptimum) {
  std::vector<Quote> quotes = chain(0.27);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::uniform_real_distribution<double> weight(0.2, 5.0);
  for (Quote& q : quotes) {
    q.premium = std::max(q.premium * (1.0 + noise(rng)), 0.0);
    q.weight = weight(rng);
  }
  const Calibration c = calibrate_flat_vol(quotes.data(), quotes.size());
  ASSERT_TRUE(c.ok) << c.message;
  EXPECT_NEAR(c.vol, 0.27, 0.02);

  // First-order condition: sum w_i r_i vega_i = 0 (relative to its scale sum w_i |r_i| vega_i).
  double gradient = 0, scale = 0, weighted_sq = 0, weights = 0;
  for (size_t i = 0; i < quotes.size(); ++i) {
    Inputs in = quotes[i].option;
    in.vol = c.vol;
    const Greeks g = price(in);
    const double r = g.price - quotes[i].premium;
    EXPECT_NEAR(c.residuals[i], r, 1e-12 * (1 + std::fabs(g.price))) << i;
    gradient += quotes[i].weight * r * g.vega;
    scale += quotes[i].weight * std::fabs(r) * g.vega;
    weighted_sq += quotes[i].weight * r * r;
    weights += quotes[i].weight;
  }
  EXPECT_LT(std::fabs(gradient), 1e-10 * scale);
  EXPECT_NEAR(c.rmse, std::sqrt(weighted_sq / weights), 1e-12 * c.rmse);

  // A minimum, not just a stationary point: nudging vol either way increases the objective.
  const double f = objective(quotes, c.vol);
  for (double nudge : {1e-5, 1e-4, 1e-2}) {
    EXPECT_GT(objective(quotes, c.vol + nudge), f) << nudge;
    EXPECT_GT(objective(quotes, c.vol - nudge), f) << nudge;
  }
}

TEST(BsmCalibrate, WeightsMatter) {
  // Two quotes implying different vols: the fit moves towards the heavier one.
  Quote a{{100, 100, 1.0, 0.2, 0.0, 0.0, Right::call}, 0.0};
  a.premium = price(a.option).price;
  Quote b{{100, 110, 1.0, 0.4, 0.0, 0.0, Right::call}, 0.0};
  b.premium = price(b.option).price;
  std::vector<Quote> quotes{a, b};
  quotes[0].weight = 100.0;
  const Calibration heavy_a = calibrate_flat_vol(quotes.data(), quotes.size());
  quotes[0].weight = 0.01;
  const Calibration heavy_b = calibrate_flat_vol(quotes.data(), quotes.size());
  ASSERT_TRUE(heavy_a.ok && heavy_b.ok);
  EXPECT_LT(heavy_a.vol, 0.21);
  EXPECT_GT(heavy_b.vol, 0.39);
}

TEST(BsmCalibrate, VolBoundIsReported) {
  // Premiums a whisker below the upper bound need a vol far above 10: the fit stops at the bound.
  Quote q{{100, 100, 1.0, 0.0, 0.0, 0.0, Right::call}, 100.0 * (1 - 1e-9)};
  const Calibration c = calibrate_flat_vol(&q, 1);
  ASSERT_TRUE(c.ok) << c.message;
  EXPECT_EQ(c.vol, 10.0);
  EXPECT_NE(c.message.find("bound"), std::string::npos) << c.message;
}

TEST(BsmCalibrate, RejectsBadInput) {
  const Calibration empty = calibrate_flat_vol(nullptr, 0);
  EXPECT_FALSE(empty.ok);
  EXPECT_TRUE(std::isnan(empty.vol));
  EXPECT_NE(empty.message.find("no quotes"), std::string::npos) << empty.message;

  std::vector<Quote> quotes = chain(0.27);
  quotes[2].option.strike = -1;
  Calibration c = calibrate_flat_vol(quotes.data(), quotes.size());
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("quote 2"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("strike"), std::string::npos) << c.message;
  EXPECT_TRUE(c.residuals.empty());

  quotes = chain(0.27);
  quotes[5].weight = 0.0;
  c = calibrate_flat_vol(quotes.data(), quotes.size());
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("quote 5"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("weight"), std::string::npos) << c.message;

  quotes = chain(0.27);
  quotes[7].weight = -2.0;
  EXPECT_FALSE(calibrate_flat_vol(quotes.data(), quotes.size()).ok);

  quotes = chain(0.27);
  quotes[1].premium = std::numeric_limits<double>::quiet_NaN();
  c = calibrate_flat_vol(quotes.data(), quotes.size());
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("premium"), std::string::npos) << c.message;
}

TEST(BsmCalibrate, ZeroVegaEverywhereIsAnError) {
  Quote q{{100, 90, 0.0, 0.0, 0.0, 0.0, Right::call}, 10.0};  // expired: no vol information
  const Calibration c = calibrate_flat_vol(&q, 1);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("vega"), std::string::npos) << c.message;
}

}  // namespace
}  // namespace keel::bsm
