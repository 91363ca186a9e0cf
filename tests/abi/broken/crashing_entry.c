/* A stray .so in a plugin folder whose entry function crashes (SIGSEGV) or,
 * built with KEEL_TEST_HANG, never returns. Discovery asks files for their
 * ids in a child process, so neither may crash or hang a run that does not
 * use it (engine/plugin/plugin_probe.hpp). */
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "keel/plugin.h"

KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const keel_host_t* host) {
  (void)host_abi_major;
  (void)host_abi_minor;
  (void)host;
#ifdef KEEL_TEST_HANG
  for (;;) pause();
#else
  raise(SIGSEGV);
#endif
  return NULL;
}
