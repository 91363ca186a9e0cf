// Implied volatility: round trips, status handling, robustness, batch, speed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bsm.hpp"

namespace keel::bsm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double premium(const Inputs& in) { return price(in).price; }

double with_vol(Inputs in, double vol) {
  in.vol = vol;
  return premium(in);
}

// Whether the premium pins vol down to 1e-10: a 1e-10 change of vol must move the premium by more
// than its own floating-point uncertainty (taken as 1e-13 relative, i.e. a few hundred ulps of
// the cancellations inside the price, plus an absolute floor near the underflow threshold), and
// must change the double at all.
bool informative(const Inputs& in) {
  const Greeks g = price(in);
  if (g.vega * 1e-10 < 1e-13 * g.price + 1e-300) return false;
  return with_vol(in, in.vol + 1e-10) != g.price || with_vol(in, in.vol - 1e-10) != g.price;
}

struct GridStats {
  int total = 0, checked = 0, skipped = 0, failures = 0, max_iterations = 0;
  long iterations = 0;
  double worst = 0;
};

// Every point of the grid: price, invert, compare. Skips (and counts) only uninformative premiums;
// a no_information status on an informative premium is a failure.
GridStats round_trip(const std::vector<double>& moneyness, const std::vector<double>& expiries,
                     const std::vector<double>& vols) {
  GridStats st;
  for (double k : moneyness) {
    for (double t : expiries) {
      for (double v : vols) {
        for (double r : {-0.01, 0.0, 0.05}) {
          for (double q : {0.0, 0.03}) {
            for (Right right : {Right::call, Right::put}) {
              const Inputs in{100.0, 100.0 * k, t, v, r, q, right};
              const double p = premium(in);
              const IvResult res = implied_vol(in, p);
              ++st.total;
              if (!informative(in)) {
                ++st.skipped;
                continue;
              }
              ++st.checked;
              const double err = std::fabs(res.vol - v);
              st.iterations += res.iterations;
              st.max_iterations = std::max(st.max_iterations, res.iterations);
              if (res.status != IvStatus::ok || !(err <= 1e-10)) {
                if (++st.failures <= 10) {
                  ADD_FAILURE() << (right == Right::call ? "call" : "put") << " K/S=" << k
                                << " T=" << t << " vol=" << v << " r=" << r << " q=" << q
                                << " premium=" << p << " status=" << static_cast<int>(res.status)
                                << " vol_hat=" << res.vol << " err=" << err;
                }
              } else {
                st.worst = std::max(st.worst, err);
              }
            }
          }
        }
      }
    }
  }
  return st;
}

void report(const char* name, const GridStats& st) {
  std::printf(
      "[ info     ] %s: %d points, %d checked, %d skipped as uninformative (%.1f%%), "
      "max |vol error| %.2g, mean/max iterations %.2f/%d\n",
      name, st.total, st.checked, st.skipped, 100.0 * st.skipped / st.total, st.worst,
      st.checked ? static_cast<double>(st.iterations) / st.checked : 0.0, st.max_iterations);
}

TEST(BsmImpliedVol, RoundTripFullGrid) {
  const GridStats st =
      round_trip({0.2, 0.5, 0.8, 0.95, 1, 1.05, 1.25, 2, 5},
                 {1.0 / 365 / 24, 1.0 / 365, 0.1, 1, 5, 30}, {0.01, 0.05, 0.2, 0.5, 1, 3});
  report("full grid", st);
  EXPECT_EQ(st.failures, 0);
  // The grid's corners (K/S = 0.2 or 5 at an hour to expiry and 1% vol, ...) are pure intrinsic
  // or zero to double precision; those are the skips. They stay a minority:
  EXPECT_LT(st.skipped, 0.40 * st.total);
}

