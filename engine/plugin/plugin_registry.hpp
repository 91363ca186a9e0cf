// engine/plugin/plugin_registry.hpp — every plugin this process loaded, and
// discovery of factories by id over a search path.
//
// The search path is, in order: folders added by the caller (a run file's
// plugin_paths), the folders in KEEL_PLUGIN_PATH (colon-separated), and
// the folder of plugins shipped with this keel build or installation.
// Discovery loads every *.so in those folders once; a factory id must be
// unique across all loaded plugins.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/plugin/plugin_library.hpp"

namespace keel {

class PluginRegistry {
 public:
  explicit PluginRegistry(const keel_host_t* load_host) : load_host_(load_host) {}

  // Prepends a folder to the search path (later calls take precedence).
  void add_search_folder(const std::filesystem::path& folder);
  // The default path: KEEL_PLUGIN_PATH, then the shipped plugin folder.
  void add_default_search_folders();
  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

  // Loads a plugin file (once per canonical path) and registers its
  // factories. Fails on any load problem or a factory id already registered
  // by another plugin (the message names both files).
  Result<PluginLibrary*> load_file(const std::filesystem::path& path);
  // Registers a library built in-process (PluginLibrary::in_process); its
  // factory ids must be new. Fails naming the id otherwise.
  Result<PluginLibrary*> add_in_process(std::unique_ptr<PluginLibrary> library);

  // The factory with this id, discovering plugins in the search path if
  // needed. NOT_FOUND lists where it looked and any plugin that failed to
  // load on the way.
  Result<const Factory*> find_factory(const std::string& id);

  // A plugin by its descriptor id or by one of its factory ids.
  Result<PluginLibrary*> find_plugin(const std::string& id);

  const std::vector<std::unique_ptr<PluginLibrary>>& plugins() const { return plugins_; }

 private:
  void discover();

  const keel_host_t* load_host_;
  std::vector<std::filesystem::path> search_path_;
  std::vector<std::unique_ptr<PluginLibrary>> plugins_;
  std::map<std::string, const Factory*> factories_;
  std::map<std::filesystem::path, PluginLibrary*> by_path_;
  std::vector<std::string> discovery_problems_;
  bool discovered_ = false;
};

// The folder holding the plugins that ship with this keel:
// <prefix>/lib/keel/plugins for <prefix>/bin/keel. The build tree has the
// same layout, so this holds there too. (For test binaries, which are not
// in bin/, tests pass the folder explicitly.)
std::filesystem::path shipped_plugin_folder();

}  // namespace keel
