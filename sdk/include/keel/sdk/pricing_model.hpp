// keel/sdk/pricing_model.hpp — write a pricing model as a C++ class.
//
//   class MyModel : public keel::sdk::PricingModel {
//    public:
//     static constexpr const char* kId = "acme.my_model";
//     static constexpr const char* kDescription = "one line";
//     static constexpr const char* kParamsSchema = R"({"type":"object"})";
//     MyModel(keel::sdk::Params& params, const keel::sdk::Host& host);
//     keel_greeks_t price(const keel_option_t& option) override;
//   };
//
// and list keel::sdk::pricing_model_factory<MyModel>() in KEEL_PLUGIN
// (keel/sdk/plugin.hpp). The SDK supplies the C thunks: every exception is
// caught and turned into a status (keel/sdk/error.hpp), batch forms default
// to loops over the single-item members, and unimplemented members report
// KEEL_ERR_UNSUPPORTED.
#pragma once

#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <string>

#include "keel/plugin.h"
#include "keel/pricing_model.h"
#include "keel/sdk/capsule.hpp"
#include "keel/sdk/error.hpp"
#include "keel/sdk/host.hpp"
#include "keel/sdk/params.hpp"

namespace keel::sdk {

class PricingModel {
 public:
  virtual ~PricingModel() = default;

  // Price and all five greeks. Throw Error for bad inputs. [thread-safe]
  virtual keel_greeks_t price(const keel_option_t& option) = 0;

  // Default: price() per item; a failing item gets NaN and its status.
  // Returns the status of the first failure (message names the index).
  virtual keel_status_t price_batch(const keel_option_batch_t& options,
                                    const keel_greeks_batch_t& out, keel_error_t* err) {
    keel_status_t first = KEEL_OK;
    for (size_t i = 0; i < options.count; ++i) {
      keel_greeks_t g{};
      keel_error_t item_err{};
      const keel_status_t status =
          guard(&item_err, [&] { return (g = price(option_at(options, i)), KEEL_OK); });
      if (status == KEEL_ERR_PLUGIN_FAULT) return keel_error_set(err, status, "%s", item_err.message);
      if (status != KEEL_OK) g = nan_greeks();
      store(out, i, g, status);
      if (status != KEEL_OK && first == KEEL_OK) {
        first = keel_error_set(err, status, "option %zu: %s", i, item_err.message);
      }
    }
    return first;
  }

  // The vol at which price() equals `premium`. Throw Error(KEEL_ERR_NO_SOLUTION)
  // outside the no-arbitrage bounds. [thread-safe]
  virtual double implied_vol(const keel_option_t& /*option*/, double /*premium*/) {
    throw Error(KEEL_ERR_UNSUPPORTED, "this model does not compute implied volatility");
  }

  virtual keel_status_t implied_vol_batch(const keel_option_batch_t& options,
                                          const double* premiums, double* out_vols,
                                          keel_status_t* out_status, keel_error_t* err) {
    keel_status_t first = KEEL_OK;
    for (size_t i = 0; i < options.count; ++i) {
      double vol = std::numeric_limits<double>::quiet_NaN();
      keel_error_t item_err{};
      const keel_status_t status = guard(
          &item_err, [&] { return (vol = implied_vol(option_at(options, i), premiums[i]), KEEL_OK); });
      if (status == KEEL_ERR_PLUGIN_FAULT) return keel_error_set(err, status, "%s", item_err.message);
      out_vols[i] = status == KEEL_OK ? vol : std::numeric_limits<double>::quiet_NaN();
      if (out_status != nullptr) out_status[i] = status;
      if (status != KEEL_OK && first == KEEL_OK) {
        first = keel_error_set(err, status, "option %zu: %s", i, item_err.message);
      }
    }
    return first;
  }

  // Fit, adopt the fitted parameters, report. [instance-serialized]
  virtual CalibrationReport calibrate(std::span<const keel_calibration_quote_t> /*quotes*/) {
    throw Error(KEEL_ERR_UNSUPPORTED, "this model has nothing to calibrate");
  }

  // Helpers for batch implementations.
  static keel_option_t option_at(const keel_option_batch_t& b, size_t i) {
    return keel_option_t{b.spot[i],  b.strike[i], b.expiry[i], b.vol != nullptr ? b.vol[i] : 0.0,
                         b.rate[i],  b.dividend[i], b.right[i],
                         b.exercise != nullptr ? b.exercise[i] : KEEL_EXERCISE_EUROPEAN};
  }
  static keel_greeks_t nan_greeks() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return keel_greeks_t{nan, nan, nan, nan, nan, nan};
  }
  static void store(const keel_greeks_batch_t& out, size_t i, const keel_greeks_t& g,
                    keel_status_t status) {
    out.price[i] = g.price;
    if (out.delta != nullptr) out.delta[i] = g.delta;
    if (out.gamma != nullptr) out.gamma[i] = g.gamma;
    if (out.vega != nullptr) out.vega[i] = g.vega;
    if (out.theta != nullptr) out.theta[i] = g.theta;
    if (out.rho != nullptr) out.rho[i] = g.rho;
    if (out.status != nullptr) out.status[i] = status;
  }
};

