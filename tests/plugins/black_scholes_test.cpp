// keel.black_scholes through the host: the numbers a user gets from the
// plugin's C tables agree with published values and with each other
// (single vs batch, price vs implied vol), and every failure is a status.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/host/host.hpp"

namespace keel {
namespace {

class BlackScholesPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
    Result<keel_model_handle_t> handle =
        host_.create_model("keel.black_scholes", "{}", "model 'bs'");
    ASSERT_TRUE(handle) << handle.status().message();
    handle_ = *handle;
    model_ = *host_.model(handle_);
  }

  static keel_option_t option(double spot, double strike, double expiry, double vol, double rate,
                              double dividend, int32_t right) {
    return keel_option_t{spot, strike, expiry, vol, rate, dividend, right, KEEL_EXERCISE_EUROPEAN};
  }

  Host host_;
  keel_model_handle_t handle_{};
  std::shared_ptr<ModelInstance> model_;
};

TEST_F(BlackScholesPlugin, PublishedValues) {
  // Haug (2007), generalized Black-Scholes example: 2.1334.
  EXPECT_NEAR(model_->price(option(60, 65, 0.25, 0.30, 0.08, 0, KEEL_RIGHT_CALL))->price, 2.1334,
              5e-5);
  // Haug, Black-Scholes-Merton with dividend yield: put 2.4648.
  EXPECT_NEAR(model_->price(option(100, 95, 0.5, 0.20, 0.10, 0.05, KEEL_RIGHT_PUT))->price, 2.4648,
              5e-5);
  // Hull, Options, Futures and Other Derivatives: call 4.7594, put 0.8086.
  EXPECT_NEAR(model_->price(option(42, 40, 0.5, 0.2, 0.1, 0, KEEL_RIGHT_CALL))->price, 4.7594, 5e-5);
  EXPECT_NEAR(model_->price(option(42, 40, 0.5, 0.2, 0.1, 0, KEEL_RIGHT_PUT))->price, 0.8086, 5e-5);
}

TEST_F(BlackScholesPlugin, BatchThroughTheAbiMatchesSingleCalls) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  const size_t n = 1003;  // not a multiple of the SIMD width
  std::vector<double> spot(n), strike(n), expiry(n), vol(n), rate(n), dividend(n);
  std::vector<int32_t> right(n);
  for (size_t i = 0; i < n; ++i) {
    spot[i] = 50 + 100 * u(rng);
    strike[i] = spot[i] * (0.5 + u(rng));
    expiry[i] = 0.01 + 3 * u(rng);
    vol[i] = 0.05 + 0.8 * u(rng);
    rate[i] = -0.01 + 0.08 * u(rng);
    dividend[i] = 0.05 * u(rng);
    right[i] = static_cast<int32_t>(i % 2);
  }
  std::vector<double> price(n), delta(n), gamma(n), vega(n), theta(n), rho(n);
  std::vector<keel_status_t> status(n, -1);
  const keel_option_batch_t batch{n,          spot.data(),     strike.data(), expiry.data(),
                                  vol.data(), rate.data(),     dividend.data(), right.data(),
                                  nullptr};
  const keel_greeks_batch_t out{price.data(), delta.data(), gamma.data(), vega.data(),
                                theta.data(), rho.data(),   status.data()};
  ASSERT_TRUE(model_->price_batch(batch, out));
  for (size_t i = 0; i < n; ++i) {
    const keel_greeks_t g =
        *model_->price(option(spot[i], strike[i], expiry[i], vol[i], rate[i], dividend[i], right[i]));
    auto close = [](double a, double b) { return std::abs(a - b) <= 1e-14 + 1e-13 * std::abs(b); };
    EXPECT_EQ(status[i], KEEL_OK);
    EXPECT_TRUE(close(price[i], g.price)) << i << ": " << price[i] << " vs " << g.price;
    EXPECT_TRUE(close(delta[i], g.delta)) << i;
    EXPECT_TRUE(close(gamma[i], g.gamma)) << i;
    EXPECT_TRUE(close(vega[i], g.vega)) << i;
    EXPECT_TRUE(close(theta[i], g.theta)) << i;
    EXPECT_TRUE(close(rho[i], g.rho)) << i;
  }
}

