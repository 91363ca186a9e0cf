/* black76.c — a keel pricing model in C: Black-76, for European options on
 * futures (or forwards).
 *
 * An option's `spot` is the futures price F; `dividend` is ignored (a
 * futures price has no carry). With D = exp(-rate * expiry), or D = 1 when
 * the option is futures-style margined (the premium is not paid up front),
 *   call = D (F N(d1) - K N(d2)),   put = D (K N(-d2) - F N(-d1)),
 *   d1 = (ln(F / K) + vol^2 T / 2) / (vol sqrt(T)),   d2 = d1 - vol sqrt(T).
 * Greeks follow keel/pricing_model.h's units: delta and gamma per 1.0 of F,
 * vega per 1.0 of vol, rho per 1.0 of rate, theta per year.
 *
 * Params (keel/params.h reads them; `keel plugin check` tests them):
 *   futures_style   true or false (false): premium margined, not discounted
 *   vol_tolerance   number in [1e-15, 1e-4] (1e-12): implied vol's accuracy
 *   max_iterations  integer in [1, 1000] (100): implied vol's iteration cap */
#include <keel/keel.h>
#include <keel/params.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "acme_c_models.h"

#define FACTORY_ID "acme.black76"

typedef struct black76 {
  bool futures_style;
  double vol_tolerance;
  int64_t max_iterations;
} black76_t;

/* ---- create / drop ------------------------------------------------------ */

static keel_status_t black76_create(const char* params_json, const keel_host_t* host,
                                    void** out_instance, keel_error_t* err) {
  (void)host;
  keel_params_t params;
  keel_params_init(&params, params_json);
  const black76_t read = {
      .futures_style = keel_params_boolean(&params, "futures_style", false),
      .vol_tolerance = keel_params_number(&params, "vol_tolerance", 1e-12, 1e-15, 1e-4),
      .max_iterations = keel_params_integer(&params, "max_iterations", 100, 1, 1000),
  };
  const keel_status_t status = keel_params_finish(&params, err);
  if (status != KEEL_OK) return status;
  black76_t* model = malloc(sizeof *model);
  if (model == NULL) return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory");
  *model = read;
  *out_instance = model;
  return KEEL_OK;
}

static keel_status_t black76_drop(void* self, keel_error_t* err) {
  (void)err;
  free(self);
  return KEEL_OK;
}

/* ---- pricing ------------------------------------------------------------ */

static double norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double norm_pdf(double x) {
  return 0.3989422804014327 * exp(-0.5 * x * x);
} /* 1/sqrt(2 pi) */

/* The option's inputs checked; the message names the field. */
static keel_status_t check_option(const keel_option_t* o, keel_error_t* err) {
  if (o->exercise != KEEL_EXERCISE_EUROPEAN) {
    return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                          FACTORY_ID " prices European exercise only (Black-76)");
  }
  if (o->right != KEEL_RIGHT_CALL && o->right != KEEL_RIGHT_PUT) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "right: %d is neither call nor put",
                          (int)o->right);
  }
  if (!(o->spot > 0) || !isfinite(o->spot)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "spot: the futures price must be finite and > 0, got %g", o->spot);
  }
  if (!(o->strike > 0) || !isfinite(o->strike)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "strike: must be finite and > 0, got %g",
                          o->strike);
  }
  if (!(o->expiry >= 0) || !isfinite(o->expiry)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                          "expiry: must be finite and >= 0 (years), got %g", o->expiry);
  }
  if (!isfinite(o->rate)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "rate: must be finite, got %g", o->rate);
  }
  return KEEL_OK;
}

/* Black-76 for checked inputs and a vol >= 0. */
static void black76_greeks(const black76_t* m, const keel_option_t* o, double vol,
                           keel_greeks_t* g) {
  const double F = o->spot, K = o->strike, T = o->expiry;
  const double r = m->futures_style ? 0.0 : o->rate;
  const double D = exp(-r * T);
  const double w = o->right == KEEL_RIGHT_CALL ? 1.0 : -1.0;
  const double sd = vol * sqrt(T);
  if (sd == 0) { /* at expiry, or no vol: the discounted intrinsic value */
    const double in_the_money = w * (F - K) > 0 ? 1.0 : 0.0;
    g->price = D * fmax(w * (F - K), 0.0);
    g->delta = D * w * in_the_money;
    g->gamma = g->vega = 0.0;
    g->theta = r * g->price;
    g->rho = m->futures_style ? 0.0 : -T * g->price;
    return;
  }
  const double d1 = (log(F / K) + 0.5 * sd * sd) / sd, d2 = d1 - sd;
  const double pdf = norm_pdf(d1);
  g->price = D * w * (F * norm_cdf(w * d1) - K * norm_cdf(w * d2));
  g->delta = D * w * norm_cdf(w * d1);
  g->gamma = D * pdf / (F * sd);
  g->vega = D * F * pdf * sqrt(T);
  g->theta = r * g->price - D * F * pdf * vol / (2.0 * sqrt(T));
  g->rho = m->futures_style ? 0.0 : -T * g->price;
}