namespace detail {

inline keel_status_t check_batch(const keel_option_batch_t* b, keel_error_t* err,
                                 bool needs_vol) {
  if (b == nullptr) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "batch is NULL");
  if (b->count == 0) return KEEL_OK;
  if (b->spot == nullptr || b->strike == nullptr || b->expiry == nullptr ||
      (needs_vol && b->vol == nullptr) || b->rate == nullptr || b->dividend == nullptr ||
      b->right == nullptr) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "batch of %zu options has a NULL input array", b->count);
  }
  return KEEL_OK;
}

template <class Model>
struct PricingModelThunks {
  static Model& self(void* instance) { return *static_cast<Model*>(instance); }

  static keel_status_t price(void* instance, const keel_option_t* option, keel_greeks_t* out,
                             keel_error_t* err) {
    return guard(err, [&] {
      if (option == nullptr || out == nullptr) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "option and out must not be NULL");
      }
      *out = self(instance).price(*option);
      return KEEL_OK;
    });
  }
  static keel_status_t price_batch(void* instance, const keel_option_batch_t* options,
                                   const keel_greeks_batch_t* out, keel_error_t* err) {
    return guard(err, [&] {
      if (const keel_status_t s = check_batch(options, err, true); s != KEEL_OK) return s;
      if (options->count != 0 && (out == nullptr || out->price == nullptr)) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "batch output has no price array");
      }
      return self(instance).price_batch(*options, *out, err);
    });
  }
  static keel_status_t implied_vol(void* instance, const keel_option_t* option, double premium,
                                   double* out_vol, keel_error_t* err) {
    return guard(err, [&] {
      if (option == nullptr || out_vol == nullptr) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "option and out_vol must not be NULL");
      }
      *out_vol = self(instance).implied_vol(*option, premium);
      return KEEL_OK;
    });
  }
  static keel_status_t implied_vol_batch(void* instance, const keel_option_batch_t* options,
                                         const double* premiums, double* out_vols,
                                         keel_status_t* out_status, keel_error_t* err) {
    return guard(err, [&] {
      if (const keel_status_t s = check_batch(options, err, false); s != KEEL_OK) return s;
      if (options->count != 0 && (premiums == nullptr || out_vols == nullptr)) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "premiums and out_vols must not be NULL");
      }
      return self(instance).implied_vol_batch(*options, premiums, out_vols, out_status, err);
    });
  }
  static keel_status_t calibrate(void* instance, const keel_calibration_quote_t* quotes,
                                 size_t count, keel_capsule_t* out_report, keel_error_t* err) {
    return guard(err, [&] {
      if (out_report == nullptr || (quotes == nullptr && count != 0)) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "quotes and out_report must not be NULL");
      }
      CalibrationReport report = self(instance).calibrate({quotes, count});
      *out_report = make_calibration_capsule(std::move(report));
      return KEEL_OK;
    });
  }
  static const void* get_extension(void* /*instance*/, const char* /*id*/) { return nullptr; }

  static constexpr keel_pricing_model_vtable_t vtable{
      sizeof(keel_pricing_model_vtable_t), &price, &price_batch, &implied_vol,
      &implied_vol_batch, &calibrate, &get_extension};
};

// create/drop shared by every kind: construct Model(Params&, Host) and
// require that it consumed every param.
template <class Model>
struct Lifecycle {
  static keel_status_t create(const char* params_json, const keel_host_t* host,
                              void** out_instance, keel_error_t* err) {
    return guard(err, [&] {
      if (out_instance == nullptr) throw Error(KEEL_ERR_INVALID_ARGUMENT, "out_instance is NULL");
      Params params(params_json);
      auto model = std::make_unique<Model>(params, Host(host));
      params.reject_unknown();
      *out_instance = model.release();
      return KEEL_OK;
    });
  }
  static keel_status_t drop(void* instance, keel_error_t* err) {
    return guard(err, [&] {
      delete static_cast<Model*>(instance);
      return KEEL_OK;
    });
  }
};

}  // namespace detail

// The factory for Model, with static storage duration.
template <class Model>
const keel_factory_t* pricing_model_factory() {
  static const keel_factory_t factory{sizeof(keel_factory_t),
                                      0,
                                      KEEL_KIND_PRICING_MODEL,
                                      Model::kId,
                                      Model::kDescription,
                                      Model::kParamsSchema,
                                      &detail::Lifecycle<Model>::create,
                                      &detail::Lifecycle<Model>::drop,
                                      &detail::PricingModelThunks<Model>::vtable,
                                      nullptr,  // context: create needs none
                                      nullptr};
  return &factory;
}

}  // namespace keel::sdk