TEST_F(BlackScholesPlugin, BatchReportsBadRowsByIndexAndPricesTheRest) {
  std::vector<double> spot{100, 100, 100}, strike{100, -5, 110}, expiry{1, 1, 1},
      vol{0.2, 0.2, 0.2}, rate{0.01, 0.01, 0.01}, dividend{0, 0, 0};
  std::vector<int32_t> right{KEEL_RIGHT_CALL, KEEL_RIGHT_CALL, KEEL_RIGHT_PUT};
  std::vector<int32_t> exercise{KEEL_EXERCISE_EUROPEAN, KEEL_EXERCISE_EUROPEAN,
                                KEEL_EXERCISE_AMERICAN};
  std::vector<double> price(3);
  std::vector<keel_status_t> status(3);
  const keel_option_batch_t batch{3,          spot.data(), strike.data(),   expiry.data(),
                                  vol.data(), rate.data(), dividend.data(), right.data(),
                                  exercise.data()};
  const keel_greeks_batch_t out{price.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                status.data()};
  Status s = model_->price_batch(batch, out);
  EXPECT_EQ(s.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(s.message().find("option 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("strike"), std::string::npos) << s.message();
  EXPECT_EQ(status[0], KEEL_OK);
  EXPECT_GT(price[0], 0);
  EXPECT_EQ(status[1], KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(std::isnan(price[1]));
  EXPECT_EQ(status[2], KEEL_ERR_UNSUPPORTED);  // American put: not a closed form
  EXPECT_TRUE(std::isnan(price[2]));
}

TEST_F(BlackScholesPlugin, AmericanExercise) {
  keel_option_t call = option(100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL);
  const double european = model_->price(call)->price;
  call.exercise = KEEL_EXERCISE_AMERICAN;  // no dividend: never exercised early
  EXPECT_DOUBLE_EQ(model_->price(call)->price, european);
  keel_option_t put = option(100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_PUT);
  put.exercise = KEEL_EXERCISE_AMERICAN;
  Result<keel_greeks_t> american_put = model_->price(put);
  ASSERT_FALSE(american_put);
  EXPECT_EQ(american_put.status().code(), KEEL_ERR_UNSUPPORTED);
  EXPECT_NE(american_put.status().message().find("keel.binomial"), std::string::npos);
}

TEST_F(BlackScholesPlugin, ImpliedVolRoundTripAndBounds) {
  const keel_option_t o = option(100, 120, 0.75, 0.37, 0.03, 0.01, KEEL_RIGHT_CALL);
  const double premium = model_->price(o)->price;
  Result<double> vol = model_->implied_vol(o, premium);
  ASSERT_TRUE(vol) << vol.status().message();
  EXPECT_NEAR(*vol, 0.37, 1e-10);

  Result<double> above = model_->implied_vol(o, 150.0);  // above S e^{-qT}
  ASSERT_FALSE(above);
  EXPECT_EQ(above.status().code(), KEEL_ERR_NO_SOLUTION);
  Result<double> negative = model_->implied_vol(o, -1.0);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.status().code(), KEEL_ERR_INVALID_ARGUMENT);
}

TEST_F(BlackScholesPlugin, ImpliedVolBatchMatchesSingleAndFlagsBadItems) {
  std::vector<double> spot{100, 100, 100, 100}, strike{80, 100, 130, 100}, expiry{0.5, 1, 2, 1},
      rate{0.02, 0.02, 0.02, 0.02}, dividend{0, 0.01, 0.02, 0};
  std::vector<int32_t> right{KEEL_RIGHT_PUT, KEEL_RIGHT_CALL, KEEL_RIGHT_CALL, KEEL_RIGHT_CALL};
  const std::vector<double> vols{0.45, 0.2, 0.33, 0.2};
  std::vector<double> premiums(4);
  for (size_t i = 0; i < 3; ++i) {
    premiums[i] =
        model_->price(option(spot[i], strike[i], expiry[i], vols[i], rate[i], dividend[i], right[i]))
            ->price;
  }
  premiums[3] = 1000;  // impossible for a call on 100
  std::vector<double> out(4);
  std::vector<keel_status_t> status(4);
  const keel_option_batch_t batch{4,           spot.data(), strike.data(),   expiry.data(),
                                  nullptr,     rate.data(), dividend.data(), right.data(),
                                  nullptr};
  Status s = model_->implied_vol_batch(batch, premiums.data(), out.data(), status.data());
  EXPECT_EQ(s.code(), KEEL_ERR_NO_SOLUTION);
  EXPECT_NE(s.message().find("option 3"), std::string::npos) << s.message();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(status[i], KEEL_OK);
    EXPECT_NEAR(out[i], vols[i], 1e-10);
  }
  EXPECT_EQ(status[3], KEEL_ERR_NO_SOLUTION);
  EXPECT_TRUE(std::isnan(out[3]));
}

TEST_F(BlackScholesPlugin, CalibrationReportCapsule) {
  std::vector<keel_calibration_quote_t> quotes;
  for (double strike : {80.0, 90.0, 100.0, 110.0, 120.0}) {
    keel_option_t o = option(100, strike, 0.5, 0.31, 0.02, 0.0, KEEL_RIGHT_CALL);
    quotes.push_back({o, model_->price(o)->price, 1.0});
  }
  Result<CalibrationReport> fit = model_->calibrate(quotes.data(), quotes.size());
  ASSERT_TRUE(fit) << fit.status().message();
  const keel_calibration_report_t& report = *fit->report;
  ASSERT_EQ(report.parameter_count, 1u);
  EXPECT_STREQ(report.parameter_names[0], "vol");
  EXPECT_NEAR(report.parameters[0], 0.31, 1e-9);
  ASSERT_EQ(report.residual_count, quotes.size());
  for (size_t i = 0; i < quotes.size(); ++i) EXPECT_NEAR(report.residuals[i], 0, 1e-8);
  EXPECT_EQ(report.converged, 1);
  EXPECT_STREQ(fit->capsule.view().tag, KEEL_CAPSULE_TAG_CALIBRATION);

  Result<CalibrationReport> empty = model_->calibrate(nullptr, 0);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.status().code(), KEEL_ERR_INVALID_ARGUMENT);
}

TEST_F(BlackScholesPlugin, RejectsUnknownParams) {
  Result<keel_model_handle_t> bad =
      host_.create_model("keel.black_scholes", R"({"volatility": 0.2})", "model 'bad'");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(bad.status().message().find("/volatility"), std::string::npos)
      << bad.status().message();
  Result<keel_model_handle_t> not_json =
      host_.create_model("keel.black_scholes", "{oops", "model 'bad'");
  ASSERT_FALSE(not_json);
  EXPECT_NE(not_json.status().message().find("not valid JSON"), std::string::npos);
}

TEST_F(BlackScholesPlugin, InvalidInputsNameTheField) {
  Result<keel_greeks_t> g = model_->price(option(100, 100, 1, -0.2, 0.01, 0, KEEL_RIGHT_CALL));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(g.status().message().find("vol"), std::string::npos) << g.status().message();
  Result<keel_greeks_t> nan_spot =
      model_->price(option(std::nan(""), 100, 1, 0.2, 0.01, 0, KEEL_RIGHT_CALL));
  ASSERT_FALSE(nan_spot);
  EXPECT_NE(nan_spot.status().message().find("spot"), std::string::npos);
  Result<keel_greeks_t> bad_right = model_->price(option(100, 100, 1, 0.2, 0.01, 0, 7));
  ASSERT_FALSE(bad_right);
  EXPECT_NE(bad_right.status().message().find("right"), std::string::npos);
  EXPECT_FALSE(host_.registry().find_factory("keel.black_scholes").value()->plugin->poisoned());
}

}  // namespace
}  // namespace keel
