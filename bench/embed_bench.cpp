// bench/embed_bench.cpp — the cross-language cost table (issue 17): keel's
// Black-Scholes model priced through libkeel (keel/embed.h) by a program in
// C++, Python, Rust and OCaml (examples/embed/<language>/), each timing
// itself with --bench over the same generated portfolio: one call, a
// 1,000-option batch and a 1,000,000-option batch. Each row is a ratio to
// the C++ program's figure of the same kind, measured in the same run.
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

// Runs one caller's --bench and records its three figures as counters
// ("embed_<caller>:single_call_ns", ...), in ns.
void run_caller(benchmark::State& state, const std::string& command) {
  nlohmann::json figures;
  for (auto _ : state) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " --bench").c_str(), "r"), pclose);
    if (!pipe) {
      state.SkipWithError(("cannot start " + command).c_str());
      return;
    }
    std::string out;
    std::array<char, 4096> buffer{};
    while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
      out.append(buffer.data(), n);
    const int status = pclose(pipe.release());
    if (status != 0) {
      state.SkipWithError((command + " --bench failed; run it to see why").c_str());
      return;
    }
    figures = nlohmann::json::parse(out, nullptr, false);
    if (figures.is_discarded() || !figures.contains("batch_1m_ns_per_option")) {
      state.SkipWithError((command + " --bench printed no figures: " + out).c_str());
      return;
    }
    state.SetIterationTime(1e-3);  // the figures are the program's own; this time is not used
  }
  state.counters["single_call_ns"] = figures["single_call_ns"].get<double>();
  state.counters["batch_1k_ns"] = figures["batch_1k_ns_per_option"].get<double>();
  state.counters["batch_1m_ns"] = figures["batch_1m_ns_per_option"].get<double>();
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
