#include "report.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

namespace keel::bench {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::vector<Figure>& figure_registry() {
  static std::vector<Figure> figures;
  return figures;
}

}  // namespace

bool add_figures(std::vector<Figure> figures) {
  auto& all = figure_registry();
  all.insert(all.end(), std::make_move_iterator(figures.begin()),
             std::make_move_iterator(figures.end()));
  return true;
}

const std::vector<Figure>& registered_figures() { return figure_registry(); }

void Collector::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
    double items = 1;
    if (auto it = run.counters.find(kItemsPerIteration); it != run.counters.end()) {
      items = it->second.value;
    }
    // Time per iteration in ns, whatever unit the benchmark reports in.
    const double ns = run.GetAdjustedRealTime() *
                      (run.time_unit == benchmark::kNanosecond    ? 1.0
                       : run.time_unit == benchmark::kMicrosecond ? 1e3
                       : run.time_unit == benchmark::kMillisecond ? 1e6
                                                                  : 1e9);
    ns_per_item_[run.benchmark_name()] = ns / items;
  }
  ConsoleReporter::ReportRuns(runs);
}

bool report(const std::vector<Figure>& figures, const std::map<std::string, double>& ns_per_item,
            const std::string& json_path) {
  const std::string machine = cpu_model() + ", " +
                              std::to_string(std::thread::hardware_concurrency()) + " cores";
  nlohmann::json out = {{"machine", machine}, {"figures", nlohmann::json::array()}};
  std::printf("\nkeel benchmarks on %s\n", machine.c_str());
  std::printf("%-46s %12s %12s %9s  %s\n", "figure", "keel", "reference", "ratio", "target");
  for (const Figure& f : figures) {
    auto subject = ns_per_item.find(f.subject);
    auto reference = ns_per_item.find(f.reference);
    if (subject == ns_per_item.end() || reference == ns_per_item.end()) continue;
    const double ratio = reference->second / subject->second;
    const bool met = f.target_ratio <= 0 || ratio >= f.target_ratio;
    std::printf("%-46s %9.2f %s %9.2f %s %8.2fx  %s%s\n", f.label.c_str(), subject->second,
                f.unit.c_str(), reference->second, f.unit.c_str(), ratio, f.target.c_str(),
                met ? "" : "  (MISSED)");
    out["figures"].push_back({{"figure", f.label},
                              {"value", subject->second},
                              {"unit", f.unit},
                              {"reference", f.reference},
                              {"reference_value", reference->second},
                              {"ratio", ratio},
                              {"target", f.target},
                              {"target_met", met},
                              {"machine", machine}});
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(json_path).parent_path(), ec);
  std::ofstream file(json_path);
  if (!file) {
    std::fprintf(stderr, "keel_bench: cannot write %s\n", json_path.c_str());
    return false;
  }
  file << out.dump(2) << "\n";
  std::printf("\nwrote %s\n", json_path.c_str());
  return true;
}

}  // namespace keel::bench
