#include "engine/plugin/plugin_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

#include "engine/plugin/elf_exports.hpp"

namespace keel {
namespace {

// Copies min(struct_size, sizeof(T)) bytes of a plugin's table into a
// zeroed T: members past the plugin's table end read as absent (rule 2).
template <class T>
T copy_table(const void* table, uint32_t struct_size) {
  T copy;
  std::memset(&copy, 0, sizeof copy);
  std::memcpy(&copy, table, std::min<size_t>(struct_size, sizeof(T)));
  return copy;
}

std::string text_or(const char* text, const char* fallback) {
  return text != nullptr ? std::string(text) : std::string(fallback);
}

class Problems {
 public:
  void add(std::string problem) { list_.push_back(std::move(problem)); }
  bool empty() const { return list_.empty(); }
  Status to_status(const std::filesystem::path& path, keel_status_t code) const {
    std::ostringstream out;
    out << "cannot load plugin " << path.string() << ":";
    for (const auto& p : list_) out << "\n  - " << p;
    return Status(code, out.str());
  }

 private:
  std::vector<std::string> list_;
};

bool required_model_members(const keel_pricing_model_vtable_t& t) {
  return t.price && t.price_batch && t.implied_vol && t.implied_vol_batch && t.calibrate;
}

// Validates one factory; on success appends it to `out`.
void validate_factory(PluginLibrary* plugin, size_t index, const keel_factory_t* raw,
                      Problems& problems, std::vector<Factory>& out, PluginFacts& facts) {
  const std::string where = "factory #" + std::to_string(index);
  if (raw == nullptr) {
    problems.add(where + " is NULL");
    return;
  }
  if (raw->struct_size < KEEL_FACTORY_MIN_SIZE) {
    problems.add(where + ": struct_size " + std::to_string(raw->struct_size) +
                 " is smaller than the required " + std::to_string(KEEL_FACTORY_MIN_SIZE) +
                 " bytes of keel_factory_t");
    return;
  }
  const auto table = copy_table<keel_factory_t>(raw, raw->struct_size);
  const std::string name = where + (table.id ? " '" + std::string(table.id) + "'" : "");
  bool ok = true;
  auto fail = [&](const std::string& problem) {
    problems.add(name + ": " + problem);
    ok = false;
  };
  if (table.id == nullptr || *table.id == '\0') fail("has no id");
  if (table.kind == nullptr) fail("has no kind");
  if (table.create == nullptr && table.create_with_context == nullptr) {
    fail("has no create function (create/drop are mandatory)");
  }
  if (table.drop == nullptr) fail("has no drop function (create/drop are mandatory)");
  if (table.methods == nullptr) fail("has no methods table");
  if (table.kind == nullptr || table.methods == nullptr) return;

  Factory factory;
  factory.plugin = plugin;
  factory.id = text_or(table.id, "");
  factory.description = text_or(table.description, "");
  factory.params_schema = text_or(table.params_schema, "{}");
  factory.create = table.create_with_context != nullptr
                       ? CreateCall(table.create_with_context, table.context)
                       : CreateCall(table.create);
  factory.drop = table.drop;
  const std::string kind = table.kind;
  const uint32_t methods_size = *static_cast<const uint32_t*>(table.methods);
  if (kind == KEEL_KIND_PRICING_MODEL || kind == KEEL_KIND_PRICING_MODEL_1_0) {
    factory.kind = FactoryKind::pricing_model;
    if (methods_size < KEEL_PRICING_MODEL_VTABLE_MIN_SIZE) {
      fail("pricing-model table struct_size " + std::to_string(methods_size) +
           " is smaller than the required " + std::to_string(KEEL_PRICING_MODEL_VTABLE_MIN_SIZE));
    } else {
      factory.model = copy_table<keel_pricing_model_vtable_t>(table.methods, methods_size);
      if (!required_model_members(factory.model)) {
        fail("pricing-model table lacks a required member (price, price_batch, implied_vol, "
             "implied_vol_batch and calibrate must be set; return KEEL_ERR_UNSUPPORTED instead)");
      }
    }
  } else if (kind == KEEL_KIND_STRATEGY) {
    factory.kind = FactoryKind::strategy;
    if (methods_size < KEEL_STRATEGY_VTABLE_MIN_SIZE) {
      fail("strategy table struct_size " + std::to_string(methods_size) +
           " is smaller than the required " + std::to_string(KEEL_STRATEGY_VTABLE_MIN_SIZE));
    } else {
      factory.strategy = copy_table<keel_strategy_vtable_t>(table.methods, methods_size);
    }
  } else {
    // A kind from a newer ABI: not an error, the host just cannot use it.
    facts.ignored_factories.push_back(factory.id + " (kind " + kind + ")");
    return;
  }
  if (ok) out.push_back(std::move(factory));
}

}  // namespace

Result<std::unique_ptr<PluginLibrary>> PluginLibrary::load(const std::filesystem::path& path,
                                                           const keel_host_t* load_host) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status(KEEL_ERR_NOT_FOUND, "cannot load plugin " + path.string() +
                                          ": no such file (check the path or KEEL_PLUGIN_PATH)");
  }
  Problems problems;

  // Rule 1, checked on the file before any of its code runs.
  Result<std::vector<std::string>> exports = read_elf_exports(path);
  if (!exports) {
    problems.add(exports.status().message());
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  const ExportProblems rule1 = check_export_rule(*exports);
  for (const std::string& problem : rule1.problems) problems.add(problem);
  if (rule1.missing_entry) return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);

  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    problems.add(std::string("dlopen failed: ") + (why ? why : "unknown error"));
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  auto library = std::unique_ptr<PluginLibrary>(new PluginLibrary());
  library->path_ = path;
  library->dl_handle_ = handle;  // never dlclose'd (rule 9), even on failure

  auto entry = reinterpret_cast<keel_entry_fn>(dlsym(handle, KEEL_ENTRY_SYMBOL));
  if (entry == nullptr) {
    problems.add(std::string("dlsym('") + KEEL_ENTRY_SYMBOL + "') failed");
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  const keel_plugin_descriptor_t* raw = entry(KEEL_ABI_VERSION_MAJOR, KEEL_ABI_VERSION_MINOR,
                                              load_host);
  if (raw == nullptr) {
    problems.add("the entry returned no descriptor: the plugin refused this host (ABI " +
                 std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                 std::to_string(KEEL_ABI_VERSION_MINOR) + ")");
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  if (raw->magic != KEEL_PLUGIN_MAGIC) {
    char magic[32];
    std::snprintf(magic, sizeof magic, "0x%016llx", static_cast<unsigned long long>(raw->magic));
    problems.add(std::string("bad magic ") + magic + " in the descriptor (expected 0x" +
                 "47554c504c45454b, \"KEELPLUG\"): not a keel descriptor, or built for another "
                 "ABI");
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  if (raw->abi_major != KEEL_ABI_VERSION_MAJOR) {
    problems.add("built for keel ABI " + std::to_string(raw->abi_major) + "." +
                 std::to_string(raw->abi_minor) + ", this host speaks ABI " +
                 std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                 std::to_string(KEEL_ABI_VERSION_MINOR) +
                 ": rebuild the plugin against a keel SDK with ABI major " +
                 std::to_string(KEEL_ABI_VERSION_MAJOR));
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  if (raw->struct_size < KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE) {
    problems.add("descriptor struct_size " + std::to_string(raw->struct_size) +
                 " is smaller than the required " +
                 std::to_string(KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE) + " bytes");
    return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  }
  const auto descriptor = copy_table<keel_plugin_descriptor_t>(raw, raw->struct_size);
  PluginFacts& facts = library->facts_;
  facts.id = text_or(descriptor.id, "");
  facts.name = text_or(descriptor.name, "");
  facts.version = text_or(descriptor.version, "");
  facts.vendor = text_or(descriptor.vendor, "");
  facts.description = text_or(descriptor.description, "");
  facts.abi_major = descriptor.abi_major;
  facts.abi_minor = descriptor.abi_minor;
  facts.struct_size = descriptor.struct_size;
  facts.sdk_version = text_or(descriptor.build.sdk_version, "unknown");
  facts.language = text_or(descriptor.build.language, "unknown");
  facts.compiler = text_or(descriptor.build.compiler, "unknown");
  facts.pointer_size = descriptor.build.pointer_size;
  library->get_extension_ = descriptor.get_extension;
  if (facts.id.empty()) problems.add("descriptor has no id");
  if (facts.version.empty()) problems.add("descriptor has no version");
  if (facts.pointer_size != 0 && facts.pointer_size != sizeof(void*)) {
    problems.add("built for " + std::to_string(facts.pointer_size * 8) + "-bit pointers, host is " +
                 std::to_string(sizeof(void*) * 8) + "-bit");
  }
  if (descriptor.factory_count > 0 && descriptor.factories == nullptr) {
    problems.add("descriptor lists " + std::to_string(descriptor.factory_count) +
                 " factories but the factories pointer is NULL");
  } else {
    std::set<std::string> seen;
    for (size_t i = 0; i < descriptor.factory_count; ++i) {
      validate_factory(library.get(), i, descriptor.factories[i], problems, library->factories_,
                       facts);
    }
    for (const Factory& f : library->factories_) {
      if (!seen.insert(f.id).second) problems.add("factory id '" + f.id + "' appears twice");
    }
  }
  if (!problems.empty()) return problems.to_status(path, KEEL_ERR_INVALID_ARGUMENT);
  return library;
}

std::unique_ptr<PluginLibrary> PluginLibrary::in_process(std::filesystem::path source,
                                                         PluginFacts facts,
                                                         std::vector<Factory> factories) {
  auto library = std::unique_ptr<PluginLibrary>(new PluginLibrary());
  library->path_ = std::move(source);
  library->facts_ = std::move(facts);
  library->factories_ = std::move(factories);
  for (Factory& factory : library->factories_) factory.plugin = library.get();
  return library;
}

std::string PluginLibrary::label() const {
  return (facts_.id.empty() ? std::string("plugin") : facts_.id) + " (" + path_.string() + ")";
}

const void* PluginLibrary::extension(const char* id) const {
  if (get_extension_ == nullptr || id == nullptr || poisoned()) return nullptr;
  return get_extension_(id);
}

void PluginLibrary::poison(const std::string& reason) {
  std::lock_guard lock(poison_mutex_);
  if (!poisoned_.load(std::memory_order_relaxed)) {
    poison_reason_ = reason;
    poisoned_.store(true, std::memory_order_release);
  }
}

std::string PluginLibrary::poison_reason() const {
  std::lock_guard lock(poison_mutex_);
  return poison_reason_;
}

Status PluginLibrary::poisoned_status() const {
  return Status(KEEL_ERR_POISONED, "plugin " + label() + " is poisoned after a fault (" +
                                       poison_reason() +
                                       "); keel calls nothing but drop on it for the rest of "
                                       "this process");
}

Status check_plugin_status(PluginLibrary& plugin, keel_status_t status, const keel_error_t& err,
                           const std::string& what) {
  if (status == KEEL_OK) return Status::ok();
  std::string message(err.message, strnlen(err.message, sizeof err.message));
  if (status < KEEL_OK || status > KEEL_STATUS_LAST) {
    const std::string reason = what + " returned undefined status " + std::to_string(status);
    plugin.poison(reason);
    return Status(KEEL_ERR_PLUGIN_FAULT, reason + "; plugin " + plugin.label() + " is now poisoned");
  }
  if (message.empty()) message = keel_status_name(status);
  if (status == KEEL_ERR_PLUGIN_FAULT) {
    plugin.poison(what + ": " + message);
    return Status(status, what + " faulted in plugin " + plugin.label() + ": " + message +
                              "; the plugin is now poisoned");
  }
  return Status(status, what + ": " + message);
}

}  // namespace keel
