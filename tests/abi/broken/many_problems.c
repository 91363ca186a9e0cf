/* Several problems in one plugin: the loader must report every one of them
 * in a single message, not stop at the first. */
#include "stub.h"

static keel_pricing_model_vtable_t short_table;
static const keel_factory_t no_create = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.problem_no_create",
    .description = "a broken stub model",
    .params_schema = "{}",
    .create = NULL,
    .drop = keel_test_stub_drop,
    .methods = &keel_test_stub_model,
};
static const keel_factory_t no_drop = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.problem_no_drop",
    .description = "a broken stub model",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = NULL,
    .methods = &keel_test_stub_model,
};
static const keel_factory_t short_methods = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.problem_short_table",
    .description = "a broken stub model",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = &short_table,
};
static const keel_factory_t* const factories[] = {&no_create, &no_drop, &short_methods};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  short_table = keel_test_stub_model;
  short_table.struct_size = offsetof(keel_pricing_model_vtable_t, price_batch);
  descriptor = keel_test_descriptor("keel_test.many_problems", factories, 3);
  return &descriptor;
}
