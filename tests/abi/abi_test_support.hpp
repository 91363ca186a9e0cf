// Shared by the ABI tests: where the test plugins are, and what moved in a
// test plugin's call counters between two snapshots.
#pragma once

#include <filesystem>
#include <string>

#include "counters.h"
#include "engine/plugin/plugin_library.hpp"

namespace keel::abi_test {

inline std::filesystem::path broken_plugin(const std::string& target) {
  return std::filesystem::path(KEEL_TEST_BROKEN_DIR) / (target + ".so");
}

inline std::filesystem::path shipped_plugin(const std::string& target) {
  return std::filesystem::path(KEEL_TEST_PLUGIN_DIR) / (target + ".so");
}

// The plugin's live counters, or null. Ask before poisoning it: a poisoned
// plugin answers no extension.
inline const keel_test_counters_t* counters_of(const PluginLibrary& plugin) {
  return static_cast<const keel_test_counters_t*>(plugin.extension(KEEL_TEST_COUNTERS_ID));
}

// "price+1 drop+1": every counter that differs, in declaration order; ""
// when nothing reached the plugin.
inline std::string moved(const keel_test_counters_t& before, const keel_test_counters_t& after) {
  std::string out;
  auto add = [&](const char* name, uint64_t keel_test_counters_t::*field) {
    if (after.*field == before.*field) return;
    out += (out.empty() ? "" : " ") + std::string(name) + "+" +
           std::to_string(after.*field - before.*field);
  };
  add("create", &keel_test_counters_t::create);
  add("drop", &keel_test_counters_t::drop);
  add("price", &keel_test_counters_t::price);
  add("price_batch", &keel_test_counters_t::price_batch);
  add("implied_vol", &keel_test_counters_t::implied_vol);
  add("implied_vol_batch", &keel_test_counters_t::implied_vol_batch);
  add("calibrate", &keel_test_counters_t::calibrate);
  add("strategy_callbacks", &keel_test_counters_t::strategy_callbacks);
  add("capsules_destroyed", &keel_test_counters_t::capsules_destroyed);
  return out;
}

}  // namespace keel::abi_test
