// keel — the command-line host.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/cli/gen_data_command.hpp"
#include "engine/cli/global_options.hpp"
#include "engine/cli/python_command.hpp"
#include "engine/cli/validate_command.hpp"
#if KEEL_WITH_PYTHON
#include "engine/python/interpreter_choice.hpp"
#include "engine/python/python_strategy.hpp"
#endif
#include "keel/version.h"

namespace {

std::string version_text() {
  std::string text = std::string("keel ") + KEEL_SDK_VERSION_STRING + " (ABI " +
                     std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                     std::to_string(KEEL_ABI_VERSION_MINOR) + ")";
#if KEEL_WITH_PYTHON
  text += std::string("\nembedded Python ") + keel::python::embedded_python_version() +
          " (built with " + keel::python::built_with_python() + ")";
#else
  text += "\nno embedded Python (built with KEEL_WITH_PYTHON=OFF)";
#endif
  return text;
}

// Each subcommand's --help ends with where the global options go, then the
// exit codes (the footer CLI11 copied from the top-level app).
void footer_global_options(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->footer(std::string("Global options, before or after the command: --plugin-path DIR "
                            "(repeatable), --log-level LEVEL; see keel --help.\n") +
                keel::cli::kExitCodeTable);
    footer_global_options(*sub);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keel::cli;
  CLI::App app{
      "keel — a plugin-based trading engine.\n"
      "Plugins (C++, Rust, OCaml) are found by factory id in --plugin-path folders, "
      "KEEL_PLUGIN_PATH and the plugins shipped with keel.",
      "keel"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  app.footer(kExitCodeTable);
  GlobalOptions global;
  add_global_options(app, global);  // before the subcommands, which inherit fallthrough

  CLI::App* plugin = app.add_subcommand("plugin", "Work with plugin files");
  plugin->require_subcommand(1);
  CommandRunner inspect = add_plugin_inspect_command(*plugin);
  CommandRunner check = add_plugin_check_command(*plugin);
  CommandRunner price = add_price_command(app);
  CommandRunner run = add_run_command(app);
  CommandRunner validate = add_validate_command(app);
  CommandRunner gen_data = add_gen_data_command(app);
  CommandRunner data = add_data_command(app);
  PythonCommandRunner sweep = add_python_command(
      app, "sweep",
      "Run a base run file at many points of a parameter space, on local processes "
      "or a Dask cluster, and write the results table",
      /*takes_log_level=*/true);
  PythonCommandRunner report = add_python_command(
      app, "report", "Write an HTML tearsheet for a run's or a sweep's report folder",
      /*takes_log_level=*/false);

  if (const std::vector<std::string> clashes = shadowed_global_options(app); !clashes.empty()) {
    // A build defect, not bad input: every CLI test fails on it.
    for (const std::string& clash : clashes) {
      std::cerr << "keel: internal error: " << clash
                << " hides the global option of the same name\n";
    }
    return kExitUsage;
  }
  footer_global_options(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  // Written in Python: this process becomes `python3 -m keel NAME ...`.
  if (app.got_subcommand("sweep")) return sweep(global);
  if (app.got_subcommand("report")) return report(global);

  auto logger = spdlog::stderr_color_mt("keel");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(global.log_level));
  spdlog::set_pattern("%^[%l]%$ %v");

  keel::Host host;
  host.registry().add_default_search_folders();
#if KEEL_WITH_PYTHON
  // Python strategies: the registry is given the adapter (engine/run does
  // not know Python).
  host.registry().set_python_resolver([](keel::PluginRegistry& registry,
                                         const std::filesystem::path& script,
                                         const std::string& class_name) {
    return keel::python::python_strategy_factory(registry,
                                                 keel::PythonStrategySpec{script, class_name, ""});
  });
#endif
  for (auto it = global.plugin_paths.rbegin(); it != global.plugin_paths.rend(); ++it) {
    host.registry().add_search_folder(*it);
  }
  int code = kExitOk;
  if (plugin->got_subcommand("inspect")) {
    code = inspect(host);
  } else if (plugin->got_subcommand("check")) {
    code = check(host);
  } else if (app.got_subcommand("price")) {
    code = price(host);
  } else if (app.got_subcommand("run")) {
    code = run(host);
  } else if (app.got_subcommand("validate")) {
    code = validate(host);
  } else if (app.got_subcommand("gen-data")) {
    code = gen_data(host);
  } else if (app.got_subcommand("data")) {
    code = data(host);
  }
  host.shutdown();
  return code;
}
