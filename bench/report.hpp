// bench/report.hpp — turns Google Benchmark runs into keel's table: each
// figure beside the reference measured in the same process and run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace keel::bench {

// Benchmarks that process several items per iteration say so with this
// counter; the report divides by it (ns per item).
inline constexpr const char* kItemsPerIteration = "items_per_iteration";

// One row of the table: `subject` compared with `reference` (benchmark
// names). ratio = reference time / subject time, so > 1 means keel is faster.
struct Figure {
  std::string label;
  std::string subject;
  std::string reference;
  std::string unit;    // "ns" (per item)
  std::string target;  // the target, as text ("ratio >= 8")
  double target_ratio = 0;
};

// Figures are registered by the file that defines their benchmarks, in the
// order the table shows them:
//   static const bool registered = keel::bench::add_figures({{...}, ...});
// A figure whose subject or reference did not run (filtered out) is skipped.
bool add_figures(std::vector<Figure> figures);
const std::vector<Figure>& registered_figures();

// Collects per-item times while printing Google Benchmark's usual console output.
class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;
  const std::map<std::string, double>& ns_per_item() const { return ns_per_item_; }

 private:
  std::map<std::string, double> ns_per_item_;
};

// Prints the table and writes the JSON file; returns false if it cannot write.
bool report(const std::vector<Figure>& figures, const std::map<std::string, double>& ns_per_item,
            const std::string& json_path);

}  // namespace keel::bench
