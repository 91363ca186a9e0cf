// `keel run FILE`: an engine run from a run file — replay the data through
// the venue, drive the strategies, write the report to output.dir.
//
// Once the run file is valid, the run takes its output folder before
// anything else can fail (RunReportWriter::open: manifest.json says
// "running"), so every later failure — a plugin that cannot load, bad
// params, a bad data header — is reported there too ("failed: <why>").
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/cli/interrupt.hpp"
#include "engine/config/run_config.hpp"
#include "engine/market/timestamp.hpp"
#include "engine/report/progress.hpp"
#include "engine/report/run_report.hpp"
#include "engine/run/engine.hpp"
#include "engine/run/run_outputs.hpp"

namespace keel::cli {
namespace {

struct RunOptions {
  std::string file;
  std::string output;
  bool quiet = false;
};

// Where the report the run replaced went, for the messages of a run that
// did not complete (its own report is in the folder, the earlier one aside).
std::string where_previous_went(const RunReportWriter& writer) {
  if (!writer.moved_previous_report()) return "";
  return "keel run: the report that was in " + writer.dir().string() + " before this run is in " +
         (writer.dir() / "previous").string() + "\n";
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
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

    // From here, SIGINT/SIGTERM stop the run at the next event (interrupt.hpp).
    InterruptGuard interrupt;
    Manifest manifest = start_manifest(config, o->file, loaded.text);
    Result<RunReportWriter> writer = RunReportWriter::open(config.output_dir, manifest);
    if (!writer) {
      std::cerr << "keel run: " << writer.status().message() << "\n";
      return static_cast<int>(kExitUsage);
    }

    Engine engine(config, host);
    engine.stop_on(interrupt.flag());
    const Status prepared = engine.prepare();
    add_plugins(manifest, host);
    if (!prepared) {
      const Status written = writer->finish(not_started(config, prepared), manifest);
      std::cerr << "keel run: " << o->file << ": " << prepared.message() << "\n";
      if (!written) std::cerr << "keel run: " << written.message() << "\n";
      std::cerr << where_previous_went(*writer);
      return written ? exit_code(engine.prepare_failure()) : static_cast<int>(kExitUsage);
    }
    writer->update_manifest(manifest);

    ProgressBar progress(stderr, o->quiet);
    RunResult result = engine.run(*writer, [&](uint64_t events, keel_timestamp_t now) {
      progress.update(events, now, -1.0);
      writer->flush_if_due();
      // A report that cannot be written whole ends the run: going on would
      // only spend time on rows that go nowhere.
      if (!writer->write_error().is_ok()) engine.stop_with(writer->write_error());
    });
    progress.finish();
    result.summary.max_drawdown = writer->performance().max_drawdown();
    result.summary.sharpe = writer->performance().sharpe();
    const Status written = writer->finish(result.summary, manifest);
    if (!o->quiet) print_summary(stdout, result.summary);
    if (!written) {
      std::cerr << "keel run: " << written.message() << "\n" << where_previous_went(*writer);
      return static_cast<int>(kExitUsage);
    }
    if (result.interrupted_by != 0) {
      std::cerr << "keel run: interrupted by " << signal_name(result.interrupted_by) << " after "
                << result.summary.events << " events, at "
                << format_timestamp(result.summary.last_event_ts) << "; the report in "
                << config.output_dir.string() << " says so\n"
                << where_previous_went(*writer);
      return 128 + result.interrupted_by;
    }
    if (!result.failure.is_ok()) {
      std::cerr << "keel run: " << result.summary.status << "\n" << where_previous_went(*writer);
      return exit_code(result.kind);
    }
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
