// `keel plugin check PATH|ID [--params ID=JSON]... [--model NAME=ID]... [--json]`: the conformance
// checks of engine/plugin_check, one PASS/FAIL line each.
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/plugin_check/conformance.hpp"
#include "keel/sdk/json_depth.hpp"

namespace keel::cli {
namespace {

// Parses the --params values, each either FACTORY_ID=JSON or a JSON object
// {"FACTORY_ID": {...}, ...}, into JSON params per factory id.
Result<std::map<std::string, std::string>> parse_params(const std::vector<std::string>& values) {
  std::map<std::string, std::string> params;
  for (const auto& value : values) {
    // Before parsing: dump() below and the checks' copies recurse per level.
    if (auto deep = sdk::find_json_too_deep(value)) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "--params: " + sdk::describe_json_too_deep(*deep) + "; flatten the params");
    }
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) {
      for (const auto& [id, object] : parsed.items()) {
        if (!object.is_object()) {
          return Status(
              KEEL_ERR_INVALID_ARGUMENT,
              "--params: /" + id + " must be a JSON object of params, got " + object.dump());
        }
        params[id] = object.dump();
      }
      continue;
    }
    const auto equals = value.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "--params '" + value +
                        "': expected FACTORY_ID=JSON or a JSON object keyed "
                        "by factory id");
    }
    const std::string id = value.substr(0, equals);
    const std::string text = value.substr(equals + 1);
    parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    "--params " + id + ": '" + text + "' is not a JSON object");
    }
    params[id] = parsed.dump();
  }
  return params;
}

nlohmann::json to_json(const check::CheckReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& r : report.results) {
    checks.push_back({{"subject", r.subject},
                      {"check", r.check},
                      {"passed", r.passed},
                      {"fault", r.fault},
                      {"message", r.message}});
  }
  return {{"target", report.target},
          {"plugin", {{"id", report.plugin_id}, {"path", report.plugin_path}}},
          {"loaded", report.loaded},
          {"checks", checks},
          {"passed", report.results.size() - report.failed()},
          {"failed", report.failed()}};
}

}  // namespace

CommandRunner add_plugin_check_command(CLI::App& plugin_app) {
  struct Options {
    std::string target;
    std::vector<std::string> params;
    std::vector<std::string> models;
    int cycles = 50;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = plugin_app.add_subcommand(
      "check",
      "Check a plugin against the ABI contract: descriptor, exports, every factory's create/drop "
      "with good and bad params, handle reuse and leaks, and each kind's table. Prints one "
      "PASS/FAIL line per check; exits 0 when all pass, 3 when the plugin cannot be loaded, "
      "4 when any check fails");
  cmd->add_option("plugin", options->target, "Plugin file path, plugin id or factory id")
      ->required()
      ->type_name("PATH|ID");
  cmd->add_option("--params", options->params,
                  "Params for one factory's instances, as FACTORY_ID=JSON or "
                  "'{\"FACTORY_ID\": {...}}' (repeatable; default {})")
      ->type_name("ID=JSON");
  cmd->add_option("--model", options->models,
                  "A pricing model the host offers to model_lookup while strategies are checked, "
                  "as NAME=FACTORY_ID (created with params {}; repeatable)")
      ->type_name("NAME=ID");
  cmd->add_option("--cycles", options->cycles, "create/drop cycles of the leak check")
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  return [options](Host& host) {
    Result<std::map<std::string, std::string>> params = parse_params(options->params);
    if (!params) {
      std::cerr << "keel: " << params.status().message() << "\n";
      return static_cast<int>(kExitUsage);
    }
    check::CheckOptions check_options;
    check_options.params = *params;
    for (const std::string& model : options->models) {
      const size_t eq = model.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == model.size()) {
        std::cerr << "keel: --model '" << model
                  << "' must be NAME=FACTORY_ID, e.g. --model bs=keel.black_scholes\n";
        return static_cast<int>(kExitUsage);
      }
      check_options.models[model.substr(0, eq)] = model.substr(eq + 1);
    }
    check_options.lifecycle_cycles = options->cycles;
    const check::CheckReport report =
        check::run_conformance_checks(host, options->target, check_options);
    const size_t failed = report.failed();
    if (options->json) {
      std::cout << to_json(report).dump(2) << "\n";
    } else {
      if (report.loaded) {
        std::cout << "checking " << report.plugin_id << " (" << report.plugin_path << ")\n";
      } else {
        std::cout << "checking " << report.target << "\n";
      }
      for (const auto& result : report.results) std::cout << check::format_line(result) << "\n";
      std::cout << report.results.size() << " checks: " << report.results.size() - failed
                << " passed, " << failed << " failed"
                << (report.loaded ? "" : " (the plugin could not be loaded)") << "\n";
    }
    if (!report.loaded) return static_cast<int>(kExitPluginLoad);
    return static_cast<int>(failed == 0 ? kExitOk : kExitPluginFault);
  };
}

}  // namespace keel::cli
