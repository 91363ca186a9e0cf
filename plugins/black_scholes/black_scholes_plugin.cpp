// keel.black_scholes — the Black-Scholes-Merton pricing model as a keel
// plugin: the C++ SDK's PricingModel over the numerical core in math/.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "keel/sdk.hpp"
#include "math/bsm.hpp"

namespace {

namespace bsm = keel::bsm;
using keel::sdk::Error;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bsm::Inputs to_inputs(const keel_option_t& o) {
  // right passes through unchanged so that bsm::validate rejects a bad value.
  return bsm::Inputs{o.spot, o.strike, o.expiry, o.vol, o.rate, o.dividend,
                     static_cast<bsm::Right>(o.right)};
}

// Black-Scholes prices European exercise. An American call on an underlying
// that pays no dividend (and with a non-negative rate) is never exercised
// early, so its European price is exact; every other American option needs
// a lattice or PDE model.
const char* exercise_problem(const keel_option_t& o) {
  if (o.exercise == KEEL_EXERCISE_EUROPEAN) return nullptr;
  if (o.exercise != KEEL_EXERCISE_AMERICAN) {
    return "exercise: expected KEEL_EXERCISE_EUROPEAN (0) or KEEL_EXERCISE_AMERICAN (1)";
  }
  if (o.right == KEEL_RIGHT_CALL && o.dividend <= 0 && o.rate >= 0) return nullptr;
  return "keel.black_scholes prices European exercise only (and American calls without "
         "dividends); use a lattice model such as keel.binomial for American options";
}

keel_status_t iv_status(bsm::IvStatus status) {
  switch (status) {
    case bsm::IvStatus::ok: return KEEL_OK;
    case bsm::IvStatus::invalid_input: return KEEL_ERR_INVALID_ARGUMENT;
    case bsm::IvStatus::below_intrinsic:
    case bsm::IvStatus::above_upper_bound:
    case bsm::IvStatus::no_information: return KEEL_ERR_NO_SOLUTION;
    case bsm::IvStatus::not_converged: return KEEL_ERR_NOT_CONVERGED;
  }
  return KEEL_ERR_INTERNAL;
}

class BlackScholes final : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kId = "keel.black_scholes";
  static constexpr const char* kDescription =
      "Black-Scholes-Merton with continuous dividend yield: price and five greeks, SIMD "
      "batch, implied volatility, flat-vol calibration";
  static constexpr const char* kParamsSchema = R"({
    "type": "object",
    "properties": {},
    "additionalProperties": false,
    "description": "No params: every input (including vol) comes with each option."
  })";

  BlackScholes(keel::sdk::Params& /*params*/, const keel::sdk::Host& /*host*/) {}

  keel_greeks_t price(const keel_option_t& option) override {
    check(option);
    const bsm::Greeks g = bsm::price(to_inputs(option));
    return keel_greeks_t{g.price, g.delta, g.gamma, g.vega, g.theta, g.rho};
  }

  keel_status_t price_batch(const keel_option_batch_t& options, const keel_greeks_batch_t& out,
                            keel_error_t* err) override {
    const bsm::BatchIn in{options.count,  options.spot, options.strike,   options.expiry,
                          options.vol,    options.rate, options.dividend, options.right};
    const bsm::BatchOut outputs{out.price, out.delta, out.gamma, out.vega, out.theta, out.rho};
    size_t first_invalid = SIZE_MAX;
    bsm::price_batch(in, outputs, &first_invalid);
    if (out.status != nullptr) {
      for (size_t i = 0; i < options.count; ++i) out.status[i] = KEEL_OK;
    }
    // The kernel validated spot..right; exercise is this plugin's concern.
    // Scan for failures only from the first row that can have one.
    size_t scan_from = first_invalid;
    if (options.exercise != nullptr) {
      for (size_t i = 0; i < std::min(scan_from, options.count); ++i) {
        if (options.exercise[i] != KEEL_EXERCISE_EUROPEAN) {
          scan_from = i;
          break;
        }
      }
    }
    keel_status_t first = KEEL_OK;
    for (size_t i = scan_from; i < options.count; ++i) {
      const keel_option_t option = option_at(options, i);
      const char* problem = bsm::validate(to_inputs(option));
      if (problem == nullptr) problem = exercise_problem(option);
      if (problem == nullptr) continue;
      const keel_status_t code = bsm::validate(to_inputs(option)) != nullptr
                                     ? KEEL_ERR_INVALID_ARGUMENT
                                     : KEEL_ERR_UNSUPPORTED;
      store(out, i, nan_greeks(), code);
      if (first == KEEL_OK) first = keel_error_set(err, code, "option %zu: %s", i, problem);
    }
    return first;
  }

  double implied_vol(const keel_option_t& option, double premium) override {
    if (const char* problem = exercise_problem(option)) throw Error(KEEL_ERR_UNSUPPORTED, problem);
    const bsm::IvResult result = bsm::implied_vol(to_inputs(option), premium);
    if (result.status != bsm::IvStatus::ok) {
      throw Error(iv_status(result.status), result.message != nullptr ? result.message
                                                                      : "no implied volatility");
    }
    return result.vol;
  }

  keel_status_t implied_vol_batch(const keel_option_batch_t& options, const double* premiums,
                                  double* out_vols, keel_status_t* out_status,
                                  keel_error_t* err) override {
    if (options.exercise != nullptr) {  // rare: fall back to the per-item path
      return PricingModel::implied_vol_batch(options, premiums, out_vols, out_status, err);
    }
    const bsm::BatchIn in{options.count,  options.spot, options.strike,   options.expiry,
                          nullptr,        options.rate, options.dividend, options.right};
    std::vector<bsm::IvStatus> statuses(options.count);
    bsm::implied_vol_batch(in, premiums, out_vols, statuses.data());
    keel_status_t first = KEEL_OK;
    for (size_t i = 0; i < options.count; ++i) {
      const keel_status_t code = iv_status(statuses[i]);
      if (out_status != nullptr) out_status[i] = code;
      if (code != KEEL_OK && first == KEEL_OK) {
        const bsm::IvResult detail = bsm::implied_vol(to_inputs(option_at(options, i)), premiums[i]);
        first = keel_error_set(err, code, "option %zu: %s", i,
                               detail.message != nullptr ? detail.message : "no implied volatility");
      }
    }
    return first;
  }

  keel::sdk::CalibrationReport calibrate(
      std::span<const keel_calibration_quote_t> quotes) override {
    std::vector<bsm::Quote> fit;
    fit.reserve(quotes.size());
    for (size_t i = 0; i < quotes.size(); ++i) {
      if (const char* problem = exercise_problem(quotes[i].option)) {
        throw Error(KEEL_ERR_UNSUPPORTED, "quote " + std::to_string(i) + ": " + problem);
      }
      fit.push_back(bsm::Quote{to_inputs(quotes[i].option), quotes[i].premium, quotes[i].weight});
    }
    const bsm::Calibration result = bsm::calibrate_flat_vol(fit.data(), fit.size());
    if (!result.ok) throw Error(KEEL_ERR_INVALID_ARGUMENT, result.message);
    keel::sdk::CalibrationReport report;
    report.converged = true;
    report.iterations = static_cast<unsigned>(result.iterations);
    report.parameter_names = {"vol"};
    report.parameters = {result.vol};
    report.residuals = result.residuals;
    report.rmse = result.rmse;
    report.message = "flat vol " + std::to_string(result.vol) + " fitted to " +
                     std::to_string(quotes.size()) + " quotes, rmse " + std::to_string(result.rmse) +
                     (result.message.empty() ? "" : " (" + result.message + ")");
    return report;
  }

 private:
  static void check(const keel_option_t& option) {
    if (const char* problem = bsm::validate(to_inputs(option))) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT, problem);
    }
    if (const char* problem = exercise_problem(option)) throw Error(KEEL_ERR_UNSUPPORTED, problem);
  }
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{
                "keel.black_scholes", "Black-Scholes-Merton", "1.0.0", "keel",
                "Closed-form European option pricing with continuous dividend yield; "
                "vectorised batch pricing (AVX2+FMA with a portable fallback, chosen at run "
                "time), implied volatility and flat-volatility calibration."}),
            keel::sdk::pricing_model_factory<BlackScholes>())
