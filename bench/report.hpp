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
// Benchmarks that read or write bytes say how many per iteration; the
// collector then also records "<name>:bytes", in ns per byte.
inline constexpr const char* kBytesPerIteration = "bytes_per_iteration";
// Any other counter a benchmark sets is recorded as "<name>:<counter>" with
// its value as set (e.g. a child process's peak RSS in MB).

// One row of the table: `subject` compared with `reference` (keys of the
// collector's measurements: benchmark names, "<name>:bytes", "<name>:<counter>").
//
// unit "ns": time per item; ratio = reference / subject, so > 1 means keel
//   is faster.
// unit "events/s" or "MB/s": a rate, 1e9 / (ns per item) or 1e3 / (ns per
//   byte, with a "<name>:bytes" key); ratio = subject rate / reference rate.
// unit "MB": a counter's value as set; ratio = subject / reference.
// unit "ms": a counter's value as set, a time in milliseconds (a whole
//   sweep); ratio = reference / subject, as for "ns".
//
// The target is a ratio (target_ratio > 0: ratio >= target_ratio) or an
// absolute value (target_value > 0: value >= target_value, or value <=
// target_value when at_most), or both.
struct Figure {
  std::string label;
  std::string subject;
  std::string reference;
  std::string unit;    // "ns" (per item), "events/s", "MB/s", "MB" or "ms"
  std::string target;  // the target, as text ("ratio >= 8")
  double target_ratio = 0;
  double target_value = 0;
  bool at_most = false;
  std::string reference_label = {};  // what the reference is, for the table ("raw mmap pass")
};

// Figures are registered by the file that defines their benchmarks, in the
// order the table shows them:
//   static const bool registered = keel::bench::add_figures({{...}, ...});
// A figure whose subject or reference did not run (filtered out) is skipped.
bool add_figures(std::vector<Figure> figures);
const std::vector<Figure>& registered_figures();

// Collects per-item times (and the keys above) while printing Google
// Benchmark's usual console output.
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
