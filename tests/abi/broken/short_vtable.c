/* Rule 2: a pricing-model table whose struct_size ends before `calibrate`,
 * short of KEEL_PRICING_MODEL_VTABLE_MIN_SIZE. */
#include "stub.h"

static keel_pricing_model_vtable_t table;
static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.short_vtable",
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
  table.struct_size = offsetof(keel_pricing_model_vtable_t, calibrate);
  descriptor = keel_test_descriptor("keel_test.short_vtable", factories, 1);
  return &descriptor;
}
