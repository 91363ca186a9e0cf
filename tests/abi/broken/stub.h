/* Valid pieces every loader-case plugin starts from, so that each plugin
 * file shows only the one thing it breaks: a pricing model that prices
 * nothing, and a well-formed descriptor. */
#ifndef KEEL_TEST_STUB_H
#define KEEL_TEST_STUB_H

#include <stddef.h>

#include "keel/keel.h"

keel_status_t keel_test_stub_create(const char* params_json, const keel_host_t* host,
                                    void** out_instance, keel_error_t* err);
keel_status_t keel_test_stub_drop(void* instance, keel_error_t* err);

/* A complete "keel.pricing_model/1" table; every member returns
 * KEEL_ERR_UNSUPPORTED with the message KEEL_TEST_STUB_MESSAGE. */
extern const keel_pricing_model_vtable_t keel_test_stub_model;
#define KEEL_TEST_STUB_MESSAGE "the stub model computes nothing"

/* A valid descriptor for this host's ABI, named `id`, listing `count`
 * factories. */
keel_plugin_descriptor_t keel_test_descriptor(const char* id,
                                              const keel_factory_t* const* factories, size_t count);

#endif /* KEEL_TEST_STUB_H */
