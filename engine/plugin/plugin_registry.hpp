// engine/plugin/plugin_registry.hpp — every plugin this process loaded, and
// how a name in a run file or on the command line becomes a factory.
//
// The search path is, in order: folders added by the caller (a run file's
// plugin_paths, --plugin-path), the folders in KEEL_PLUGIN_PATH
// (colon-separated), and the folder of plugins shipped with this keel build
// or installation.
//
// A factory is named by
//   - its id ("keel.black_scholes"): the one file on the search path that
//     offers it. Each *.so there is asked for its ids in a child process
//     (engine/plugin/plugin_probe.hpp), so a broken file cannot crash a run
//     that does not use it; only the file chosen is loaded here. Two files
//     offering the id is an error naming both and how to choose, unless
//     they are byte-identical copies (the first in search order stands).
//   - a file ("path/to/x.so", any name with a '/' or ending in .so): the
//     file's only factory of the kind asked for;
//   - "path/to/x.so:factory.id": that factory of that file.
// A search folder, or a plugin in one, that every user may write to is
// warned about: anyone on the machine could put code there that keel runs.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/plugin/plugin_library.hpp"

namespace keel {

// A factory reference split into its parts: a file (when it names one) and
// a factory id (when it names one).
struct FactoryReference {
  std::optional<std::filesystem::path> file;
  std::string factory_id;  // "" when a file alone is named
};
FactoryReference parse_factory_reference(const std::string& text);

// The folder holding the plugins that ship with this keel:
// <prefix>/lib/keel/plugins for <prefix>/bin/keel. The build tree has the
// same layout, so this holds there too. (For test binaries, which are not
// in bin/, tests pass the folder explicitly.)
std::filesystem::path shipped_plugin_folder();

class PluginRegistry {
 public:
  explicit PluginRegistry(const keel_host_t* load_host) : load_host_(load_host) {}

  // Prepends a folder to the search path (later calls take precedence).
  void add_search_folder(const std::filesystem::path& folder);
  // The default path: KEEL_PLUGIN_PATH, then the shipped plugin folder
  // (`shipped`: the one beside this executable unless the caller knows
  // better, e.g. keel's Python extension, which lives beside the plugins).
  void add_default_search_folders(const std::filesystem::path& shipped = shipped_plugin_folder());
  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

  // Loads a plugin file (once per canonical path) and registers its
  // factories. Fails on any load problem or a factory id already registered
  // by another plugin (the message names both files).
  Result<PluginLibrary*> load_file(const std::filesystem::path& path);
  // Registers a library built in-process (PluginLibrary::in_process); its
  // factory ids must be new. Fails naming the id otherwise.
  Result<PluginLibrary*> add_in_process(std::unique_ptr<PluginLibrary> library);

  // The factory a reference names (see above), loading its file. `kind`,
  // when given, picks among a file's factories and is checked. NOT_FOUND
  // lists where it looked and the files that could not be asked;
  // KEEL_ERR_INVALID_ARGUMENT when two files offer the id.
  Result<const Factory*> find_factory(const std::string& reference,
                                      std::optional<FactoryKind> kind = std::nullopt);

  // Strategies written in Python (a run file's {"python": {"script", "class"}}):
  // the registry does not know Python; whoever builds it and embeds the
  // interpreter (the CLI, engine/python) gives it the resolver that imports
  // a script's class and registers its factory (add_in_process).
  using PythonResolver = std::function<Result<const Factory*>(PluginRegistry& registry,
                                                              const std::filesystem::path& script,
                                                              const std::string& class_name)>;
  void set_python_resolver(PythonResolver resolver) { python_resolver_ = std::move(resolver); }
  // The factory for that class of that script; KEEL_ERR_UNSUPPORTED when no
  // resolver was given (a keel built without Python).
  Result<const Factory*> find_python_factory(const std::filesystem::path& script,
                                             const std::string& class_name);

  // A plugin by its descriptor id or by one of its factory ids.
  Result<PluginLibrary*> find_plugin(const std::string& id);

  // The plugins loaded into this process: the ones in use.
  const std::vector<std::unique_ptr<PluginLibrary>>& plugins() const { return plugins_; }

 private:
  // A file on the search path and what it offers (asked in a child process).
  struct Candidate {
    std::filesystem::path file;
    std::string plugin_id;
    std::vector<std::string> factory_ids;
  };

  void discover();
  // The files offering `id` as a factory id (factory = true) or plugin id.
  std::vector<const Candidate*> offering(const std::string& id, bool factory) const;
  // `what` ("no plugin provides factory 'x'"), where it looked, what it knows.
  Status not_found(const std::string& what) const;
  Status ambiguous(const std::string& id, const std::vector<const Candidate*>& files) const;
  void warn_if_writable_by_others(const std::filesystem::path& path, const char* what);

  const keel_host_t* load_host_;
  std::vector<std::filesystem::path> search_path_;
  std::vector<std::unique_ptr<PluginLibrary>> plugins_;
  std::map<std::string, const Factory*> factories_;
  std::map<std::filesystem::path, PluginLibrary*> by_path_;
  // Discovery: what each file on the search path offers, by canonical path
  // (kept when the search path changes: a file is asked once per process).
  struct Asked {
    std::optional<Candidate> candidate;  // absent when the file could not be asked
    std::string problem;                 // why not
  };
  std::map<std::filesystem::path, Asked> asked_;
  std::vector<Candidate> candidates_;  // the current search path's, in search order
  std::vector<std::string> discovery_problems_;
  std::vector<std::filesystem::path> warned_;
  bool discovered_ = false;
  PythonResolver python_resolver_;
};


}  // namespace keel
