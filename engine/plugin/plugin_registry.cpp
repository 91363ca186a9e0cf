#include "engine/plugin/plugin_registry.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/plugin/elf_exports.hpp"
#include "engine/plugin/plugin_probe.hpp"

namespace keel {
namespace {

std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical;
}

bool same_contents(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::file_size(a, ec) != std::filesystem::file_size(b, ec) || ec) return false;
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  char bx[1 << 14], by[1 << 14];
  while (x && y) {
    x.read(bx, sizeof bx);
    y.read(by, sizeof by);
    if (x.gcount() != y.gcount() || std::memcmp(bx, by, static_cast<size_t>(x.gcount())) != 0) {
      return false;
    }
  }
  return !x.bad() && !y.bad();
}

const char* kind_name(FactoryKind kind) {
  return kind == FactoryKind::strategy ? "strategy" : "pricing model";
}

std::string how_to_choose(const std::string& id, const std::filesystem::path& file) {
  return "\"" + file.string() + ":" + id + "\"";
}

}  // namespace

FactoryReference parse_factory_reference(const std::string& text) {
  // "x.so:id" — the last ".so:" splits file from id; a name with a '/' or
  // ending in ".so" is a file.
  if (const size_t at = text.rfind(".so:"); at != std::string::npos) {
    return {std::filesystem::path(text.substr(0, at + 3)), text.substr(at + 4)};
  }
  if (text.find('/') != std::string::npos || (text.size() > 3 && text.ends_with(".so"))) {
    return {std::filesystem::path(text), ""};
  }
  return {std::nullopt, text};
}

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

void PluginRegistry::add_default_search_folders(const std::filesystem::path& shipped) {
  if (const char* env = std::getenv("KEEL_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    std::string folder;
    while (std::getline(list, folder, ':')) {
      if (!folder.empty()) search_path_.push_back(folder);
    }
  }
  if (!shipped.empty()) search_path_.push_back(shipped);
  discovered_ = false;
}

Result<PluginLibrary*> PluginRegistry::load_file(const std::filesystem::path& path) {
  const auto key = canonical_or_same(path);
  if (auto it = by_path_.find(key); it != by_path_.end()) return it->second;
  warn_if_writable_by_others(key, "plugin file");

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
  if (library->facts().compiler.find("panic=abort") != std::string::npos) {
    spdlog::warn(
        "plugin {} was built with panic = \"abort\": a panic in it ends this process "
        "with no report; ask for a build with panic = \"unwind\"",
        library->label());
  }
  for (const Factory& factory : library->factories()) factories_[factory.id] = &factory;
  by_path_[key] = library;
  plugins_.push_back(std::move(*loaded));
  return library;
}

Result<PluginLibrary*> PluginRegistry::add_in_process(std::unique_ptr<PluginLibrary> library) {
  for (const Factory& factory : library->factories()) {
    if (auto it = factories_.find(factory.id); it != factories_.end()) {
      return Status(
          KEEL_ERR_INVALID_ARGUMENT,
          "factory id '" + factory.id + "' is already provided by " + it->second->plugin->label());
    }
  }
  PluginLibrary* added = library.get();
  for (const Factory& factory : added->factories()) factories_[factory.id] = &factory;
  plugins_.push_back(std::move(library));
  return added;
}

void PluginRegistry::warn_if_writable_by_others(const std::filesystem::path& path,
                                                const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & S_IWOTH) == 0) return;
  if (std::find(warned_.begin(), warned_.end(), path) != warned_.end()) return;
  warned_.push_back(path);
  spdlog::warn(
      "{} {} is writable by every user of this machine: anyone could put code there "
      "that keel would run; make it writable by its owner only (chmod o-w {})",
      what, path.string(), path.string());
}

void PluginRegistry::discover() {
  if (discovered_) return;
  discovered_ = true;
  candidates_.clear();
  discovery_problems_.clear();
  std::vector<std::filesystem::path> seen;
  for (const auto& folder : search_path_) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) continue;
    warn_if_writable_by_others(canonical_or_same(folder), "plugin folder");
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& file : files) {
      const auto key = canonical_or_same(file);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;  // listed twice
      seen.push_back(key);
      auto it = asked_.find(key);
      if (it == asked_.end()) {
        Asked asked;
        if (auto loaded = by_path_.find(key); loaded != by_path_.end()) {
          // Loaded already: no need to ask in a child.
          Candidate c{file, loaded->second->facts().id, {}};
          for (const Factory& f : loaded->second->factories()) c.factory_ids.push_back(f.id);
          asked.candidate = std::move(c);
        } else if (Result<std::vector<std::string>> exports = read_elf_exports(file);
                   exports && std::find(exports->begin(), exports->end(),
                                        std::string(KEEL_ENTRY_SYMBOL)) == exports->end()) {
          // A shared object that is no keel plugin (no entry): nothing to ask.
          asked.problem = file.string() + " is not a keel plugin (it exports no " +
                          std::string(KEEL_ENTRY_SYMBOL) + ")";
        } else if (Result<PluginProbe> probe = probe_plugin(file, load_host_); probe) {
          asked.candidate = Candidate{file, probe->plugin_id, std::move(probe->factory_ids)};
        } else {
          asked.problem = probe.status().message();
        }
        it = asked_.emplace(key, std::move(asked)).first;
      }
      if (it->second.candidate) {
        candidates_.push_back(*it->second.candidate);
      } else {
        discovery_problems_.push_back(it->second.problem);
      }
    }
  }
}

