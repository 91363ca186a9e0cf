#include "engine/plugin/plugin_registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace keel {
namespace {

std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical;
}

}  // namespace

std::filesystem::path shipped_plugin_folder() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return {};
  return exe.parent_path().parent_path() / "lib" / "keel" / "plugins";
}

void PluginRegistry::add_search_folder(const std::filesystem::path& folder) {
  search_path_.insert(search_path_.begin(), folder);
  discovered_ = false;
}

void PluginRegistry::add_default_search_folders() {
  if (const char* env = std::getenv("KEEL_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    std::string folder;
    while (std::getline(list, folder, ':')) {
      if (!folder.empty()) search_path_.push_back(folder);
    }
  }
  if (auto shipped = shipped_plugin_folder(); !shipped.empty()) search_path_.push_back(shipped);
  discovered_ = false;
}

Result<PluginLibrary*> PluginRegistry::load_file(const std::filesystem::path& path) {
  const auto key = canonical_or_same(path);
  if (auto it = by_path_.find(key); it != by_path_.end()) return it->second;

  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(path, load_host_);
  if (!loaded) return loaded.status();
  PluginLibrary* library = loaded->get();
  for (const Factory& factory : library->factories()) {
    if (auto it = factories_.find(factory.id); it != factories_.end()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "cannot load plugin " + path.string() + ": factory id '" + factory.id +
                        "' is already provided by " + it->second->plugin->label() +
                        "; factory ids must be unique across plugins (remove one of the two "
                        "from the search path)");
    }
  }
  for (const Factory& factory : library->factories()) factories_[factory.id] = &factory;
  by_path_[key] = library;
  plugins_.push_back(std::move(*loaded));
  return library;
}

Result<PluginLibrary*> PluginRegistry::add_in_process(std::unique_ptr<PluginLibrary> library) {
  for (const Factory& factory : library->factories()) {
    if (auto it = factories_.find(factory.id); it != factories_.end()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT, "factory id '" + factory.id +
                                                   "' is already provided by " +
                                                   it->second->plugin->label());
    }
  }
  PluginLibrary* added = library.get();
  for (const Factory& factory : added->factories()) factories_[factory.id] = &factory;
  plugins_.push_back(std::move(library));
  return added;
}

void PluginRegistry::discover() {
  if (discovered_) return;
  discovered_ = true;
  discovery_problems_.clear();
  for (const auto& folder : search_path_) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& file : files) {
      if (by_path_.count(canonical_or_same(file)) != 0) continue;
      Result<PluginLibrary*> loaded = load_file(file);
      if (!loaded) discovery_problems_.push_back(loaded.status().message());
    }
  }
}

Result<const Factory*> PluginRegistry::find_factory(const std::string& id) {
  if (auto it = factories_.find(id); it != factories_.end()) return it->second;
  discover();
  if (auto it = factories_.find(id); it != factories_.end()) return it->second;
  std::ostringstream message;
  message << "no plugin provides factory '" << id << "'; searched:";
  for (const auto& folder : search_path_) message << " " << folder.string();
  if (search_path_.empty()) message << " (nothing: set KEEL_PLUGIN_PATH)";
  if (!factories_.empty()) {
    message << "\n  known factories:";
    for (const auto& [known, factory] : factories_) message << " " << known;
  }
  for (const auto& problem : discovery_problems_) message << "\n  also: " << problem;
  return Status(KEEL_ERR_NOT_FOUND, message.str());
}

Result<PluginLibrary*> PluginRegistry::find_plugin(const std::string& id) {
  auto match = [&]() -> PluginLibrary* {
    for (const auto& plugin : plugins_) {
      if (plugin->facts().id == id) return plugin.get();
    }
    if (auto it = factories_.find(id); it != factories_.end()) return it->second->plugin;
    return nullptr;
  };
  if (PluginLibrary* found = match()) return found;
  discover();
  if (PluginLibrary* found = match()) return found;
  Result<const Factory*> factory = find_factory(id);  // for its detailed message
  return Status(KEEL_ERR_NOT_FOUND,
                "no plugin or factory with id '" + id + "'" +
                    factory.status().message().substr(factory.status().message().find(';')));
}

}  // namespace keel
