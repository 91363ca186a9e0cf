// Must not compile: the entry defined extern "C" with a wrong return type.
#include "keel/keel.h"

extern "C" KEEL_EXPORT keel_plugin_descriptor_t* keel_plugin_entry(uint32_t, uint32_t,
                                                                   const keel_host_t*) {
  return nullptr;
}
