/* Rule 2: a descriptor built for a foreign ABI major (2.0). */
#include "stub.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.foreign_major", NULL, 0);
  descriptor.abi_major = 2;
  descriptor.abi_minor = 0;
  return &descriptor;
}
