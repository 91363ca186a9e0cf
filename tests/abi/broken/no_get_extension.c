/* Rule 2, backward compatibility: a pricing-model table whose struct_size
 * ends right after `calibrate`, as built before `get_extension` existed.
 * The host must accept it and treat get_extension as absent. The member
 * past struct_size is set, so a host that read it would be caught. */
#include "stub.h"

static const void* never_read(void* self, const char* id) {
  (void)self;
  return id;
}

static keel_pricing_model_vtable_t table;
static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.no_get_extension",
    .description = "a stub model with an older table",
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
  table.struct_size = KEEL_PRICING_MODEL_VTABLE_MIN_SIZE;
  table.get_extension = never_read;
  descriptor = keel_test_descriptor("keel_test.no_get_extension", factories, 1);
  return &descriptor;
}
