// A small, well-behaved pricing model for the `keel plugin check` cases
// (check_*.cpp): each case breaks exactly one rule on top of it, so the
// checker must report that one rule and pass everything else.
//
// price = discounted intrinsic value of the forward + 0.4 * S * vol * sqrt(T)
// (Brenner-Subrahmanyam's at-the-money time value); the greeks are the
// derivatives of that formula. No implied vol, no calibration (the SDK's
// defaults: KEEL_ERR_UNSUPPORTED with a message).
#pragma once

#include <cmath>
#include <string>

#include "keel/sdk.hpp"

namespace keel_test {

class CheckModel : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kDescription = "a toy model for the plugin check cases";
  static constexpr const char* kParamsSchema =
      R"({"type":"object","properties":{"scale":{"type":"number","default":1}}})";

  CheckModel(keel::sdk::Params& params, const keel::sdk::Host& /*host*/)
      : scale_(params.number("scale", 1.0, {.min = 0})) {}

  keel_greeks_t price(const keel_option_t& o) override {
    if (!(o.spot > 0) || !(o.strike > 0) || !(o.expiry >= 0) || !(o.vol >= 0)) {
      throw keel::sdk::Error(KEEL_ERR_INVALID_ARGUMENT, invalid_message());
    }
    const double growth = std::exp((o.rate - o.dividend) * o.expiry);
    const double discount = std::exp(-o.rate * o.expiry);
    const double forward = o.spot * growth;
    const double sign = o.right == KEEL_RIGHT_CALL ? 1.0 : -1.0;
    const bool in_the_money = sign * (forward - o.strike) > 0;
    const double root_t = std::sqrt(o.expiry);
    keel_greeks_t g{};
    g.price = scale_ * (discount * (in_the_money ? sign * (forward - o.strike) : 0.0) +
                        0.4 * o.spot * o.vol * root_t);
    g.delta = scale_ * ((in_the_money ? sign * discount * growth : 0.0) + 0.4 * o.vol * root_t);
    g.gamma = 0;
    g.vega = scale_ * 0.4 * o.spot * root_t;
    g.theta = -scale_ * 0.2 * o.spot * o.vol / std::max(root_t, 1e-12);
    g.rho = scale_ * (in_the_money ? sign * o.strike * o.expiry * discount : 0.0);
    return g;
  }

 protected:
  // What price() says about an invalid option; the empty_message case
  // overrides it.
  virtual std::string invalid_message() const {
    return "spot, strike, expiry and vol must be > 0 (>= 0 for expiry and vol)";
  }

 private:
  double scale_;
};

}  // namespace keel_test
