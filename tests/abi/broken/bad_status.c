/* Rule 6: a model whose price returns a status no ABI version defines; the
 * host must treat it as a fault and poison the plugin. */
#include "stub.h"

static keel_status_t undefined_status_price(void* self, const keel_option_t* option,
                                            keel_greeks_t* out, keel_error_t* err) {
  (void)self;
  (void)option;
  (void)out;
  (void)err;
  return 999;
}

static keel_pricing_model_vtable_t table;
static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.bad_status_model",
    .description = "a broken stub model",
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
  table.price = undefined_status_price;
  descriptor = keel_test_descriptor("keel_test.bad_status_model", factories, 1);
  return &descriptor;
}
