/* A plugin built against the frozen ABI 1.0 headers (include/keel/ here),
 * as a third party built it before 1.1: a pricing model and a strategy, in
 * C, with the 1.0 factory struct and the 1.0 kind spelling. The ABI tests
 * (abi_1_0_test.cpp) check that a 1.1 host loads, inspects, runs and
 * plugin-checks it.
 *
 *   keel_test.legacy_intrinsic  a model pricing options at intrinsic value
 *   keel_test.legacy_buyer      a strategy that prices an option through
 *                               the run's model "legacy" at start and buys
 *                               one unit at the first quote of each of its
 *                               instruments */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/keel.h"

#if KEEL_ABI_VERSION_MAJOR != 1 || KEEL_ABI_VERSION_MINOR != 0
#error "legacy_plugin.c must be built against the frozen ABI 1.0 headers"
#endif

/* ---- params: only "{}" is accepted ---------------------------------------- */

static const char* skip_space(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  return p;
}

/* Accepts an empty JSON object; names the first key of any other. */
static keel_status_t check_empty_params(const char* json, keel_error_t* err) {
  const char* p = skip_space(json != NULL ? json : "{}");
  if (*p != '{')
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "params must be a JSON object");
  p = skip_space(p + 1);
  if (*p == '}') {
    p = skip_space(p + 1);
    if (*p == '\0') return KEEL_OK;
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "params: text after the object");
  }
  if (*p == '"') {
    const char* end = strchr(p + 1, '"');
    if (end != NULL) {
      return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT,
                            "/%.*s: unknown param (this plugin takes none)", (int)(end - p - 1),
                            p + 1);
    }
  }
  return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "params are not a JSON object");
}

/* ---- the model ---------------------------------------------------------------- */

static int model_instance;

static keel_status_t model_create(const char* params_json, const keel_host_t* host,
                                  void** out_instance, keel_error_t* err) {
  (void)host;
  const keel_status_t status = check_empty_params(params_json, err);
  if (status != KEEL_OK) return status;
  *out_instance = &model_instance;
  return KEEL_OK;
}

static keel_status_t drop_nothing(void* instance, keel_error_t* err) {
  (void)instance;
  (void)err;
  return KEEL_OK;
}

static keel_status_t intrinsic(const keel_option_t* o, keel_greeks_t* out, keel_error_t* err) {
  if (!(o->spot > 0)) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "spot must be > 0");
  if (!(o->strike > 0)) return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "strike must be > 0");
  if (!(o->expiry >= 0))
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "expiry must be >= 0");
  if (o->right != KEEL_RIGHT_CALL && o->right != KEEL_RIGHT_PUT) {
    return keel_error_set(err, KEEL_ERR_INVALID_ARGUMENT, "right must be call or put");
  }
  const double sign = o->right == KEEL_RIGHT_CALL ? 1.0 : -1.0;
  const double value = sign * (o->spot - o->strike);
  memset(out, 0, sizeof *out);
  out->price = value > 0 ? value : 0.0;
  out->delta = value > 0 ? sign : 0.0;
  return KEEL_OK;
}

static keel_status_t model_price(void* self, const keel_option_t* option, keel_greeks_t* out,
                                 keel_error_t* err) {
  (void)self;
  return intrinsic(option, out, err);
}

