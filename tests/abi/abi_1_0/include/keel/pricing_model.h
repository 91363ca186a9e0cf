/* keel/pricing_model.h — the pricing-model table, kind "keel.pricing-model/1".
 *
 * A pricing-model factory (keel/plugin.h) creates instances; its `methods`
 * points at a keel_pricing_model_vtable_t. Every member receives the
 * instance pointer its factory's create() returned as `self`.
 *
 * Units and conventions, for every model:
 *   spot, strike     price of one unit of the underlying
 *   expiry           time to expiry in years (>= 0)
 *   vol              annual volatility (0.2 = 20%)
 *   rate, dividend   continuously compounded annual rate and dividend yield
 *   delta, gamma     per 1.0 of spot
 *   vega             per 1.0 of vol (not per vol point)
 *   rho              per 1.0 of rate
 *   theta            per year of calendar time: the change in value as time
 *                    passes, i.e. -d(value)/d(expiry)
 *
 * Threading: price, price_batch, implied_vol and implied_vol_batch are
 * [thread-safe] (they read the instance only). calibrate changes the
 * instance and is [instance-serialized]: the host never runs it
 * concurrently with any other call on the same instance. */
#ifndef KEEL_PRICING_MODEL_H
#define KEEL_PRICING_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "keel/capsule.h"
#include "keel/market.h"
#include "keel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_KIND_PRICING_MODEL "keel.pricing-model/1"

/* One option to price. */
typedef struct keel_option {
  double spot, strike, expiry, vol, rate, dividend;
  int32_t right;    /* KEEL_RIGHT_CALL | KEEL_RIGHT_PUT */
  int32_t exercise; /* KEEL_EXERCISE_EUROPEAN | KEEL_EXERCISE_AMERICAN */
} keel_option_t;

/* Price and the five greeks, computed in one call. */
typedef struct keel_greeks {
  double price, delta, gamma, vega, theta, rho;
} keel_greeks_t;

/* A batch of options as struct-of-arrays, owned by the caller and read in
 * place (zero copy). Every array has `count` elements. `exercise` may be
 * NULL, meaning all European; every other pointer is required (for implied
 * volatility `vol` is ignored and may be NULL). */
typedef struct keel_option_batch {
  size_t count;
  const double* spot;
  const double* strike;
  const double* expiry;
  const double* vol;
  const double* rate;
  const double* dividend;
  const int32_t* right;
  const int32_t* exercise;
} keel_option_batch_t;

/* Outputs of a batch, owned by the caller, each `count` elements. `price`
 * is required; a greek array may be NULL when the caller does not want it.
 * `status` (optional) receives each item's status. */
typedef struct keel_greeks_batch {
  double* price;
  double* delta;
  double* gamma;
  double* vega;
  double* theta;
  double* rho;
  keel_status_t* status;
} keel_greeks_batch_t;

/* A market quote to calibrate to: the option (its `vol` is ignored), its
 * observed premium and a weight (> 0) in the least-squares objective. */
typedef struct keel_calibration_quote {
  keel_option_t option;
  double premium;
  double weight;
} keel_calibration_quote_t;

/* The payload of a KEEL_CAPSULE_TAG_CALIBRATION capsule (len == 1). Every
 * pointer inside is owned by the capsule and freed by its destructor. */
typedef struct keel_calibration_report {
  uint32_t struct_size;
  int32_t converged;          /* 1 when the fit met its tolerance */
  uint32_t iterations;
  uint32_t reserved;
  size_t parameter_count;
  const char* const* parameter_names; /* e.g. {"vol"} */
  const double* parameters;           /* the fitted values, in that order */
  size_t residual_count;              /* == the number of quotes */
  const double* residuals;            /* model - market premium, per quote */
  double rmse;                        /* weighted root-mean-square residual */
  const char* message;                /* a one-line summary */
} keel_calibration_report_t;

typedef struct keel_pricing_model_vtable {
  uint32_t struct_size; /* sizeof(keel_pricing_model_vtable_t) when built */

  /* Prices one option: price and all five greeks. KEEL_ERR_INVALID_ARGUMENT
   * for bad inputs (the message names the field); KEEL_ERR_UNSUPPORTED for
   * an exercise style the model does not price. [thread-safe] */
  keel_status_t (*price)(void* self, const keel_option_t* option, keel_greeks_t* out,
                         keel_error_t* err);

  /* Prices a batch in place. Returns KEEL_OK when every item priced;
   * otherwise every valid item is still priced, failed items get NaN in
   * every output and their code in out->status (when given), and the call
   * returns the first failure's code with a message naming its index.
   * [thread-safe] */
  keel_status_t (*price_batch)(void* self, const keel_option_batch_t* options,
                               const keel_greeks_batch_t* out, keel_error_t* err);

  /* The volatility at which the model's price equals `premium`.
   * KEEL_ERR_NO_SOLUTION when the premium is outside the no-arbitrage
   * bounds or carries no information about volatility (it sits on a bound);
   * the message gives the bound. *out_vol is written only on KEEL_OK.
   * [thread-safe] */
  keel_status_t (*implied_vol)(void* self, const keel_option_t* option, double premium,
                               double* out_vol, keel_error_t* err);

  /* Batch form over caller-owned arrays: premiums[i] and out_vols[i] for
   * each option. Failure semantics as price_batch (NaN, out_status). */
  keel_status_t (*implied_vol_batch)(void* self, const keel_option_batch_t* options,
                                     const double* premiums, double* out_vols,
                                     keel_status_t* out_status, keel_error_t* err);

  /* Fits the model's parameters to `quotes` (weighted least squares) and
   * returns a KEEL_CAPSULE_TAG_CALIBRATION capsule in *out_report, which the
   * caller releases with keel_capsule_release(). A model with state of its
   * own (a surface, a tree's parameters) adopts the fit for later calls on
   * this instance; a model whose parameters are per-call inputs (Black-
   * Scholes: vol) only reports them. KEEL_ERR_UNSUPPORTED when the model has
   * nothing to calibrate; KEEL_ERR_INVALID_ARGUMENT for bad quotes (the
   * message names the quote). [instance-serialized] */
  keel_status_t (*calibrate)(void* self, const keel_calibration_quote_t* quotes, size_t count,
                             keel_capsule_t* out_report, keel_error_t* err);

  /* An optional extension by string id ("keel.greeks/2"), or NULL.
   * [thread-safe] */
  const void* (*get_extension)(void* self, const char* id);
} keel_pricing_model_vtable_t;

/* The members a host requires of a "keel.pricing-model/1" table: everything
 * up to and including `calibrate` must be present and non-NULL. */
#define KEEL_PRICING_MODEL_VTABLE_MIN_SIZE \
  (offsetof(keel_pricing_model_vtable_t, calibrate) + sizeof(void (*)(void)))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KEEL_PRICING_MODEL_H */