TEST(BsmImpliedVol, RoundTripCoreGridSkipsAlmostNothing) {
  // Where options actually trade (moneyness within a few standard deviations): every premium
  // carries the information and must round-trip.
  const GridStats st =
      round_trip({0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25}, {0.1, 0.5, 1, 2, 5}, {0.1, 0.2, 0.5, 1});
  report("core grid", st);
  EXPECT_EQ(st.failures, 0);
  EXPECT_LE(st.skipped, 0.02 * st.total);
  EXPECT_LE(static_cast<double>(st.iterations) / st.checked, 2.0);
  EXPECT_LE(st.max_iterations, 4);
}

TEST(BsmImpliedVol, DeepOutOfTheMoneyTinyPremiums) {
  // Premiums down to ~1e-250 invert through the log-price objective.
  for (double v : {0.05, 0.1, 0.2}) {
    const Inputs in{100, 250, 1.0, v, 0.01, 0.0, Right::call};
    const double p = premium(in);
    ASSERT_GT(p, 0.0);
    const IvResult res = implied_vol(in, p);
    ASSERT_EQ(res.status, IvStatus::ok) << v;
    EXPECT_NEAR(res.vol, v, 1e-12 * v) << "premium " << p;
  }
}

// ---- Statuses ----------------------------------------------------------------------------------

void expect_status(const Inputs& in, double p, IvStatus want, const char* needle = nullptr) {
  const IvResult res = implied_vol(in, p);
  EXPECT_EQ(res.status, want) << "premium " << p;
  EXPECT_TRUE(std::isnan(res.vol));
  ASSERT_NE(res.message, nullptr);
  if (needle != nullptr) {
    EXPECT_NE(std::string(res.message).find(needle), std::string::npos) << res.message;
  }
}

TEST(BsmImpliedVol, OutsideTheNoArbitrageBounds) {
  const Inputs c{100, 90, 1.0, 0.0, 0.05, 0.02, Right::call};
  const double fd = 100 * std::exp(-0.02), kd = 90 * std::exp(-0.05);
  expect_status(c, (fd - kd) * 0.999, IvStatus::below_intrinsic, "intrinsic");
  expect_status(c, fd * 1.001, IvStatus::above_upper_bound, "S e^{-qT}");
  const Inputs p{100, 110, 1.0, 0.0, 0.05, 0.02, Right::put};
  const double kd_put = 110 * std::exp(-0.05);
  expect_status(p, (kd_put - fd) * 0.999, IvStatus::below_intrinsic, "intrinsic");
  expect_status(p, kd_put * 1.001, IvStatus::above_upper_bound, "K e^{-rT}");
}

TEST(BsmImpliedVol, AtTheBoundsThereIsNoInformation) {
  const Inputs itm{100, 90, 1.0, 0.0, 0.05, 0.02, Right::call};
  const double fd = 100 * std::exp(-0.02), kd = 90 * std::exp(-0.05);
  expect_status(itm, fd - kd, IvStatus::no_information);  // exactly intrinsic
  expect_status(itm, fd, IvStatus::no_information);       // exactly the upper bound
  const Inputs otm{100, 120, 1.0, 0.0, 0.05, 0.02, Right::call};
  expect_status(otm, 0.0, IvStatus::no_information);
  const Inputs expired{100, 90, 0.0, 0.0, 0.05, 0.02, Right::call};
  expect_status(expired, 11.0, IvStatus::no_information, "expiry");
  // A premium that vol 0.2 produces but that sits one ulp from intrinsic: deep in the money with
  // an hour to go, time value below the resolution of the intrinsic.
  const Inputs deep{100, 20, 1.0 / 8760, 0.2, 0.05, 0.0, Right::call};
  EXPECT_EQ(implied_vol(deep, premium(deep)).status, IvStatus::no_information);
}

TEST(BsmImpliedVol, InvalidInputs) {
  const Inputs good{100, 100, 1.0, 0.0, 0.05, 0.0, Right::call};
  expect_status(good, kNaN, IvStatus::invalid_input, "premium");
  expect_status(good, -1.0, IvStatus::invalid_input, "premium");
  expect_status(good, std::numeric_limits<double>::infinity(), IvStatus::invalid_input);
  Inputs bad = good;
  bad.spot = -5;
  expect_status(bad, 1.0, IvStatus::invalid_input, "spot");
  bad = good;
  bad.expiry = kNaN;
  expect_status(bad, 1.0, IvStatus::invalid_input, "expiry");
  // The vol field is ignored, even when it would be invalid.
  Inputs any_vol = good;
  any_vol.vol = kNaN;
  EXPECT_EQ(implied_vol(any_vol, 10.0).status, IvStatus::ok);
}

