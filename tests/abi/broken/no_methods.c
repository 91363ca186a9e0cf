/* Rule 4: a factory without its methods table. */
#include "stub.h"

static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.no_methods",
    .description = "a broken stub model",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = NULL,
};
static const keel_factory_t* const factories[] = {&model};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.no_methods", factories, 1);
  return &descriptor;
}
