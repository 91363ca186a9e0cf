// The entry of a C++ test plugin that answers a plugin-level extension.
// KEEL_PLUGIN gives the descriptor no get_extension, so these plugins write
// their descriptor by hand around the SDK's factories.
#pragma once

#include <cstring>
#include <iterator>

#include "counters.h"
#include "keel/sdk.hpp"

namespace keel_test {

inline keel_test_counters_t counters{};

inline const void* counters_extension(const char* id) {
  return std::strcmp(id, KEEL_TEST_COUNTERS_ID) == 0 ? &counters : nullptr;
}

}  // namespace keel_test

#define KEEL_TEST_PLUGIN(ID, GET_EXTENSION, ...)                                                  \
  extern "C" KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(uint32_t, uint32_t,    \
                                                                           const keel_host_t*) {  \
    static const keel_factory_t* const factories[] = {__VA_ARGS__};                               \
    static const keel_plugin_descriptor_t descriptor{                                             \
        KEEL_PLUGIN_MAGIC,                                                                        \
        KEEL_ABI_VERSION_MAJOR,                                                                   \
        KEEL_ABI_VERSION_MINOR,                                                                   \
        sizeof(keel_plugin_descriptor_t),                                                         \
        0,                                                                                        \
        ID,                                                                                       \
        ID,                                                                                       \
        "1.0.0",                                                                                  \
        "keel tests",                                                                             \
        "A purpose-built plugin for the ABI contract tests.",                                     \
        keel_build_info_t{KEEL_SDK_VERSION_STRING, "C++20", KEEL_SDK_COMPILER, sizeof(void*), 0}, \
        std::size(factories),                                                                     \
        factories,                                                                                \
        GET_EXTENSION};                                                                           \
    return &descriptor;                                                                           \
  }