static keel_status_t model_price_batch(void* self, const keel_option_batch_t* b,
                                       const keel_greeks_batch_t* out, keel_error_t* err) {
  (void)self;
  keel_status_t first = KEEL_OK;
  for (size_t i = 0; i < b->count; ++i) {
    keel_option_t o = {b->spot[i],   b->strike[i],
                       b->expiry[i], b->vol != NULL ? b->vol[i] : 0.0,
                       b->rate[i],   b->dividend[i],
                       b->right[i],  b->exercise != NULL ? b->exercise[i] : KEEL_EXERCISE_EUROPEAN};
    keel_greeks_t g;
    keel_error_t item;
    const keel_status_t status = intrinsic(&o, &g, &item);
    if (status != KEEL_OK) {
      const double nan = strtod("nan", NULL);
      g.price = g.delta = g.gamma = g.vega = g.theta = g.rho = nan;
      if (first == KEEL_OK) {
        first = keel_error_set(err, status, "option %zu: %s", i, item.message);
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

static keel_status_t model_implied_vol(void* self, const keel_option_t* option, double premium,
                                       double* out_vol, keel_error_t* err) {
  (void)self;
  (void)option;
  (void)premium;
  (void)out_vol;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED, "the intrinsic model has no volatility");
}

static keel_status_t model_implied_vol_batch(void* self, const keel_option_batch_t* options,
                                             const double* premiums, double* out_vols,
                                             keel_status_t* out_status, keel_error_t* err) {
  (void)self;
  (void)premiums;
  for (size_t i = 0; i < options->count; ++i) {
    out_vols[i] = strtod("nan", NULL);
    if (out_status != NULL) out_status[i] = KEEL_ERR_UNSUPPORTED;
  }
  if (options->count == 0) return KEEL_OK;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED,
                        "option 0: the intrinsic model has no volatility");
}

static keel_status_t model_calibrate(void* self, const keel_calibration_quote_t* quotes,
                                     size_t count, keel_capsule_t* out_report, keel_error_t* err) {
  (void)self;
  (void)quotes;
  (void)count;
  (void)out_report;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED, "the intrinsic model has nothing to calibrate");
}

static const keel_pricing_model_vtable_t model_table = {sizeof(keel_pricing_model_vtable_t),
                                                        model_price,
                                                        model_price_batch,
                                                        model_implied_vol,
                                                        model_implied_vol_batch,
                                                        model_calibrate,
                                                        NULL};

/* ---- the strategy ------------------------------------------------------------- */

typedef struct buyer {
  const keel_host_t* host;
  uint32_t bought[64]; /* per instrument id below 64: bought already */
} buyer_t;

static keel_status_t buyer_create(const char* params_json, const keel_host_t* host,
                                  void** out_instance, keel_error_t* err) {
  const keel_status_t status = check_empty_params(params_json, err);
  if (status != KEEL_OK) return status;
  buyer_t* self = calloc(1, sizeof *self);
  if (self == NULL) return keel_error_set(err, KEEL_ERR_OUT_OF_MEMORY, "out of memory");
  self->host = host;
  *out_instance = self;
  return KEEL_OK;
}

static keel_status_t buyer_drop(void* instance, keel_error_t* err) {
  (void)err;
  free(instance);
  return KEEL_OK;
}

/* In a run with a model named "legacy", prices a call 10 in the money
 * through the host and insists on its intrinsic value. */
static keel_status_t buyer_on_start(void* instance, const keel_strategy_start_t* start,
                                    keel_error_t* err) {
  buyer_t* self = instance;
  (void)start;
  keel_model_handle_t model;
  keel_error_t lookup;
  if (self->host->model_lookup(self->host, "legacy", &model, &lookup) != KEEL_OK) return KEEL_OK;
  const keel_option_t option = {
      110, 100, 0.5, 0.2, 0.01, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
  keel_greeks_t greeks;
  const keel_status_t status = self->host->model_price(self->host, model, &option, &greeks, err);
  if (status != KEEL_OK) return status;
  if (greeks.price != 10.0) {
    return keel_error_set(err, KEEL_ERR_INTERNAL, "model 'legacy' priced %g, expected 10",
                          greeks.price);
  }
  self->host->log(self->host, KEEL_LOG_INFO, "legacy model priced 10");
  return KEEL_OK;
}

static keel_status_t buyer_on_quote(void* instance, const keel_quote_t* quote, keel_error_t* err) {
  buyer_t* self = instance;
  if (quote->instrument >= 64 || self->bought[quote->instrument]) return KEEL_OK;
  self->bought[quote->instrument] = 1;
  keel_order_request_t request;
  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.instrument = quote->instrument;
  request.side = KEEL_SIDE_BUY;
  request.type = KEEL_ORDER_MARKET;
  request.time_in_force = KEEL_TIF_GTC;
  request.quantity = 1;
  request.client_tag = 10;
  keel_order_handle_t order;
  const keel_status_t status = self->host->order_submit(self->host, &request, &order, err);
  return status == KEEL_ERR_REJECTED ? KEEL_OK : status;
}

static const keel_strategy_vtable_t strategy_table = {sizeof(keel_strategy_vtable_t),
                                                      buyer_on_start,
                                                      buyer_on_quote,
                                                      NULL,
                                                      NULL,
                                                      NULL,
                                                      NULL,
                                                      NULL,
                                                      NULL,
                                                      NULL,
                                                      NULL};

/* ---- the descriptor ------------------------------------------------------------ */

static const keel_factory_t model_factory = {
    sizeof(keel_factory_t),
    0,
    KEEL_KIND_PRICING_MODEL,
    "keel_test.legacy_intrinsic",
    "options at intrinsic value (built for ABI 1.0)",
    "{\"type\": \"object\", \"additionalProperties\": false}",
    model_create,
    drop_nothing,
    &model_table};
static const keel_factory_t strategy_factory = {
    sizeof(keel_factory_t),
    0,
    KEEL_KIND_STRATEGY,
    "keel_test.legacy_buyer",
    "buys one unit at the first quote (built for ABI 1.0)",
    "{\"type\": \"object\", \"additionalProperties\": false}",
    buyer_create,
    buyer_drop,
    &strategy_table};
static const keel_factory_t* const factories[] = {&model_factory, &strategy_factory};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static const keel_plugin_descriptor_t descriptor = {
      KEEL_PLUGIN_MAGIC,
      KEEL_ABI_VERSION_MAJOR,
      KEEL_ABI_VERSION_MINOR,
      sizeof(keel_plugin_descriptor_t),
      0,
      "keel_test.legacy",
      "ABI 1.0 plugin",
      "1.0.0",
      "keel tests",
      "A plugin built against the frozen ABI 1.0 headers.",
      {KEEL_SDK_VERSION_STRING, "C11", "cc", (uint32_t)sizeof(void*), 0},
      2,
      factories,
      NULL};
  (void)host_abi_minor;
  (void)host;
  return host_abi_major == KEEL_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
