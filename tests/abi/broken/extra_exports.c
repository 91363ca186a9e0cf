/* Rule 1: a valid plugin that also exports two symbols besides the entry
 * (built without the SDK's version script). */
#include "stub.h"

KEEL_EXPORT int keel_test_extra_answer(void) { return 42; }

KEEL_EXPORT int keel_test_extra_helper(void) { return keel_test_extra_answer(); }

static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.extra_exports",
    .description = "a stub model",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = &keel_test_stub_model,
};
static const keel_factory_t* const factories[] = {&model};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.extra_exports", factories, 1);
  return &descriptor;
}
