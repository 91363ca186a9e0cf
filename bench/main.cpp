// keel_bench — runs every benchmark, then prints keel's table and writes
// the JSON results.  Usage: keel_bench [--out FILE] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "report.hpp"

int main(int argc, char** argv) {
  std::string out = "bench/results/latest.json";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;

  keel::bench::Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  using keel::bench::Figure;
  const std::vector<Figure> figures = {
      {"Black-Scholes price+greeks, batch (SIMD)", "keel_bs_price_greeks_batch",
       "ql_black_formula", "ns", "ratio >= 8 vs QuantLib blackFormula (price only)", 8},
      {"Black-Scholes price+greeks, one call", "keel_bs_price_greeks", "ql_black_formula", "ns",
       "vs QuantLib blackFormula (price only)", 0},
      {"Black-Scholes price+greeks, batch (SIMD)", "keel_bs_price_greeks_batch",
       "ql_analytic_european_engine", "ns", "vs QuantLib AnalyticEuropeanEngine (NPV+delta)", 0},
      {"Implied volatility (1e-14 rel)", "keel_bs_implied_vol", "ql_implied_vol_lirs", "ns",
       "ratio >= 1.5 vs QuantLib LiRS at 1e-10", 1.5},
  };
  return keel::bench::report(figures, collector.ns_per_item(), out) ? 0 : 1;
}
