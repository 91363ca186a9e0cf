/* Rule 2, forward compatibility: a plugin built against a future ABI 1.7,
 * whose descriptor and factory have grown trailing fields this host does
 * not know. The host must accept it and read only what it knows. */
#include "stub.h"

typedef struct {
  keel_factory_t v1_0;
  const char* documentation_url;
  uint64_t capabilities;
} factory_1_7;

typedef struct {
  keel_plugin_descriptor_t v1_0;
  const char* license;
} descriptor_1_7;

static const factory_1_7 model = {
    .v1_0 =
        {
            .struct_size = sizeof(factory_1_7),
            .kind = KEEL_KIND_PRICING_MODEL,
            .id = "keel_test.future_model",
            .description = "a stub model",
            .params_schema = "{}",
            .create = keel_test_stub_create,
            .drop = keel_test_stub_drop,
            .methods = &keel_test_stub_model,
        },
    .documentation_url = "https://example.invalid/future_model",
    .capabilities = UINT64_C(0xFFFFFFFFFFFFFFFF),
};
static const keel_factory_t* const factories[] = {&model.v1_0};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static descriptor_1_7 descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor.v1_0 = keel_test_descriptor("keel_test.future_minor", factories, 1);
  descriptor.v1_0.abi_minor = 7;
  descriptor.v1_0.struct_size = sizeof descriptor;
  descriptor.license = "MIT";
  return &descriptor.v1_0;
}
