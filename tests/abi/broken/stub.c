#include "stub.h"

#include <string.h>

static int stub_instance;

keel_status_t keel_test_stub_create(const char* params_json, const keel_host_t* host,
                                    void** out_instance, keel_error_t* err) {
  (void)params_json;
  (void)host;
  (void)err;
  *out_instance = &stub_instance;
  return KEEL_OK;
}

keel_status_t keel_test_stub_drop(void* instance, keel_error_t* err) {
  (void)instance;
  (void)err;
  return KEEL_OK;
}

static keel_status_t unsupported(keel_error_t* err) {
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED, KEEL_TEST_STUB_MESSAGE);
}

static keel_status_t stub_price(void* self, const keel_option_t* option, keel_greeks_t* out,
                                keel_error_t* err) {
  (void)self;
  (void)option;
  (void)out;
  return unsupported(err);
}

static keel_status_t stub_price_batch(void* self, const keel_option_batch_t* options,
                                      const keel_greeks_batch_t* out, keel_error_t* err) {
  (void)self;
  (void)options;
  (void)out;
  return unsupported(err);
}

static keel_status_t stub_implied_vol(void* self, const keel_option_t* option, double premium,
                                      double* out_vol, keel_error_t* err) {
  (void)self;
  (void)option;
  (void)premium;
  (void)out_vol;
  return unsupported(err);
}

static keel_status_t stub_implied_vol_batch(void* self, const keel_option_batch_t* options,
                                            const double* premiums, double* out_vols,
                                            keel_status_t* out_status, keel_error_t* err) {
  (void)self;
  (void)options;
  (void)premiums;
  (void)out_vols;
  (void)out_status;
  return unsupported(err);
}

static keel_status_t stub_calibrate(void* self, const keel_calibration_quote_t* quotes,
                                    size_t count, keel_capsule_t* out_report, keel_error_t* err) {
  (void)self;
  (void)quotes;
  (void)count;
  (void)out_report;
  return unsupported(err);
}

static const void* stub_get_extension(void* self, const char* id) {
  (void)self;
  (void)id;
  return NULL;
}

const keel_pricing_model_vtable_t keel_test_stub_model = {
    .struct_size = sizeof(keel_pricing_model_vtable_t),
    .price = stub_price,
    .price_batch = stub_price_batch,
    .implied_vol = stub_implied_vol,
    .implied_vol_batch = stub_implied_vol_batch,
    .calibrate = stub_calibrate,
    .get_extension = stub_get_extension,
};

keel_plugin_descriptor_t keel_test_descriptor(const char* id,
                                              const keel_factory_t* const* factories,
                                              size_t count) {
  keel_plugin_descriptor_t descriptor;
  memset(&descriptor, 0, sizeof descriptor);
  descriptor.magic = KEEL_PLUGIN_MAGIC;
  descriptor.abi_major = KEEL_ABI_VERSION_MAJOR;
  descriptor.abi_minor = KEEL_ABI_VERSION_MINOR;
  descriptor.struct_size = sizeof descriptor;
  descriptor.id = id;
  descriptor.name = id;
  descriptor.version = "1.0.0";
  descriptor.vendor = "keel tests";
  descriptor.description = "A purpose-built plugin for the ABI contract tests.";
  descriptor.build.sdk_version = KEEL_SDK_VERSION_STRING;
  descriptor.build.language = "C11";
  descriptor.build.compiler = "GCC " __VERSION__;
  descriptor.build.pointer_size = sizeof(void*);
  descriptor.factory_count = count;
  descriptor.factories = factories;
  return descriptor;
}
