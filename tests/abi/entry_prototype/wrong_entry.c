/* Must not compile: the entry defined with a signature other than the one
 * keel/plugin.h declares (the host ABI version taken as one int). */
#include "keel/keel.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(int host_abi,
                                                              const keel_host_t* host) {
  (void)host_abi;
  (void)host;
  return NULL;
}
