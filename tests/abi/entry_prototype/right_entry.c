/* The control: the entry as keel/plugin.h declares it compiles. */
#include "keel/keel.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
  return NULL;
}
