// `keel run FILE`: an engine run from a run file — replay the data through
// the venue, drive the strategies, write the report to output.dir.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/config/run_config.hpp"
#include "engine/report/progress.hpp"
#include "engine/report/run_report.hpp"
#include "engine/report/sha256.hpp"
#include "engine/run/engine.hpp"
#include "keel/version.h"

namespace keel::cli {
namespace {

struct RunOptions {
  std::string file;
  std::string output;
  bool quiet = false;
};

std::string hash_or_error(const std::filesystem::path& path) {
  Result<std::string> hash = sha256_file(path);
  return hash ? *hash : "unreadable: " + hash.status().message();
}

Manifest make_manifest(const RunConfig& config, const std::string& run_file, Host& host) {
  Manifest manifest;
  manifest.keel_version = KEEL_SDK_VERSION_STRING;
  manifest.seed = config.seed;
  manifest.run_file = {run_file, hash_or_error(run_file)};
  for (const DataSpec& data : config.data) {
    manifest.data_files.push_back({data.path.string(), hash_or_error(data.path)});
  }
  std::vector<const PluginLibrary*> plugins;
  for (const auto& plugin : host.registry().plugins()) plugins.push_back(plugin.get());
  std::sort(plugins.begin(), plugins.end(),
            [](const PluginLibrary* a, const PluginLibrary* b) { return a->path() < b->path(); });
  for (const PluginLibrary* plugin : plugins) {
    Manifest::PluginEntry entry{plugin->facts().id, plugin->facts().version,
                                plugin->path().string(), hash_or_error(plugin->path()), {}};
    for (const Factory& factory : plugin->factories()) entry.factories.push_back(factory.id);
    manifest.plugins.push_back(std::move(entry));
  }
  return manifest;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a backtest: replay the run file's market data through the simulated venue, "
             "drive its strategies and pricing models, and write the report to output.dir");
  cmd->add_option("file", o->file, "Run file (JSON; see config/run.schema.json)")
      ->required()
      ->type_name("RUN.json");
  cmd->add_option("--output", o->output, "Write the report here instead of output.dir")
      ->type_name("DIR");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress bar and no summary");

  return [o](Host& host) {
    ConfigResult loaded = load_run_config(o->file);
    if (!loaded.config) {
      std::cerr << format_config_errors(o->file, loaded.errors) << std::flush;
      return static_cast<int>(kExitUsage);
    }
    RunConfig& config = *loaded.config;
    if (!o->output.empty()) config.output_dir = o->output;

    Engine engine(config, host);
    if (Status s = engine.prepare(); !s) {
      std::cerr << "keel run: " << o->file << ": " << s.message() << "\n";
      return exit_code(engine.prepare_failure());
    }
    Result<RunReportWriter> writer = RunReportWriter::open(config.output_dir);
    if (!writer) {
      std::cerr << "keel run: " << writer.status().message() << "\n";
      return static_cast<int>(kExitUsage);
    }
    ProgressBar progress(stderr, o->quiet);
    RunResult result = engine.run(*writer, [&](uint64_t events, keel_timestamp_t now) {
      progress.update(events, now, -1.0);
    });
    progress.finish();
    result.summary.max_drawdown = writer->performance().max_drawdown();
    result.summary.sharpe = writer->performance().sharpe();
    const Status written =
        writer->finish(result.summary, make_manifest(config, o->file, host));
    if (!o->quiet) print_summary(stdout, result.summary);
    if (!written) {
      std::cerr << "keel run: " << written.message() << "\n";
      return static_cast<int>(kExitUsage);
    }
    if (!result.failure.is_ok()) {
      std::cerr << "keel run: " << result.summary.status << "\n";
      return exit_code(result.kind);
    }
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
