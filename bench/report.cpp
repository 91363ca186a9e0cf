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
    double bytes = 0;
    for (const auto& [name, counter] : run.counters) {
      if (name == kItemsPerIteration) {
        items = counter.value;
      } else if (name == kBytesPerIteration) {
        bytes = counter.value;
      } else {
        ns_per_item_[run.benchmark_name() + ":" + name] = counter.value;
        ns_per_item_[run.run_name.function_name + ":" + name] = counter.value;
      }
    }
    // Time per iteration in ns, whatever unit the benchmark reports in.
    const double ns = run.GetAdjustedRealTime() *
                      (run.time_unit == benchmark::kNanosecond    ? 1.0
                       : run.time_unit == benchmark::kMicrosecond ? 1e3
                       : run.time_unit == benchmark::kMillisecond ? 1e6
                                                                  : 1e9);
    // Keyed by the full name and by the name without the run options
    // Google Benchmark appends ("/manual_time", "/iterations:1", ...).
    for (const std::string& key : {run.benchmark_name(), run.run_name.function_name}) {
      ns_per_item_[key] = ns / items;
      if (bytes > 0) ns_per_item_[key + ":bytes"] = ns / bytes;
    }
  }
  ConsoleReporter::ReportRuns(runs);
}

namespace {

// A measurement in the figure's unit (see Figure).
double in_unit(const std::string& unit, double measured) {
  if (unit == "events/s") return 1e9 / measured;
  if (unit == "MB/s") return 1e3 / measured;
  return measured;  // "ns", "ms", "MB"
}

// "52.1M events/s", "183 MB/s", "41.2 MB", "19.10 ns", "12.30 ms".
std::string shown(const std::string& unit, double value) {
  char buffer[64];
  if (unit == "events/s") {
    std::snprintf(buffer, sizeof buffer, "%.1fM ev/s", value / 1e6);
  } else if (unit == "MB/s") {
    std::snprintf(buffer, sizeof buffer, "%.0f MB/s", value);
  } else if (unit == "MB") {
    std::snprintf(buffer, sizeof buffer, "%.1f MB", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f %s", value, unit.c_str());
  }
  return buffer;
}

}  // namespace

bool report(const std::vector<Figure>& figures, const std::map<std::string, double>& ns_per_item,
            const std::string& json_path) {
  const std::string machine = cpu_model() + ", " +
                              std::to_string(std::thread::hardware_concurrency()) + " cores";
  nlohmann::json out = {{"machine", machine}, {"figures", nlohmann::json::array()}};
  std::printf("\nkeel benchmarks on %s\n", machine.c_str());
  std::printf("%-50s %15s %15s %9s  %s\n", "figure", "keel", "reference", "ratio", "target");
  for (const Figure& f : figures) {
    auto subject = ns_per_item.find(f.subject);
    auto reference = ns_per_item.find(f.reference);
    if (subject == ns_per_item.end() || reference == ns_per_item.end()) continue;
    const double value = in_unit(f.unit, subject->second);
    const double reference_value = in_unit(f.unit, reference->second);
    // Times: reference / keel. Rates and sizes: keel / reference.
    const bool time = f.unit == "ns" || f.unit == "ms";
    const double ratio = time ? reference_value / value : value / reference_value;
    bool met = f.target_ratio <= 0 || ratio >= f.target_ratio;
    if (f.target_value > 0) {
      met = met && (f.at_most ? value <= f.target_value : value >= f.target_value);
    }
    std::printf("%-50s %15s %15s %8.2fx  %s%s\n", f.label.c_str(), shown(f.unit, value).c_str(),
                shown(f.unit, reference_value).c_str(), ratio, f.target.c_str(),
                met ? "" : "  (MISSED)");
    if (!f.reference_label.empty()) {
      std::printf("%-50s   reference: %s\n", "", f.reference_label.c_str());
    }
    nlohmann::json row = {{"figure", f.label},
                          {"value", value},
                          {"unit", f.unit},
                          {"reference", f.reference},
                          {"reference_value", reference_value},
                          {"ratio", ratio},
                          {"target", f.target},
                          {"target_met", met},
                          {"machine", machine}};
    if (!f.reference_label.empty()) row["reference_label"] = f.reference_label;
    out["figures"].push_back(std::move(row));
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