static keel_status_t black76_price(void* self, const keel_option_t* option, keel_greeks_t* out,
                                   keel_error_t* err) {
  keel_status_t status = check_option(option, err);
  if (status != KEEL_OK) return status;
  if (!(option->vol >= 0) || !isfinite(option->vol)) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "vol: must be finite and >= 0, got %g",
                          option->vol);
  }
  black76_greeks(self, option, option->vol, out);
  return KEEL_OK;
}

/* Item i of a struct-of-arrays batch. */
static keel_option_t batch_item(const keel_option_batch_t* b, size_t i) {
  const keel_option_t o = {
      b->spot[i],   b->strike[i],
      b->expiry[i], b->vol != NULL ? b->vol[i] : 0.0,
      b->rate[i],   b->dividend[i],
      b->right[i],  b->exercise != NULL ? b->exercise[i] : KEEL_EXERCISE_EUROPEAN};
  return o;
}

static keel_status_t black76_price_batch(void* self, const keel_option_batch_t* options,
                                         const keel_greeks_batch_t* out, keel_error_t* err) {
  keel_status_t first = KEEL_OK;
  for (size_t i = 0; i < options->count; ++i) {
    const keel_option_t option = batch_item(options, i);
    keel_greeks_t g;
    keel_error_t item_err;
    const keel_status_t status = black76_price(self, &option, &g, &item_err);
    if (status != KEEL_OK) {
      g.price = g.delta = g.gamma = g.vega = g.theta = g.rho = NAN;
      if (first == KEEL_OK) {
        first = keel_error_set(err, status, "option %zu: %s", i, item_err.message);
      }
    }
    out->price[i] = g.price;
    if (out->delta != NULL) out->delta[i] = g.delta;
    if (out->gamma != NULL) out->gamma[i] = g.gamma;
    if (out->vega != NULL) out->vega[i] = g.vega;
    if (out->theta != NULL) out->theta[i] = g.theta;
    if (out->rho != NULL) out->rho[i] = g.rho;
    if (out->status != NULL) out->status[i] = status;
  }
  return first;
}

/* ---- implied volatility -------------------------------------------------- */

/* The price is increasing in vol: bracket the root, then Newton steps that
 * stay inside the bracket, else bisection. */
static keel_status_t black76_implied_vol(void* self, const keel_option_t* option, double premium,
                                         double* out_vol, keel_error_t* err) {
  const black76_t* m = self;
  keel_status_t status = check_option(option, err);
  if (status != KEEL_OK) return status;
  keel_greeks_t g;
  black76_greeks(m, option, 0.0, &g);
  const double lower = g.price;
  const double D = m->futures_style ? 1.0 : exp(-option->rate * option->expiry);
  const double upper = D * (option->right == KEEL_RIGHT_CALL ? option->spot : option->strike);
  if (!(premium > lower && premium < upper) || option->expiry == 0) {
    return keel_error_set(err, KEEL_ERR_NO_SOLUTION,
                          "premium %g is outside the no-arbitrage bounds (%g, %g) of this "
                          "option, or it has expired",
                          premium, lower, upper);
  }
  double lo = 0.0, hi = 1.0;
  black76_greeks(m, option, hi, &g);
  while (g.price < premium) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e3) {
      return keel_error_set(err, KEEL_ERR_NO_SOLUTION,
                            "premium %g needs a vol above 1000 (the bound is %g)", premium, upper);
    }
    black76_greeks(m, option, hi, &g);
  }
  double vol = 0.5 * (lo + hi);
  for (int64_t i = 0; i < m->max_iterations; ++i) {
    black76_greeks(m, option, vol, &g);
    const double diff = g.price - premium;
    /* Newton's step is its own estimate of the error left. */
    const double step = g.vega > 0 ? diff / g.vega : INFINITY;
    if (fabs(step) <= m->vol_tolerance) {
      *out_vol = vol - step;
      return KEEL_OK;
    }
    if (diff > 0) {
      hi = vol;
    } else {
      lo = vol;
    }
    if (hi - lo <= m->vol_tolerance) {
      *out_vol = 0.5 * (lo + hi);
      return KEEL_OK;
    }
    const double newton = vol - step; /* inside the bracket, else bisect */
    vol = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
  }
  return keel_error_set(err, KEEL_ERR_NOT_CONVERGED,
                        "implied vol did not reach %g in %lld iterations (last %g)",
                        m->vol_tolerance, (long long)m->max_iterations, vol);
}

