/* Rule 2: a descriptor that does not start with KEEL_PLUGIN_MAGIC. */
#include "stub.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  static keel_plugin_descriptor_t descriptor;
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  descriptor = keel_test_descriptor("keel_test.bad_magic", NULL, 0);
  descriptor.magic = UINT64_C(0x0123456789abcdef);
  return &descriptor;
}
