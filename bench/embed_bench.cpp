// bench/embed_bench.cpp — the cross-language cost table (issue 17): keel's
// Black-Scholes model priced through libkeel (keel/embed.h) by a program in
// C++, Python, Rust and OCaml (examples/embed/<language>/), each timing
// itself with --bench over the same generated portfolio: one call, a
// 1,000-option batch and a 1,000,000-option batch. Each row is a ratio to
// the C++ program's figure of the same kind, measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/report.hpp"

namespace {

using keel::bench::add_figures;

// One run of a caller's --bench: its JSON line, or a reason it has none.
std::string bench_once(const std::string& command, nlohmann::json& figures) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " --bench").c_str(), "r"), pclose);
  if (!pipe) return "cannot start " + command;
  std::string out;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    out.append(buffer.data(), n);
  }
  if (pclose(pipe.release()) != 0) return command + " --bench failed; run it to see why";
  figures = nlohmann::json::parse(out, nullptr, false);
  if (figures.is_discarded() || !figures.contains("batch_1m_ns_per_option")) {
    return command + " --bench printed no figures: " + out;
  }
  return "";
}

// Runs one caller's --bench kRuns times and records the best of each figure
// as counters ("embed_<caller>:single_call_ns", ...), in ns. Each run is
// already a best of 5; the runs spread each caller's samples over a longer
// stretch of this shared machine's noise, so callers timed one after the
// other compare fairly.
constexpr int kRuns = 3;
void run_caller(benchmark::State& state, const std::string& command) {
  double single = 1e300, batch_1k = 1e300, batch_1m = 1e300;
  for (auto _ : state) {
    for (int run = 0; run < kRuns; ++run) {
      nlohmann::json figures;
      if (std::string problem = bench_once(command, figures); !problem.empty()) {
        state.SkipWithError(problem.c_str());
        return;
      }
      single = std::min(single, figures["single_call_ns"].get<double>());
      batch_1k = std::min(batch_1k, figures["batch_1k_ns_per_option"].get<double>());
      batch_1m = std::min(batch_1m, figures["batch_1m_ns_per_option"].get<double>());
    }
    state.SetIterationTime(1e-3);  // the figures are the programs' own; this time is not used
  }
  state.counters["single_call_ns"] = single;
  state.counters["batch_1k_ns"] = batch_1k;
  state.counters["batch_1m_ns"] = batch_1m;
}

#define KEEL_EMBED_CALLER(language, command)                                        \
  void BM_embed_##language(benchmark::State& state) { run_caller(state, command); } \
  BENCHMARK(BM_embed_##language)->Name("embed_" #language)->Iterations(1)->UseManualTime()

KEEL_EMBED_CALLER(cpp, KEEL_BENCH_EMBED_DIR "/price_portfolio_cpp");
#if KEEL_WITH_PYTHON
KEEL_EMBED_CALLER(python, "env PYTHONPATH=" KEEL_BENCH_PYTHON_PACKAGE_DIR " " KEEL_BENCH_PYTHON3
                          " " KEEL_BENCH_EXAMPLES_SOURCE_DIR "/embed/python/price_portfolio.py");
#endif
#if KEEL_WITH_RUST
KEEL_EMBED_CALLER(rust, KEEL_BENCH_EMBED_DIR "/price_portfolio_rust");
#endif
#if KEEL_WITH_OCAML
KEEL_EMBED_CALLER(ocaml, KEEL_BENCH_OCAML_CALLER);
#endif

keel::bench::Figure row(const std::string& language, const char* what, const char* counter,
                        const char* target, double ratio) {
  return {language + " caller: " + what,
          "embed_" + language + ":" + counter,
          std::string("embed_cpp:") + counter,
          "ns",
          target,
          ratio,
          0,
          false,
          std::string("the C++ caller's ") + what};
}

const bool kEmbedFiguresRegistered = add_figures({
    row("python", "one call", "single_call_ns", "reported (no target)", 0),
    row("python", "1K batch, per option", "batch_1k_ns", "reported (no target)", 0),
    row("python", "1M batch, per option", "batch_1m_ns", "within 1.1x of C++ (ratio >= 0.91)",
        1 / 1.1),
    row("rust", "one call", "single_call_ns", "reported (no target)", 0),
    row("rust", "1K batch, per option", "batch_1k_ns", "within 1.05x of C++ (ratio >= 0.95)",
        1 / 1.05),
    row("rust", "1M batch, per option", "batch_1m_ns", "within 1.1x of C++ (ratio >= 0.91)",
        1 / 1.1),
    row("ocaml", "one call", "single_call_ns", "reported (no target)", 0),
    row("ocaml", "1K batch, per option", "batch_1k_ns", "reported (no target)", 0),
    row("ocaml", "1M batch, per option", "batch_1m_ns", "within 1.1x of C++ (ratio >= 0.91)",
        1 / 1.1),
});

}  // namespace
