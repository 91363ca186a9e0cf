/* A model that answers KEEL_OK with a NaN price (and implied vol): the
 * host must turn that into an error naming the model, never print "nan" or
 * mark a position at NaN (engine/host/model_instance.cpp). */
#include <math.h>

#include "stub.h"

static keel_status_t nan_price(void* self, const keel_option_t* option, keel_greeks_t* out,
                               keel_error_t* err) {
  (void)self;
  (void)option;
  (void)err;
  out->price = NAN;
  out->delta = out->gamma = out->vega = out->theta = out->rho = 0;
  return KEEL_OK;
}

static keel_status_t nan_price_batch(void* self, const keel_option_batch_t* options,
                                     const keel_greeks_batch_t* out, keel_error_t* err) {
  (void)self;
  (void)err;
  for (size_t i = 0; i < options->count; ++i) {
    out->price[i] = i == 1 ? NAN : 1.0; /* the second option of each call */
    out->delta[i] = out->gamma[i] = out->vega[i] = out->theta[i] = out->rho[i] = 0;
    if (out->status != NULL) out->status[i] = KEEL_OK;
  }
  return KEEL_OK;
}

static keel_status_t nan_implied_vol(void* self, const keel_option_t* option, double premium,
                                     double* out_vol, keel_error_t* err) {
  (void)self;
  (void)option;
  (void)premium;
  (void)err;
  *out_vol = NAN;
  return KEEL_OK;
}

static keel_pricing_model_vtable_t table;

static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.nan_model",
    .description = "prices every option at NaN, with status OK",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = &table,
};
static const keel_factory_t* const factories[] = {&model};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  table = keel_test_stub_model;
  table.price = nan_price;
  table.price_batch = nan_price_batch;
  table.implied_vol = nan_implied_vol;
  descriptor = keel_test_descriptor("keel_test.nan_model", factories, 1);
  return &descriptor;
}
