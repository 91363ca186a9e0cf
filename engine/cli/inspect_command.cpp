// `keel plugin inspect PATH|ID [--json]`: the descriptor, ABI version, build
// facts and factories of a plugin, with each factory's parameter schema.
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "keel/sdk/json_depth.hpp"

namespace keel::cli {
namespace {

const char* kind_name(FactoryKind kind) {
  return kind == FactoryKind::pricing_model ? KEEL_KIND_PRICING_MODEL : KEEL_KIND_STRATEGY;
}

// A plugin's params schema, parsed unless it is not JSON or nests deeper than
// keel reads (dump() recurses per level): then it is shown as text.
nlohmann::json parse_schema(const std::string& schema) {
  if (sdk::find_json_too_deep(schema)) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(schema, nullptr, false);
}

nlohmann::json schema_or_text(const std::string& schema) {
  auto parsed = parse_schema(schema);
  return parsed.is_discarded() ? nlohmann::json(schema) : parsed;
}

nlohmann::json describe(const PluginLibrary& plugin) {
  const PluginFacts& f = plugin.facts();
  nlohmann::json out = {
      {"path", plugin.path().string()},
      {"id", f.id},
      {"name", f.name},
      {"version", f.version},
      {"vendor", f.vendor},
      {"description", f.description},
      {"abi", {{"major", f.abi_major}, {"minor", f.abi_minor}, {"descriptor_size", f.struct_size}}},
      {"build",
       {{"sdk_version", f.sdk_version},
        {"language", f.language},
        {"compiler", f.compiler},
        {"pointer_size", f.pointer_size}}},
      {"factories", nlohmann::json::array()}};
  for (const Factory& factory : plugin.factories()) {
    out["factories"].push_back({{"id", factory.id},
                                {"kind", kind_name(factory.kind)},
                                {"description", factory.description},
                                {"params_schema", schema_or_text(factory.params_schema)}});
  }
  if (!f.ignored_factories.empty()) out["ignored_factories"] = f.ignored_factories;
  return out;
}

// One line per parameter of a JSON schema's "properties": name, type,
// default and description.
void print_params(const std::string& schema_text) {
  const auto schema = parse_schema(schema_text);
  if (schema.is_discarded() || !schema.contains("properties")) {
    std::cout << "      params: " << schema_text << "\n";
    return;
  }
  const auto& properties = schema["properties"];
  if (properties.empty()) {
    std::cout << "      params: none\n";
    return;
  }
  std::cout << "      params:\n";
  for (const auto& [name, spec] : properties.items()) {
    std::cout << "        " << name;
    if (spec.contains("type")) std::cout << " (" << spec["type"].dump() << ")";
    if (spec.contains("default")) std::cout << " default " << spec["default"].dump();
    if (spec.contains("minimum")) std::cout << " min " << spec["minimum"].dump();
    if (spec.contains("maximum")) std::cout << " max " << spec["maximum"].dump();
    if (spec.contains("description")) {
      std::cout << " — " << spec["description"].get<std::string>();
    }
    std::cout << "\n";
  }
}

void print_text(const PluginLibrary& plugin) {
  const PluginFacts& f = plugin.facts();
  std::cout << f.name << " (" << f.id << ") " << f.version << "\n"
            << "  file:        " << plugin.path().string() << "\n"
            << "  vendor:      " << f.vendor << "\n"
            << "  description: " << f.description << "\n"
            << "  ABI:         " << f.abi_major << "." << f.abi_minor
            << " (descriptor " << f.struct_size << " bytes)\n"
            << "  built with:  keel SDK " << f.sdk_version << ", " << f.language << ", "
            << f.compiler << ", " << f.pointer_size * 8 << "-bit\n"
            << "  factories:\n";
  for (const Factory& factory : plugin.factories()) {
    std::cout << "    " << factory.id << "  [" << kind_name(factory.kind) << "]\n"
              << "      " << factory.description << "\n";
    print_params(factory.params_schema);
  }
  for (const auto& ignored : f.ignored_factories) {
    std::cout << "    " << ignored << "  [unknown to this host; ignored]\n";
  }
}

}  // namespace

PluginLibrary* resolve_plugin(Host& host, const std::string& path_or_id) {
  const bool is_path = path_or_id.find('/') != std::string::npos ||
                       (path_or_id.size() > 3 && path_or_id.ends_with(".so"));
  Result<PluginLibrary*> plugin = is_path ? host.registry().load_file(path_or_id)
                                          : host.registry().find_plugin(path_or_id);
  if (!plugin) {
    std::cerr << "keel: " << plugin.status().message() << "\n";
    return nullptr;
  }
  return *plugin;
}

CommandRunner add_plugin_inspect_command(CLI::App& plugin_app) {
  struct Options {
    std::string target;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = plugin_app.add_subcommand(
      "inspect", "Show a plugin's descriptor, ABI version, build facts and factories");
  cmd->add_option("plugin", options->target, "Plugin file path, plugin id or factory id")
      ->required()
      ->type_name("PATH|ID");
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  return [options](Host& host) {
    PluginLibrary* plugin = resolve_plugin(host, options->target);
    if (plugin == nullptr) return static_cast<int>(kExitPluginLoad);
    if (options->json) {
      std::cout << describe(*plugin).dump(2) << "\n";
    } else {
      print_text(*plugin);
    }
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
