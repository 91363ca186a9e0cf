// bench/engine_run.hpp — one `keel run` in this process, as the engine and
// Python benchmarks time it: run_command.cpp's path (the run file parsed by
// the config API, the Engine, the report written) without the manifest's
// SHA-256 of each data file, which is paid once per file and not per event.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <functional>

#include "engine/config/run_config.hpp"
#include "engine/host/host.hpp"
#include "engine/report/run_report.hpp"
#include "engine/run/engine.hpp"

namespace keel::bench {

struct RunCount {
  uint64_t events = 0;
  uint64_t fills = 0;
  uint64_t orders = 0;
};

// Runs `run_file`; a failure skips the benchmark with its message and
// returns zero counts. `setup`, when given, prepares the run's Host before
// the engine loads anything (as `keel`'s main gives it the Python adapter).
inline RunCount run_once(benchmark::State& state, const std::filesystem::path& run_file,
                         const std::function<void(Host&)>& setup = {}) {
  ConfigResult loaded = load_run_config(run_file);
  if (!loaded.config) {
    state.SkipWithError(format_config_error(run_file, loaded.errors.front()).c_str());
    return {};
  }
  RunConfig& config = *loaded.config;
  Host host;
  if (setup) setup(host);
  RunCount count;
  {
    Engine engine(config, host);
    if (Status s = engine.prepare(); !s) {
      state.SkipWithError(s.message().c_str());
      return {};
    }
    Result<RunReportWriter> writer = RunReportWriter::open(config.output_dir);
    if (!writer) {
      state.SkipWithError(writer.status().message().c_str());
      return {};
    }
    RunResult result = engine.run(*writer, {});
    result.summary.max_drawdown = writer->performance().max_drawdown();
    result.summary.sharpe = writer->performance().sharpe();
    Manifest manifest;
    manifest.keel_version = "bench";
    if (Status s = writer->finish(result.summary, manifest); !s) {
      state.SkipWithError(s.message().c_str());
      return {};
    }
    if (!result.failure.is_ok()) {
      state.SkipWithError(result.summary.status.c_str());
      return {};
    }
    count = {result.summary.events, result.summary.num_fills, result.summary.num_orders};
  }
  (void)host.shutdown();
  return count;
}

}  // namespace keel::bench
