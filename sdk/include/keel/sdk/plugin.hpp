// keel/sdk/plugin.hpp — export a C++ plugin with one macro.
//
//   KEEL_PLUGIN((keel::sdk::PluginInfo{"acme.models", "Acme models", "1.0.0",
//                                      "Acme Corp", "What it offers."}),
//               keel::sdk::pricing_model_factory<MyModel>(),
//               keel::sdk::strategy_factory<MyStrategy>())
//
// expands to the one exported symbol, keel_plugin_entry, which builds the
// descriptor once (static storage) and returns it. Link the plugin with
// keel_add_plugin() from the SDK's CMake package, which hides every other
// symbol (rule 1).
#pragma once

#include <initializer_list>
#include <vector>

#include "keel/plugin.h"
#include "keel/version.h"

namespace keel::sdk {

struct PluginInfo {
  const char* id;
  const char* name;
  const char* version;
  const char* vendor;
  const char* description;
};

#define KEEL_SDK_STRINGIFY_(x) #x
#define KEEL_SDK_STRINGIFY(x) KEEL_SDK_STRINGIFY_(x)
#if defined(__clang__)
#define KEEL_SDK_COMPILER "Clang " __clang_version__
#elif defined(__GNUC__)
#define KEEL_SDK_COMPILER \
  "GCC " KEEL_SDK_STRINGIFY(__GNUC__) "." KEEL_SDK_STRINGIFY(__GNUC_MINOR__) "." KEEL_SDK_STRINGIFY(__GNUC_PATCHLEVEL__)
#else
#define KEEL_SDK_COMPILER "unknown C++ compiler"
#endif

namespace detail {

inline const keel_plugin_descriptor_t* describe(const PluginInfo& info,
                                                std::initializer_list<const keel_factory_t*> list) {
  // Built on the first call and kept for the life of the process: the host
  // never unloads a plugin, so these pointers stay valid.
  static const std::vector<const keel_factory_t*> factories(list);
  static const keel_plugin_descriptor_t descriptor{
      KEEL_PLUGIN_MAGIC,
      KEEL_ABI_VERSION_MAJOR,
      KEEL_ABI_VERSION_MINOR,
      sizeof(keel_plugin_descriptor_t),
      0,
      info.id,
      info.name,
      info.version,
      info.vendor,
      info.description,
      keel_build_info_t{KEEL_SDK_VERSION_STRING, "C++20", KEEL_SDK_COMPILER,
                        static_cast<uint32_t>(sizeof(void*)), 0},
      factories.size(),
      factories.data(),
      nullptr};
  return &descriptor;
}

}  // namespace detail
}  // namespace keel::sdk

// The host's version and host table are not needed to describe a C++
// plugin: the descriptor states what the plugin was built for and the host
// decides. A plugin that needs a newer host minor can check host_abi_minor.
#define KEEL_PLUGIN(INFO, ...)                                                         \
  extern "C" KEEL_EXPORT const keel_plugin_descriptor_t* keel_plugin_entry(             \
      uint32_t /*host_abi_major*/, uint32_t /*host_abi_minor*/,                         \
      const keel_host_t* /*host*/) {                                                    \
    try {                                                                               \
      return ::keel::sdk::detail::describe(INFO, {__VA_ARGS__});                        \
    } catch (...) {                                                                     \
      return nullptr;                                                                   \
    }                                                                                   \
  }
