// acme.bachelier — the Bachelier (normal) model as a third-party keel plugin.
//
// Built out of tree against the installed keel SDK (see ../README.md); it
// uses only <keel/sdk.hpp> and the C ABI it wraps.
//
// Model: the underlying's forward F = S e^{(r-q)T} is normally distributed
// at expiry with standard deviation sigma_n sqrt(T), where sigma_n is an
// ABSOLUTE normal volatility (price units per sqrt(year), e.g. 8.0 for a
// 100-dollar stock moving about 8 dollars a year), not a relative one. With
// w = +1 for a call and -1 for a put, s = sigma_n sqrt(T), d = (F - K) / s,
// D = e^{-rT}, N the normal CDF and n its density:
//
//   price = D (w (F - K) N(w d) + s n(d))
//   delta = w e^{-qT} N(w d)                     per 1.0 of spot
//   gamma = e^{(r-2q)T} n(d) / s                 per 1.0 of spot
//   vega  = D sqrt(T) n(d)                       per 1.0 of sigma_n
//   rho   = -T price + w T D F N(w d)            per 1.0 of rate
//   theta = r price - D (w (r-q) F N(w d) + sigma_n n(d) / (2 sqrt(T)))
//                                                -d(price)/d(expiry), per year
//
// Spot and strike may be zero or negative (spreads, rates): the normal model
// prices them. When s == 0 (zero vol or expiry) the price is the discounted
// forward intrinsic value, N(w d) is a step with N(0) = 1/2, and gamma and
// the vol part of theta are reported as 0 (the same convention as
// keel.black_scholes).
//
// The normal vol comes from each option's `vol` field, or from the instance
// param {"normal_vol": x}, which overrides it for every option priced by
// that instance. implied_vol and calibrate are not implemented: the SDK's
// defaults return KEEL_ERR_UNSUPPORTED.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "keel/sdk.hpp"

namespace {

using keel::sdk::Error;

constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kInvSqrt2 = 0.70710678118654752440;    // 1 / sqrt(2)
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double norm_cdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }
double norm_pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

class Bachelier final : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kId = "acme.bachelier";
  static constexpr const char* kDescription =
      "Bachelier (normal) model for European options: price and five greeks; option vol is an "
      "absolute normal vol (price units per sqrt(year))";
  static constexpr const char* kParamsSchema = R"({
    "type": "object",
    "properties": {
      "normal_vol": {
        "type": "number",
        "minimum": 0,
        "description": "absolute normal vol used for every option instead of its own vol"
      }
    },
    "additionalProperties": false
  })";

  Bachelier(keel::sdk::Params& params, const keel::sdk::Host& host) {
    // Always ask for the param (NaN when absent or null), so that Params
    // knows it and reject_unknown() can suggest it for a misspelt key.
    const double normal_vol = params.number("normal_vol", kNaN, {.min = 0.0});
    if (!std::isnan(normal_vol)) {
      normal_vol_ = normal_vol;
      host.debug("acme.bachelier: normal_vol " + std::to_string(normal_vol) +
                 " overrides each option's vol");
    }
  }

  keel_greeks_t price(const keel_option_t& o) override {
    const double sigma = normal_vol_.value_or(o.vol);
    validate(o, sigma);

    const double w = o.right == KEEL_RIGHT_CALL ? 1.0 : -1.0;
    const double t = o.expiry;
    const double sqrt_t = std::sqrt(t);
    const double discount = std::exp(-o.rate * t);
    const double forward = o.spot * std::exp((o.rate - o.dividend) * t);
    const double moneyness = forward - o.strike;
    const double s = sigma * sqrt_t;
    const bool degenerate = !(s > 0.0);
    const double step = moneyness > 0.0 ? kInf : (moneyness < 0.0 ? -kInf : 0.0);
    const double d = degenerate ? step : moneyness / s;
    const double cdf = norm_cdf(w * d);
    const double pdf = norm_pdf(d);

    keel_greeks_t g{};
    // w (F - K) N(w d) is 0 * finite when d = -w inf: no NaN.
    g.price = discount * (w * moneyness * cdf + (degenerate ? 0.0 : s * pdf));
    g.delta = w * std::exp(-o.dividend * t) * cdf;
    g.gamma = degenerate ? 0.0 : std::exp((o.rate - 2.0 * o.dividend) * t) * pdf / s;
    g.vega = discount * sqrt_t * pdf;
    g.rho = -t * g.price + w * t * discount * forward * cdf;
    const double decay = degenerate ? 0.0 : sigma * pdf / (2.0 * sqrt_t);
    g.theta = o.rate * g.price - discount * (w * (o.rate - o.dividend) * forward * cdf + decay);
    return g;
  }

 private:
  void validate(const keel_option_t& o, double sigma) const {
    auto bad = [](const char* message) { throw Error(KEEL_ERR_INVALID_ARGUMENT, message); };
    if (!std::isfinite(o.spot)) bad("spot must be finite");
    if (!std::isfinite(o.strike)) bad("strike must be finite");
    if (!std::isfinite(o.expiry) || !(o.expiry >= 0.0))
      bad("expiry must be finite and >= 0 (years)");
    if (!std::isfinite(sigma) || !(sigma >= 0.0)) {
      bad("vol (the absolute normal vol) must be finite and >= 0");
    }
    if (!std::isfinite(o.rate)) bad("rate must be finite");
    if (!std::isfinite(o.dividend)) bad("dividend must be finite");
    if (o.right != KEEL_RIGHT_CALL && o.right != KEEL_RIGHT_PUT) {
      bad("right must be call (0) or put (1)");
    }
    if (o.exercise == KEEL_EXERCISE_AMERICAN) {
      throw Error(KEEL_ERR_UNSUPPORTED, "acme.bachelier prices European exercise only");
    }
    if (o.exercise != KEEL_EXERCISE_EUROPEAN) {
      bad("exercise must be KEEL_EXERCISE_EUROPEAN (0) or KEEL_EXERCISE_AMERICAN (1)");
    }
  }

  std::optional<double> normal_vol_;  // set by the "normal_vol" param
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{
                "acme.models", "Acme pricing models", "1.0.0", "Acme Corp",
                "An example third-party plugin built out of tree against the installed keel "
                "SDK: the Bachelier (normal) model."}),
            keel::sdk::pricing_model_factory<Bachelier>())
