// engine/run/run_outputs.cpp — see run_outputs.hpp.
#include "engine/run/run_outputs.hpp"

#include <algorithm>
#include <vector>

#include "engine/report/sha256.hpp"
#include "keel/version.h"

namespace keel {
namespace {

std::string hash_or_error(const std::filesystem::path& path) {
  Result<std::string> hash = sha256_file(path);
  return hash ? *hash : "unreadable: " + hash.status().message();
}

}  // namespace

Manifest start_manifest(const RunConfig& config, const std::string& run_file,
                        const std::string& run_text) {
  Manifest manifest;
  manifest.keel_version = KEEL_SDK_VERSION_STRING;
  manifest.seed = config.seed;
  manifest.run_file = {run_file, sha256_hex(run_text)};
  for (const DataSpec& data : config.data) {
    manifest.data_files.push_back({data.path.string(), hash_or_error(data.path)});
  }
  return manifest;
}

void add_plugins(Manifest& manifest, Host& host) {
  std::vector<const PluginLibrary*> plugins;
  for (const auto& plugin : host.registry().plugins()) plugins.push_back(plugin.get());
  std::sort(plugins.begin(), plugins.end(),
            [](const PluginLibrary* a, const PluginLibrary* b) { return a->path() < b->path(); });
  manifest.plugins.clear();
  for (const PluginLibrary* plugin : plugins) {
    Manifest::PluginEntry entry{plugin->facts().id, plugin->facts().version,
                                plugin->path().string(), hash_or_error(plugin->path()), {}};
    for (const Factory& factory : plugin->factories()) entry.factories.push_back(factory.id);
    manifest.plugins.push_back(std::move(entry));
  }
}

RunSummary not_started(const RunConfig& config, const Status& why) {
  RunSummary summary;
  summary.run_name = config.name;
  summary.status = "failed: " + why.message();
  summary.currency = config.currency;
  for (const StrategySpec& spec : config.strategies) {
    summary.initial_cash += spec.initial_cash.value_or(config.initial_cash);
  }
  summary.final_equity = summary.initial_cash;
  return summary;
}

}  // namespace keel
