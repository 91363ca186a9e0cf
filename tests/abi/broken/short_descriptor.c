/* Rule 2: a descriptor whose struct_size ends before its factories, short of
 * KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE. */
#include "stub.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.short_descriptor", NULL, 0);
  descriptor.struct_size = offsetof(keel_plugin_descriptor_t, factories);
  return &descriptor;
}
