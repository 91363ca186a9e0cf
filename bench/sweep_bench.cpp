// bench/sweep_bench.cpp — issue 15's sweep speed rows: bench/python/sweep_speed.py
// times one 64-point keel.sweep (an 8 x 8 grid over keel.sma_cross's fast and
// slow windows; one point is a whole run over generated 1-minute bars) three
// ways in one process: serially (jobs=1, the reference), in 2 local worker
// processes (jobs=2), and on a Dask scheduler with one single-threaded worker
// on 127.0.0.1. It checks the three results.csv are byte-identical and prints
// its figures as one JSON line, which become this benchmark's counters (ms):
//   sweep_speed:serial_ms, :pool2_ms, :dask1_ms  the three sweeps, wall clock;
//   sweep_speed:point_ms          one point's run (serial / points);
//   sweep_speed:dask_overhead_ms  (dask1 - serial) / points: what Dask adds per point;
//   sweep_speed:tearsheet_ms      report.html and best/report.html, which the timed
//                                 sweeps skip (report=False): the coordinating process
//                                 writes them whatever the executor;
//   sweep_speed:run_alone2_ms, :run_pair_ms  two `keel run`s of one point one after
//                                 the other (2 x alone) and side by side: this machine's
//                                 ceiling for any 2-process executor of this run;
//   sweep_speed:serial_cpu_ms, :pool2_cpu_ms  CPU time of the script and the pool's
//                                 workers during the serial and the 2-process sweep.
// KEEL_BENCH_SWEEP_SCALE (default 1) scales the data (the script's --scale).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/report.hpp"

namespace {

using keel::bench::add_figures;

// The script's JSON line (its last line on stdout), or a reason there is none.
std::string sweep_speed(nlohmann::json& figures) {
  const char* scale = std::getenv("KEEL_BENCH_SWEEP_SCALE");
  const std::string command = std::string("env PYTHONPATH=") + KEEL_BENCH_PYTHON_PACKAGE_DIR + " " +
                              KEEL_BENCH_PYTHON3 + " " + KEEL_BENCH_PYTHON_DIR +
                              "/sweep_speed.py " + KEEL_BENCH_KEEL_BINARY + " --scale " +
                              (scale != nullptr && *scale != '\0' ? scale : "1");
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "cannot start " + command;
  std::string out;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    out.append(buffer.data(), n);
  }
  if (pclose(pipe.release()) != 0) return command + " failed (its messages are above)";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  figures = nlohmann::json::parse(out.substr(out.rfind('\n') + 1), nullptr, false);
  if (figures.is_discarded() || !figures.contains("dask_overhead_ms_per_point")) {
    return command + " printed no figures: " + out;
  }
  return "";
}

void BM_sweep_speed(benchmark::State& state) {
  nlohmann::json figures;
  for (auto _ : state) {
    if (std::string problem = sweep_speed(figures); !problem.empty()) {
      state.SkipWithError(problem.c_str());
      return;
    }
    state.SetIterationTime(figures["serial_s"].get<double>() + figures["pool2_s"].get<double>() +
                           figures["dask1_s"].get<double>());
  }
  state.counters["points"] = figures["points"].get<double>();
  state.counters["serial_ms"] = figures["serial_s"].get<double>() * 1e3;
  state.counters["pool2_ms"] = figures["pool2_s"].get<double>() * 1e3;
  state.counters["dask1_ms"] = figures["dask1_s"].get<double>() * 1e3;
  state.counters["point_ms"] = figures["point_s"].get<double>() * 1e3;
  state.counters["dask_overhead_ms"] = figures["dask_overhead_ms_per_point"].get<double>();
  state.counters["tearsheet_ms"] = figures["tearsheet_s"].get<double>() * 1e3;
  state.counters["run_alone2_ms"] = 2 * figures["run_alone_s"].get<double>() * 1e3;
  state.counters["run_pair_ms"] = figures["run_pair_s"].get<double>() * 1e3;
  state.counters["serial_cpu_ms"] = figures["serial_cpu_s"].get<double>() * 1e3;
  state.counters["pool2_cpu_ms"] = figures["pool2_cpu_s"].get<double>() * 1e3;
}
BENCHMARK(BM_sweep_speed)
    ->Name("sweep_speed")
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseManualTime();

const bool kSweepFiguresRegistered = add_figures({
    {"sweep: 64 points, 2 local processes", "sweep_speed:pool2_ms", "sweep_speed:serial_ms", "ms",
     "ratio >= 1.8 (serial / 2 processes)", 1.8, 0, false,
     "the same 64 points one after another in one process (jobs=1)"},
    {"two keel runs side by side (the 2-process ceiling)", "sweep_speed:run_pair_ms",
     "sweep_speed:run_alone2_ms", "ms", "reported (no target): no executor beats it", 0, 0, false,
     "the same run twice, one after the other"},
    {"sweep on Dask: overhead per point", "sweep_speed:dask_overhead_ms", "sweep_speed:point_ms",
     "ms", "<= 50 ms per point beyond the run", 0, 50, true,
     "one point's run (the serial sweep / 64); 1 worker, 1 thread"},
});

}  // namespace