std::vector<const PluginRegistry::Candidate*> PluginRegistry::offering(const std::string& id,
                                                                       bool factory) const {
  std::vector<const Candidate*> found;
  for (const Candidate& c : candidates_) {
    const bool offers =
        factory ? std::find(c.factory_ids.begin(), c.factory_ids.end(), id) != c.factory_ids.end()
                : c.plugin_id == id;
    // A byte-identical copy of a file found earlier in the search path (the
    // same plugin installed twice) is no choice: the first one stands.
    const auto same = [&](const Candidate* earlier) {
      return same_contents(earlier->file, c.file);
    };
    if (offers && std::none_of(found.begin(), found.end(), same)) found.push_back(&c);
  }
  return found;
}

Status PluginRegistry::not_found(const std::string& what) const {
  std::ostringstream message;
  message << what << "; searched:";
  for (const auto& folder : search_path_) message << " " << folder.string();
  if (search_path_.empty()) message << " (nothing: set KEEL_PLUGIN_PATH)";
  std::vector<std::string> known;
  for (const Candidate& c : candidates_) {
    known.insert(known.end(), c.factory_ids.begin(), c.factory_ids.end());
  }
  for (const auto& [id, factory] : factories_) known.push_back(id);
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  if (!known.empty()) {
    message << "\n  known factories:";
    for (const auto& id : known) message << " " << id;
  }
  for (const auto& problem : discovery_problems_) message << "\n  also: " << problem;
  return Status(KEEL_ERR_NOT_FOUND, message.str());
}

Status PluginRegistry::ambiguous(const std::string& id,
                                 const std::vector<const Candidate*>& files) const {
  std::string message = "factory id '" + id + "' is offered by " + std::to_string(files.size()) +
                        " plugin files on the search path:";
  for (const Candidate* c : files) message += "\n  " + c->file.string();
  message += "\nkeel will not pick one silently: name the file, e.g. " +
             how_to_choose(id, files.front()->file) +
             " (as the factory in the run file, or for --model), or remove all but one from the "
             "search path";
  return Status(KEEL_ERR_INVALID_ARGUMENT, message);
}

Result<const Factory*> PluginRegistry::find_factory(const std::string& reference,
                                                    std::optional<FactoryKind> kind) {
  const FactoryReference ref = parse_factory_reference(reference);
  if (ref.file) {
    Result<PluginLibrary*> library = load_file(*ref.file);
    if (!library) return library.status();
    std::vector<const Factory*> matching;
    for (const Factory& f : (*library)->factories()) {
      if (ref.factory_id.empty() ? (!kind || f.kind == *kind) : f.id == ref.factory_id) {
        matching.push_back(&f);
      }
    }
    std::string offered;
    for (const Factory& f : (*library)->factories()) {
      offered += (offered.empty() ? "" : ", ") + f.id + " (" + kind_name(f.kind) + ")";
    }
    if (offered.empty()) offered = "none";
    if (matching.empty()) {
      return Status(KEEL_ERR_NOT_FOUND,
                    "plugin " + ref.file->string() + " offers no " +
                        (ref.factory_id.empty() ? std::string(kind ? kind_name(*kind) : "factory")
                                                : "factory '" + ref.factory_id + "'") +
                        "; it offers: " + offered);
    }
    if (matching.size() > 1) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "plugin " + ref.file->string() + " offers several " +
                        (kind ? std::string(kind_name(*kind)) + " factories" : "factories") + " (" +
                        offered + "): name one, e.g. " +
                        how_to_choose(matching.front()->id, *ref.file));
    }
    return matching.front();
  }

  const std::string& id = ref.factory_id;
  discover();
  const std::vector<const Candidate*> files = offering(id, true);
  if (files.size() > 1) return ambiguous(id, files);
  if (auto it = factories_.find(id); it != factories_.end()) return it->second;
  if (files.empty()) return not_found("no plugin provides factory '" + id + "'");
  Result<PluginLibrary*> library = load_file(files.front()->file);
  if (!library) return library.status();
  if (auto it = factories_.find(id); it != factories_.end()) return it->second;
  return Status(KEEL_ERR_INTERNAL, "plugin " + files.front()->file.string() + " offered factory '" +
                                       id + "' when asked, but not when loaded");
}

Result<PluginLibrary*> PluginRegistry::find_plugin(const std::string& id) {
  for (const auto& plugin : plugins_) {
    if (plugin->facts().id == id) return plugin.get();
  }
  if (auto it = factories_.find(id); it != factories_.end()) return it->second->plugin;
  discover();
  std::vector<const Candidate*> files = offering(id, false);
  if (files.size() > 1) {
    std::string message = "plugin id '" + id + "' is used by " + std::to_string(files.size()) +
                          " plugin files on the search path:";
    for (const Candidate* c : files) message += "\n  " + c->file.string();
    message += "\nname the file instead, or remove all but one from the search path";
    return Status(KEEL_ERR_INVALID_ARGUMENT, message);
  }
  if (files.empty()) files = offering(id, true);
  if (files.size() > 1) return ambiguous(id, files);
  if (files.empty()) return not_found("no plugin or factory with id '" + id + "'");
  return load_file(files.front()->file);
}

Result<const Factory*> PluginRegistry::find_python_factory(const std::filesystem::path& script,
                                                           const std::string& class_name) {
  if (!python_resolver_) {
    return Status(KEEL_ERR_UNSUPPORTED,
                  "this keel was built without Python strategies (KEEL_WITH_PYTHON=OFF): "
                  "rebuild with -DKEEL_WITH_PYTHON=ON to run " +
                      script.string());
  }
  return python_resolver_(*this, script, class_name);
}

}  // namespace keel
