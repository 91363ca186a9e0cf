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
#include <vector>

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

// The callers this build has, by the name their counters carry.
struct Caller {
  const char* name;
  std::string command;
};
const std::vector<Caller>& callers() {
  static const std::vector<Caller> all = {
    {"cpp", KEEL_BENCH_EMBED_DIR "/price_portfolio_cpp"},
#if KEEL_WITH_PYTHON
    {"python", "env PYTHONPATH=" KEEL_BENCH_PYTHON_PACKAGE_DIR " " KEEL_BENCH_PYTHON3
               " " KEEL_BENCH_EXAMPLES_SOURCE_DIR "/embed/python/price_portfolio.py"},
#endif
#if KEEL_WITH_RUST
    {"rust", KEEL_BENCH_EMBED_DIR "/price_portfolio_rust"},
#endif
#if KEEL_WITH_OCAML
    {"ocaml", KEEL_BENCH_OCAML_CALLER},
#endif
  };
  return all;
}

// Runs every caller's --bench kRounds times, round-robin, and records the
// best of each figure as counters ("embed_callers:<caller>_batch_1m_ns",
// ...), in ns. Each run is already a best of 5; taking turns puts every
// caller's samples in the same stretches of this shared machine's noise, so
// the ratios compare like with like. A caller that fails is reported and
// left out (its rows are skipped); the others still count.
constexpr int kRounds = 4;
void BM_embed_callers(benchmark::State& state) {
  struct Best {
    double single = 1e300, batch_1k = 1e300, batch_1m = 1e300;
    std::string problem;
  };
  std::vector<Best> best(callers().size());
  for (auto _ : state) {
    for (int round = 0; round < kRounds; ++round) {
      for (size_t c = 0; c < callers().size(); ++c) {
        if (!best[c].problem.empty()) continue;
        nlohmann::json figures;
        best[c].problem = bench_once(callers()[c].command, figures);
        if (!best[c].problem.empty()) continue;
        best[c].single = std::min(best[c].single, figures["single_call_ns"].get<double>());
        best[c].batch_1k =
            std::min(best[c].batch_1k, figures["batch_1k_ns_per_option"].get<double>());
        best[c].batch_1m =
            std::min(best[c].batch_1m, figures["batch_1m_ns_per_option"].get<double>());
      }
    }
    state.SetIterationTime(1e-3);  // the figures are the programs' own; this time is not used
  }
  for (size_t c = 0; c < callers().size(); ++c) {
    const std::string name = callers()[c].name;
    if (!best[c].problem.empty()) {
      std::fprintf(stderr, "embed_callers: %s left out: %s\n", name.c_str(),
                   best[c].problem.c_str());
      continue;
    }
    state.counters[name + "_single_call_ns"] = best[c].single;
    state.counters[name + "_batch_1k_ns"] = best[c].batch_1k;
    state.counters[name + "_batch_1m_ns"] = best[c].batch_1m;
  }
}
BENCHMARK(BM_embed_callers)->Name("embed_callers")->Iterations(1)->UseManualTime();

keel::bench::Figure row(const std::string& language, const char* what, const char* counter,
                        const char* target, double ratio) {
  return {language + " caller: " + what,
          "embed_callers:" + language + "_" + counter,
          std::string("embed_callers:cpp_") + counter,
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
