// Price and greeks: published reference values, parity, finite differences, degenerate limits.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bsm.hpp"

namespace keel::bsm {
namespace {

Inputs call(double s, double k, double t, double v, double r, double q) {
  return {s, k, t, v, r, q, Right::call};
}
Inputs put(double s, double k, double t, double v, double r, double q) {
  return {s, k, t, v, r, q, Right::put};
}

// ---- Published values (printed to 4 decimals) ------------------------------------------------
// Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., chapter 1-2 examples; Haug's
// cost of carry b maps to dividend = rate - b.

TEST(BsmPrice, HaugGeneralizedBlackScholesCall) {
  // S=60, X=65, T=0.25, r=0.08, b=r, v=0.30: call 2.1334.
  EXPECT_NEAR(price(call(60, 65, 0.25, 0.30, 0.08, 0.0)).price, 2.1334, 5e-5);
}

TEST(BsmPrice, HaugMertonDividendPut) {
  // S=100, X=95, T=0.5, r=0.10, q=0.05, v=0.20: put 2.4648.
  EXPECT_NEAR(price(put(100, 95, 0.5, 0.20, 0.10, 0.05)).price, 2.4648, 5e-5);
}

TEST(BsmPrice, HullClassicCallAndPut) {
  // Hull, Options Futures and Other Derivatives: S=42, K=40, r=0.10, v=0.20, T=0.5.
  EXPECT_NEAR(price(call(42, 40, 0.5, 0.20, 0.10, 0.0)).price, 4.7594, 5e-5);
  EXPECT_NEAR(price(put(42, 40, 0.5, 0.20, 0.10, 0.0)).price, 0.8086, 5e-5);
}

TEST(BsmPrice, HaugFuturesOptionDelta) {
  // S=105, X=100, T=0.5, r=0.10, b=0 (q=r), v=0.36: call delta 0.5946, put delta -0.3566.
  EXPECT_NEAR(price(call(105, 100, 0.5, 0.36, 0.10, 0.10)).delta, 0.5946, 5e-5);
  EXPECT_NEAR(price(put(105, 100, 0.5, 0.36, 0.10, 0.10)).delta, -0.3566, 5e-5);
}

TEST(BsmPrice, HaugGammaAndVega) {
  // S=55, X=60, T=0.75, r=0.10, b=0.10, v=0.30: gamma 0.0278, vega 18.9358.
  const Greeks g = price(call(55, 60, 0.75, 0.30, 0.10, 0.0));
  EXPECT_NEAR(g.gamma, 0.0278, 5e-5);
  EXPECT_NEAR(g.vega, 18.9358, 5e-5);
}

TEST(BsmPrice, HaugIndexPutTheta) {
  // S=430, X=405, T=0.0833, r=0.07, b=0.02 (q=0.05), v=0.20: put theta -31.1924 per year.
  EXPECT_NEAR(price(put(430, 405, 0.0833, 0.20, 0.07, 0.05)).theta, -31.1924, 5e-5);
}

TEST(BsmPrice, HaugCallRho) {
  // S=72, X=75, T=1, r=0.09, b=0.09, v=0.19: call rho 38.7325.
  EXPECT_NEAR(price(call(72, 75, 1.0, 0.19, 0.09, 0.0)).rho, 38.7325, 5e-5);
}

// ---- Grid for the identities ------------------------------------------------------------------

std::vector<Inputs> grid(bool include_degenerate) {
  std::vector<Inputs> out;
  for (double k : {0.5, 0.8, 0.95, 1.0, 1.05, 1.25, 2.0}) {
    for (double t : {1.0 / 365, 0.1, 0.5, 1.0, 5.0}) {
      for (double v : {0.05, 0.2, 0.5, 1.0}) {
        for (double r : {-0.01, 0.0, 0.05}) {
          for (double q : {0.0, 0.03}) out.push_back(call(100, 100 * k, t, v, r, q));
        }
      }
    }
  }
  if (include_degenerate) {
    for (double k : {0.8, 1.0, 1.25}) {
      out.push_back(call(100, 100 * k, 0.0, 0.2, 0.05, 0.02));
      out.push_back(call(100, 100 * k, 1.0, 0.0, 0.05, 0.02));
    }
  }
  return out;
}

TEST(BsmPrice, PutCallParity) {
  // C - P = S e^{-qT} - K e^{-rT}, to 1e-12 of the money scale.
  for (Inputs in : grid(true)) {
    const double c = price(in).price;
    in.right = Right::put;
    const double p = price(in).price;
    const double fd = in.spot * std::exp(-in.dividend * in.expiry);
    const double kd = in.strike * std::exp(-in.rate * in.expiry);
    EXPECT_NEAR(c - p, fd - kd, 1e-12 * std::max(fd, kd))
        << "K=" << in.strike << " T=" << in.expiry << " vol=" << in.vol;
  }
}

// ---- Greeks against finite differences ---------------------------------------------------------

double value(Inputs in) { return price(in).price; }

// Fourth-order central differences: f' ~ (-f(2h) + 8 f(h) - 8 f(-h) + f(-2h)) / 12h and
// f'' ~ (-f(2h) + 16 f(h) - 30 f(0) + 16 f(-h) - f(-2h)) / 12h^2.
template <class Bump>
double first_derivative(const Inputs& in, double h, Bump bump) {
  return (-value(bump(in, 2 * h)) + 8 * value(bump(in, h)) - 8 * value(bump(in, -h)) +
          value(bump(in, -2 * h))) /
         (12 * h);
}

double second_derivative_spot(const Inputs& in, double h) {
  const auto at = [&](double dx) {
    Inputs b = in;
    b.spot += dx;
    return value(b);
  };
  return (-at(2 * h) + 16 * at(h) - 30 * at(0) + 16 * at(-h) - at(-2 * h)) / (12 * h * h);
}

// Relative 1e-6, with an absolute floor: a small fraction of the greek's natural scale plus the
// stencil's own rounding noise (sum of |weights| * eps * |V| / h^k).
void expect_close(double analytic, double numeric, double scale, double noise,
                  const std::string& what) {
  EXPECT_NEAR(analytic, numeric, 1e-6 * std::fabs(analytic) + 1e-9 * scale + noise) << what;
}

double first_noise(const Inputs& in, double h) {
  return 1.5 * 4 * DBL_EPSILON * std::max(value(in), 1.0) / h;
}

TEST(BsmPrice, GreeksMatchFiniteDifferences) {
  for (Inputs base : grid(false)) {
    if (base.expiry < 0.05 || base.vol < 0.1) continue;  // keep the FD steps well resolved
    for (Right right : {Right::call, Right::put}) {
      Inputs in = base;
      in.right = right;
      const Greeks g = price(in);
      const std::string where =
          std::string(right == Right::call ? "call" : "put") + " K=" + std::to_string(in.strike) +
          " T=" + std::to_string(in.expiry) + " vol=" + std::to_string(in.vol) +
          " r=" + std::to_string(in.rate) + " q=" + std::to_string(in.dividend);
      const double s = in.vol * std::sqrt(in.expiry);
      const double h_spot = 1e-2 * in.spot * s;
      const double delta = first_derivative(in, h_spot, [](Inputs b, double d) {
        b.spot += d;
        return b;
      });
      expect_close(g.delta, delta, 1.0, first_noise(in, h_spot), "delta " + where);
      const double h_gamma = 0.5 * h_spot;
      const double gamma_noise =
          64.0 / 12 * 4 * DBL_EPSILON * std::max(value(in), 1.0) / (h_gamma * h_gamma);
      expect_close(g.gamma, second_derivative_spot(in, h_gamma), 1.0 / in.spot, gamma_noise,
                   "gamma " + where);
      const double h_vol = 1e-3 * in.vol;
      const double vega = first_derivative(in, h_vol, [](Inputs b, double d) {
        b.vol += d;
        return b;
      });
      expect_close(g.vega, vega, in.spot, first_noise(in, h_vol), "vega " + where);
      const double rho = first_derivative(in, 1e-4, [](Inputs b, double d) {
        b.rate += d;
        return b;
      });
      expect_close(g.rho, rho, in.spot, first_noise(in, 1e-4), "rho " + where);
      const double h_t = 1e-3 * in.expiry;
      const double theta = -first_derivative(in, h_t, [](Inputs b, double d) {
        b.expiry += d;
        return b;
      });
      expect_close(g.theta, theta, in.spot, first_noise(in, h_t), "theta " + where);
    }
  }
}

TEST(BsmPrice, LongCallHasNegativeTheta) {
  EXPECT_LT(price(call(100, 100, 0.5, 0.2, 0.03, 0.0)).theta, 0.0);
}

// ---- Tails and degenerate limits ---------------------------------------------------------------

TEST(BsmPrice, DeepOutOfTheMoneyKeepsRelativePrecision) {
  // N(-d) ~ 1e-17 here: 1 + erf(-d/sqrt 2) would round to 0 or to garbage, erfc keeps ~full
  // relative precision. (ln(S/K) = 9 and s = 1 keep the cancellation between the two terms,
  // ~|x|/s^2, small.) Reference: the same formula in long double.
  const Inputs in = put(100, 100 * std::exp(-9.0), 1.0, 1.0, 0.0, 0.0);
  const long double x = std::log(100.0L / in.strike);
  const long double d1 = x + 0.5L, d2 = x - 0.5L;
  const long double ref = in.strike * 0.5L * std::erfc(d2 / std::sqrt(2.0L)) -
                          100.0L * 0.5L * std::erfc(d1 / std::sqrt(2.0L));
  const double p = price(in).price;
  ASSERT_GT(p, 0.0);
  EXPECT_LT(p, 1e-18);
  EXPECT_NEAR(p / static_cast<double>(ref), 1.0, 1e-13);
}

TEST(BsmPrice, ZeroExpiryIsIntrinsicWithFiniteGreeks) {
  const Greeks itm = price(call(110, 100, 0.0, 0.3, 0.05, 0.02));
  EXPECT_DOUBLE_EQ(itm.price, 10.0);
  EXPECT_DOUBLE_EQ(itm.delta, 1.0);
  EXPECT_EQ(itm.gamma, 0.0);
  EXPECT_EQ(itm.vega, 0.0);
  EXPECT_EQ(itm.rho, 0.0);
  EXPECT_DOUBLE_EQ(itm.theta, 0.02 * 110 - 0.05 * 100);  // d/dt (S e^{-q tau} - K e^{-r tau})
  const Greeks otm = price(put(110, 100, 0.0, 0.3, 0.05, 0.02));
  EXPECT_EQ(otm.price, 0.0);
  EXPECT_EQ(otm.delta, 0.0);
  EXPECT_EQ(otm.theta, 0.0);
  const Greeks atm = price(call(100, 100, 0.0, 0.3, 0.05, 0.02));
  EXPECT_EQ(atm.price, 0.0);
  EXPECT_DOUBLE_EQ(atm.delta, 0.5);
  EXPECT_EQ(atm.gamma, 0.0);
  for (double g : {atm.delta, atm.gamma, atm.vega, atm.theta, atm.rho})
    EXPECT_TRUE(std::isfinite(g));
}

TEST(BsmPrice, ZeroVolIsDiscountedForwardIntrinsic) {
  const double t = 2.0, r = 0.04, q = 0.01;
  const double fd = 100 * std::exp(-q * t), kd = 90 * std::exp(-r * t);
  const Greeks c = price(call(100, 90, t, 0.0, r, q));
  EXPECT_DOUBLE_EQ(c.price, fd - kd);
  EXPECT_DOUBLE_EQ(c.delta, std::exp(-q * t));
  EXPECT_EQ(c.gamma, 0.0);
  EXPECT_EQ(c.vega, 0.0);
  EXPECT_DOUBLE_EQ(c.rho, t * kd);
  EXPECT_DOUBLE_EQ(c.theta, q * fd - r * kd);
  // The limit vol -> 0+ is continuous away from the money.
  const Greeks near = price(call(100, 90, t, 1e-6, r, q));
  EXPECT_NEAR(near.price, c.price, 1e-12);
  EXPECT_NEAR(near.theta, c.theta, 1e-12);
  const Greeks p = price(put(100, 90, t, 0.0, r, q));
  EXPECT_EQ(p.price, 0.0);
  EXPECT_EQ(p.delta, 0.0);
}

TEST(BsmPrice, ZeroVolAtTheForwardHasFiniteLimit) {
  // Strike at the forward (exactly: K = S and r = q, so ln(F/K) == 0 in floating point):
  // N(0) = 1/2 weights, vega -> S e^{-qT} sqrt(T)/sqrt(2 pi), gamma reported as 0.
  const double t = 1.0, r = 0.02, q = 0.02;
  const Greeks g = price(call(100, 100, t, 0.0, r, q));
  EXPECT_EQ(g.price, 0.0);
  EXPECT_NEAR(g.delta, 0.5 * std::exp(-q * t), 1e-15);
  EXPECT_NEAR(g.vega, 100 * std::exp(-q * t) * std::sqrt(t) / std::sqrt(2 * M_PI), 1e-12);
  EXPECT_EQ(g.gamma, 0.0);
  for (double v : {g.delta, g.gamma, g.vega, g.theta, g.rho}) EXPECT_TRUE(std::isfinite(v));
}

// ---- validate() ---------------------------------------------------------------------------------

TEST(BsmPrice, ValidateNamesTheField) {
  const Inputs good = call(100, 100, 1, 0.2, 0.05, 0.0);
  EXPECT_EQ(validate(good), nullptr);
  EXPECT_EQ(validate(call(100, 100, 1, 0.2, -0.02, -0.01)), nullptr);  // negative rates are fine
  EXPECT_EQ(validate(call(100, 100, 0, 0, 0, 0)), nullptr);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    Inputs in;
    const char* field;
  };
  const Case cases[] = {
      {call(0, 100, 1, 0.2, 0, 0), "spot"},
      {call(nan, 100, 1, 0.2, 0, 0), "spot"},
      {call(inf, 100, 1, 0.2, 0, 0), "spot"},
      {call(100, -1, 1, 0.2, 0, 0), "strike"},
      {call(100, 100, -1, 0.2, 0, 0), "expiry"},
      {call(100, 100, inf, 0.2, 0, 0), "expiry"},
      {call(100, 100, 1, -0.2, 0, 0), "vol"},
      {call(100, 100, 1, nan, 0, 0), "vol"},
      {call(100, 100, 1, 0.2, nan, 0), "rate"},
      {call(100, 100, 1, 0.2, 0, -inf), "dividend"},
      {{100, 100, 1, 0.2, 0, 0, static_cast<Right>(7)}, "right"},
  };
  for (const Case& c : cases) {
    const char* why = validate(c.in);
    ASSERT_NE(why, nullptr) << c.field;
    EXPECT_NE(std::string(why).find(c.field), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace keel::bsm
