/* ABI 1.1: two factories share one create_with_context and set no create;
 * the host must call it with each factory's own context. The instance is
 * the context itself (a name), so the test can see which one arrived. */
#include "stub.h"

static char alpha[] = "alpha";
static char beta[] = "beta";

static keel_status_t create_named(void* context, const char* params_json, const keel_host_t* host,
                                  void** out_instance, keel_error_t* err) {
  (void)params_json;
  (void)host;
  if (context == NULL) return keel_error_set(err, KEEL_ERR_INTERNAL, "no factory context");
  *out_instance = context;
  return KEEL_OK;
}

static const keel_factory_t first = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.context_alpha",
    .description = "a stub model whose instance is its factory's context",
    .params_schema = "{}",
    .drop = keel_test_stub_drop,
    .methods = &keel_test_stub_model,
    .context = alpha,
    .create_with_context = create_named,
};
static const keel_factory_t second = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.context_beta",
    .description = "a stub model whose instance is its factory's context",
    .params_schema = "{}",
    .drop = keel_test_stub_drop,
    .methods = &keel_test_stub_model,
    .context = beta,
    .create_with_context = create_named,
};
static const keel_factory_t* const factories[] = {&first, &second};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.with_context", factories, 2);
  return &descriptor;
}
