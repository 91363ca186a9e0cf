/* Rule 2, forward compatibility: a factory of a kind this host does not
 * know ("keel.execution-algo/1") beside a pricing model. The host ignores
 * the unknown factory, lists it in the plugin's facts and loads the rest. */
#include "stub.h"

typedef struct {
  uint32_t struct_size;
  keel_status_t (*slice)(void* self, double quantity, keel_error_t* err);
} execution_algo_vtable;

static keel_status_t slice(void* self, double quantity, keel_error_t* err) {
  (void)self;
  (void)quantity;
  return keel_error_set(err, KEEL_ERR_UNSUPPORTED, "never called by this host");
}

static const execution_algo_vtable algo_table = {
    .struct_size = sizeof(execution_algo_vtable),
    .slice = slice,
};
static const keel_factory_t algo = {
    .struct_size = sizeof(keel_factory_t),
    .kind = "keel.execution-algo/1",
    .id = "keel_test.execution_algo",
    .description = "an execution algorithm, a kind from a future ABI",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = &algo_table,
};
static const keel_factory_t model = {
    .struct_size = sizeof(keel_factory_t),
    .kind = KEEL_KIND_PRICING_MODEL,
    .id = "keel_test.known_model",
    .description = "a stub model",
    .params_schema = "{}",
    .create = keel_test_stub_create,
    .drop = keel_test_stub_drop,
    .methods = &keel_test_stub_model,
};
static const keel_factory_t* const factories[] = {&algo, &model};

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.unknown_kind", factories, 2);
  return &descriptor;
}
