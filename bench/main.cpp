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

  return keel::bench::report(keel::bench::registered_figures(), collector.ns_per_item(), out) ? 0 : 1;
}