TEST(BsmImpliedVol, RandomPremiumsNeverGiveSilentNaN) {
  // Premiums uniform between the bounds (not generated from a vol): ok results must be finite
  // and reproduce the premium; the rest must say why.
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    const Inputs in{100,
                    100 * std::exp(-2 + 4 * u(rng)),
                    std::exp(-9 + 12 * u(rng)),
                    0.0,
                    -0.02 + 0.1 * u(rng),
                    0.05 * u(rng),
                    u(rng) < 0.5 ? Right::call : Right::put};
    const double fd = in.spot * std::exp(-in.dividend * in.expiry);
    const double kd = in.strike * std::exp(-in.rate * in.expiry);
    const double lower = std::max(in.right == Right::call ? fd - kd : kd - fd, 0.0);
    const double upper = in.right == Right::call ? fd : kd;
    const double p = lower + (upper - lower) * u(rng);
    const IvResult res = implied_vol(in, p);
    if (res.status != IvStatus::ok) {
      EXPECT_EQ(res.status, IvStatus::no_information) << i;
      EXPECT_NE(res.message, nullptr);
      continue;
    }
    ++ok;
    ASSERT_TRUE(std::isfinite(res.vol) && res.vol > 0) << i;
    EXPECT_NEAR(with_vol(in, res.vol), p, 1e-12 * upper) << i;
  }
  EXPECT_GT(ok, 19000);
}

TEST(BsmImpliedVol, BatchMatchesScalar) {
  std::vector<double> spot, strike, expiry, rate, dividend, prem;
  std::vector<int32_t> right;
  std::vector<IvStatus> want_status;
  std::vector<double> want_vol;
  for (double k : {0.5, 0.9, 1.0, 1.1, 2.0}) {
    for (double t : {0.0, 0.1, 1.0}) {
      for (int w = 0; w < 2; ++w) {
        const Inputs in{100, 100 * k, t, 0.3, 0.03, 0.01, static_cast<Right>(w)};
        spot.push_back(in.spot);
        strike.push_back(in.strike);
        expiry.push_back(in.expiry);
        rate.push_back(in.rate);
        dividend.push_back(in.dividend);
        right.push_back(w);
        prem.push_back(premium(in));
        const IvResult r = implied_vol(in, prem.back());
        want_status.push_back(r.status);
        want_vol.push_back(r.vol);
      }
    }
  }
  prem[3] = -1.0;  // one invalid premium
  want_status[3] = IvStatus::invalid_input;
  want_vol[3] = kNaN;
  const BatchIn in{spot.size(), spot.data(), strike.data(),   expiry.data(),
                   nullptr,     rate.data(), dividend.data(), right.data()};
  std::vector<double> vol(spot.size());
  std::vector<IvStatus> status(spot.size());
  implied_vol_batch(in, prem.data(), vol.data(), status.data());
  for (size_t i = 0; i < vol.size(); ++i) {
    EXPECT_EQ(status[i], want_status[i]) << i;
    if (std::isnan(want_vol[i])) {
      EXPECT_TRUE(std::isnan(vol[i])) << i;
    } else {
      EXPECT_EQ(vol[i], want_vol[i]) << i;
    }
  }
  std::vector<double> vol_only(spot.size());
  implied_vol_batch(in, prem.data(), vol_only.data(), nullptr);  // statuses not wanted
  for (size_t i = 0; i < vol.size(); ++i) {
    EXPECT_TRUE(vol_only[i] == vol[i] || (std::isnan(vol_only[i]) && std::isnan(vol[i]))) << i;
  }
}

}  // namespace
}  // namespace keel::bsm