static keel_status_t black76_implied_vol_batch(void* self, const keel_option_batch_t* options,
                                               const double* premiums, double* out_vols,
                                               keel_status_t* out_status, keel_error_t* err) {
  keel_status_t first = KEEL_OK;
  for (size_t i = 0; i < options->count; ++i) {
    const keel_option_t option = batch_item(options, i);
    keel_error_t item_err;
    double vol = NAN;
    const keel_status_t status = black76_implied_vol(self, &option, premiums[i], &vol, &item_err);
    if (status != KEEL_OK && first == KEEL_OK) {
      first = keel_error_set(err, status, "option %zu: %s", i, item_err.message);
    }
    out_vols[i] = status == KEEL_OK ? vol : NAN;
    if (out_status != NULL) out_status[i] = status;
  }
  return first;
}

static keel_status_t black76_calibrate(void* self, const keel_calibration_quote_t* quotes,
                                       size_t count, keel_capsule_t* out_report,
                                       keel_error_t* err) {
  (void)self;
  (void)quotes;
  (void)count;
  (void)out_report;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                        FACTORY_ID
                        " has nothing to calibrate: vol is an input of each option "
                        "(solve for it with implied_vol)");
}

static const void* black76_get_extension(void* self, const char* id) {
  (void)self;
  (void)id;
  return NULL;
}

/* ---- the tables and the entry ------------------------------------------- */

static const keel_pricing_model_vtable_t black76_methods = {
    .struct_size = sizeof(keel_pricing_model_vtable_t),
    .price = black76_price,
    .price_batch = black76_price_batch,
    .implied_vol = black76_implied_vol,
    .implied_vol_batch = black76_implied_vol_batch,
    .calibrate = black76_calibrate,
    .get_extension = black76_get_extension,
};

static const keel_factory_t black76_factory = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = FACTORY_ID,
    .description = "Black-76: European options on futures, price, greeks and implied vol",
    .params_schema =
        "{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"
        "\"futures_style\": {\"type\": \"boolean\", \"default\": false,"
        " \"description\": \"premium margined (not discounted)\"},"
        "\"vol_tolerance\": {\"type\": \"number\", \"minimum\": 1e-15, \"maximum\": 1e-4,"
        " \"default\": 1e-12, \"description\": \"implied vol accuracy\"},"
        "\"max_iterations\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000,"
        " \"default\": 100, \"description\": \"implied vol iteration cap\"}}}",
    .create = black76_create,
    .drop = black76_drop,
    .methods = &black76_methods,
};

static const keel_factory_t* const factories[] = {&black76_factory,
                                                   &acme_book_imbalance_factory};

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "GCC " __VERSION__
#else
#define COMPILER "a C11 compiler"
#endif

static const keel_plugin_descriptor_t descriptor = {
    .magic = KEEL_PLUGIN_MAGIC,
    .abi_major = KEEL_ABI_VERSION_MAJOR,
    .abi_minor = KEEL_ABI_VERSION_MINOR,
    .struct_size = sizeof(keel_plugin_descriptor_t),
    .id = "acme.c_models",
    .name = "Acme models in C",
    .version = "1.0.0",
    .vendor = "Acme Corp",
    .description = "A keel plugin written in C: the Black-76 model for options on futures and "
                   "a strategy that trades the order book's imbalance.",
    .build = {.sdk_version = KEEL_SDK_VERSION_STRING,
              .language = "C11",
              .compiler = COMPILER,
              .pointer_size = sizeof(void*)},
    .factory_count = 2,
    .factories = factories,
    .get_extension = NULL,
};

/* The one exported symbol (ABI rule 1; keel_add_plugin hides the rest). */
KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  (void)host_abi_minor;
  (void)host;
  return host_abi_major == KEEL_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
