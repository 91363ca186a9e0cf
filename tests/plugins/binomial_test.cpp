// keel.binomial (OCaml) through the host: the tree converges to Black-Scholes
// (keel.black_scholes, loaded in the same process) for European exercise,
// prices the early-exercise premium of American options, and its batch,
// implied-vol and params behave as the C ABI says.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/host/host.hpp"

namespace keel {
namespace {

keel_option_t option(double spot, double strike, double expiry, double vol, double rate,
                     double dividend, int32_t right, int32_t exercise = KEEL_EXERCISE_EUROPEAN) {
  return keel_option_t{spot, strike, expiry, vol, rate, dividend, right, exercise};
}

class BinomialPlugin : public ::testing::Test {
 protected:
  void SetUp() override { host_.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR); }

  std::shared_ptr<ModelInstance> model(const std::string& factory, const std::string& params) {
    Result<keel_model_handle_t> handle = host_.create_model(factory, params, "model '" + factory + "'");
    EXPECT_TRUE(handle) << handle.status().message();
    if (!handle) return nullptr;
    return *host_.model(*handle);
  }
  std::shared_ptr<ModelInstance> tree(int steps) {
    return model("keel.binomial", "{\"steps\": " + std::to_string(steps) + "}");
  }

  Host host_;
};

TEST_F(BinomialPlugin, EuropeanConvergesToBlackScholes) {
  auto bs = model("keel.black_scholes", "{}");
  ASSERT_TRUE(bs);
  const std::vector<keel_option_t> options{
      option(100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL),
      option(100, 110, 0.5, 0.3, 0.02, 0.01, KEEL_RIGHT_PUT),
      option(42, 40, 0.5, 0.2, 0.1, 0, KEEL_RIGHT_CALL),
  };
  for (const keel_option_t& o : options) {
    const keel_greeks_t exact = *bs->price(o);
    double previous_error = 1e9;
    for (int steps : {25, 100, 500}) {
      const keel_greeks_t g = *tree(steps)->price(o);
      // CRR's error oscillates but its envelope shrinks as 1/steps.
      const double error = std::abs(g.price - exact.price);
      EXPECT_LT(error, previous_error * 0.8) << "steps " << steps << " strike " << o.strike;
      previous_error = error;
      if (steps == 500) {
        EXPECT_LT(error, 1e-2) << g.price << " vs " << exact.price;
        EXPECT_NEAR(g.delta, exact.delta, 2e-3);
        EXPECT_NEAR(g.gamma, exact.gamma, 2e-3);
        EXPECT_NEAR(g.theta, exact.theta, 2e-2 * std::abs(exact.theta) + 1e-2);
        EXPECT_NEAR(g.vega, exact.vega, 1e-2 * exact.vega);
        EXPECT_NEAR(g.rho, exact.rho, 1e-2 * std::abs(exact.rho) + 1e-2);
      }
    }
  }
}

TEST_F(BinomialPlugin, AmericanPutCarriesAnEarlyExercisePremium) {
  auto m = tree(500);
  for (double strike : {100.0, 110.0, 120.0}) {  // at and in the money, r > 0
    const double european = m->price(option(100, strike, 1, 0.2, 0.05, 0, KEEL_RIGHT_PUT))->price;
    const double american =
        m->price(option(100, strike, 1, 0.2, 0.05, 0, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN))->price;
    EXPECT_GT(american, european + 1e-3) << "strike " << strike;
    EXPECT_GE(american, strike - 100) << "never below intrinsic";
  }
  // A published value: S=K=100, T=1, vol 0.2, r 0.05, American put ~ 6.0904 (Hull).
  EXPECT_NEAR(
      m->price(option(100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN))->price,
      6.0904, 5e-3);
}

TEST_F(BinomialPlugin, AmericanCallWithoutDividendIsEuropean) {
  auto m = tree(300);
  for (double strike : {80.0, 100.0, 130.0}) {
    const double european = m->price(option(100, strike, 2, 0.25, 0.04, 0, KEEL_RIGHT_CALL))->price;
    const double american =
        m->price(option(100, strike, 2, 0.25, 0.04, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_AMERICAN))->price;
    EXPECT_NEAR(american, european, 1e-12) << "strike " << strike;
  }
  // With a dividend yield early exercise has value.
  const double european = m->price(option(100, 80, 2, 0.25, 0.04, 0.08, KEEL_RIGHT_CALL))->price;
  const double american =
      m->price(option(100, 80, 2, 0.25, 0.04, 0.08, KEEL_RIGHT_CALL, KEEL_EXERCISE_AMERICAN))->price;
  EXPECT_GT(american, european + 1e-2);
}

TEST_F(BinomialPlugin, EuropeanTreesSatisfyPutCallParity) {
  auto m = tree(201);
  for (double strike : {70.0, 100.0, 140.0}) {
    const double s = 100, t = 1.5, r = 0.03, q = 0.02;
    const double call = m->price(option(s, strike, t, 0.35, r, q, KEEL_RIGHT_CALL))->price;
    const double put = m->price(option(s, strike, t, 0.35, r, q, KEEL_RIGHT_PUT))->price;
    EXPECT_NEAR(call - put, s * std::exp(-q * t) - strike * std::exp(-r * t), 1e-9);
  }
}

TEST_F(BinomialPlugin, BatchMatchesSingleCallsAndFlagsBadRows) {
  auto m = tree(100);
  std::vector<double> spot{100, 100, 90, 100}, strike{100, -1, 100, 95}, expiry{1, 1, 0.5, 0},
      vol{0.2, 0.2, 0.3, 0.2}, rate{0.05, 0.05, 0.01, 0.05}, dividend{0, 0, 0.02, 0};
  std::vector<int32_t> right{KEEL_RIGHT_PUT, KEEL_RIGHT_CALL, KEEL_RIGHT_CALL, KEEL_RIGHT_CALL};
  std::vector<int32_t> exercise{KEEL_EXERCISE_AMERICAN, KEEL_EXERCISE_EUROPEAN,
                                KEEL_EXERCISE_EUROPEAN, KEEL_EXERCISE_EUROPEAN};
  const size_t n = spot.size();
  std::vector<double> price(n), delta(n), gamma(n), vega(n), theta(n), rho(n);
  std::vector<keel_status_t> status(n, -1);
  const keel_option_batch_t batch{n, spot.data(), strike.data(), expiry.data(), vol.data(),
                                  rate.data(), dividend.data(), right.data(), exercise.data()};
  const keel_greeks_batch_t out{price.data(), delta.data(), gamma.data(), vega.data(),
                                theta.data(), rho.data(), status.data()};
  Status s = m->price_batch(batch, out);
  EXPECT_EQ(s.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(s.message().find("option 1: strike"), std::string::npos) << s.message();
  EXPECT_EQ(status[1], KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(std::isnan(price[1]) && std::isnan(delta[1]) && std::isnan(rho[1]));
  for (size_t i : {size_t{0}, size_t{2}, size_t{3}}) {
    const keel_greeks_t g = *m->price(option(spot[i], strike[i], expiry[i], vol[i], rate[i],
                                             dividend[i], right[i], exercise[i]));
    EXPECT_EQ(status[i], KEEL_OK) << i;
    EXPECT_DOUBLE_EQ(price[i], g.price) << i;
    EXPECT_DOUBLE_EQ(delta[i], g.delta) << i;
    EXPECT_DOUBLE_EQ(gamma[i], g.gamma) << i;
    EXPECT_DOUBLE_EQ(vega[i], g.vega) << i;
    EXPECT_DOUBLE_EQ(theta[i], g.theta) << i;
    EXPECT_DOUBLE_EQ(rho[i], g.rho) << i;
  }
  EXPECT_DOUBLE_EQ(price[3], 5.0);  // expired: intrinsic
  EXPECT_DOUBLE_EQ(delta[3], 1.0);
}

TEST_F(BinomialPlugin, ImpliedVolRoundTrip) {
  auto m = tree(200);
  keel_option_t o = option(100, 105, 0.75, 0.31, 0.03, 0.01, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN);
  const double premium = m->price(o)->price;
  Result<double> vol = m->implied_vol(o, premium);
  ASSERT_TRUE(vol) << vol.status().message();
  EXPECT_NEAR(*vol, 0.31, 1e-6);
  Result<double> below = m->implied_vol(o, 1.0);  // below intrinsic (5)
  ASSERT_FALSE(below);
  EXPECT_EQ(below.status().code(), KEEL_ERR_NO_SOLUTION);
}

TEST_F(BinomialPlugin, BadParamsAndInputsAreNamed) {
  struct Case {
    const char* params;
    const char* expected;
  };
  for (const Case& c : {Case{R"({"stpes": 100})", "/stpes: unknown param; did you mean 'steps'?"},
                        Case{R"({"steps": 1})", "/steps: expected an integer in [2, 100000], got 1"},
                        Case{R"({"steps": "many"})", "/steps: expected an integer in [2, 100000], got \"many\""},
                        Case{R"([1, 2])", "params must be a JSON object, got [1,2]"},
                        Case{R"({"steps": 10,})", "params are not valid JSON: at byte 13"}}) {
    Result<keel_model_handle_t> bad = host_.create_model("keel.binomial", c.params, "model 'bad'");
    ASSERT_FALSE(bad) << c.params;
    EXPECT_EQ(bad.status().code(), KEEL_ERR_INVALID_ARGUMENT) << c.params;
    EXPECT_NE(bad.status().message().find(c.expected), std::string::npos)
        << c.params << " -> " << bad.status().message();
  }
  auto m = tree(50);
  Result<keel_greeks_t> g = m->price(option(100, 100, 1, -0.2, 0.01, 0, KEEL_RIGHT_CALL));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(g.status().message().find("vol: expected > 0, got -0.2"), std::string::npos)
      << g.status().message();
  Result<keel_greeks_t> bad_right = m->price(option(100, 100, 1, 0.2, 0.01, 0, 7));
  ASSERT_FALSE(bad_right);
  EXPECT_NE(bad_right.status().message().find("right: expected KEEL_RIGHT_CALL (0) or KEEL_RIGHT_PUT (1), got 7"),
            std::string::npos) << bad_right.status().message();
  // Too few steps for the drift: p leaves (0, 1) — a bad-input status, not a crash.
  Result<keel_greeks_t> drift = tree(2)->price(option(100, 100, 10, 0.01, 0.5, 0, KEEL_RIGHT_CALL));
  ASSERT_FALSE(drift);
  EXPECT_NE(drift.status().message().find("use more steps"), std::string::npos);
  EXPECT_FALSE(m->plugin().poisoned());
}

}  // namespace
}  // namespace keel
