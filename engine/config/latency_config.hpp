// engine/config/latency_config.hpp — the run file's venue "latency" object:
// which model draws the order-entry and the report latency, the seed of the
// random ones, and feed latency from the depth data's exchange timestamps.
// Checked here, with the latency file (if any) read and checked too, so a
// run never starts with a bad one. engine/run/latency_model.hpp draws from
// it; docs/venue.md ("Latency") is the user's description.
//
//   "latency": {"order": MODEL, "report": MODEL, "seed": 42,
//               "feed": "exchange_timestamps"}
//   MODEL = {"model": "constant", "ns": N}
//         | {"model": "uniform", "min_ns": A, "max_ns": B}            // A <= B
//         | {"model": "normal", "mean_ns": M, "stddev_ns": S, "min_ns": F}  // F default 0
//         | {"model": "lognormal", "median_ns": M, "sigma": S}
//         | {"model": "file", "path": "latency.csv"}
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"

namespace keel {

enum class LatencyKind : uint8_t { constant, uniform, normal, lognormal, file };

// One row of a latency file, for one direction: from `ts` on (interpolated
// towards the next row) a message takes `ns`.
struct LatencyPoint {
  int64_t ts = 0;
  int64_t ns = 0;
};

struct LatencyModelSpec {
  LatencyKind kind = LatencyKind::constant;
  int64_t ns = 0;                     // constant
  int64_t min_ns = 0, max_ns = 0;     // uniform: [min_ns, max_ns]; normal: min_ns is the floor
  double mean_ns = 0, stddev_ns = 0;  // normal
  double median_ns = 0, sigma = 0;    // lognormal
  std::filesystem::path path;         // file: resolved against the run file's folder
  std::vector<LatencyPoint> points;   // file: this direction's column, sorted by ts
};

struct LatencySpec {
  std::optional<LatencyModelSpec> order;   // absent: VenueSpec::order_latency_ns
  std::optional<LatencyModelSpec> report;  // absent: VenueSpec::report_latency_ns
  uint64_t seed = 0;  // the order model draws from seed, the report model from seed + 1
  bool feed_from_exchange_timestamps = false;  // "feed": "exchange_timestamps"
};

// A latency file: CSV with a header naming the columns ts, order_ns and
// report_ns (any order, no others); ts as in keel's data files (ISO-8601 UTC
// or integer ns), rows sorted by ts (equal times allowed), latencies integer
// ns in [0, kMaxDurationNs], at least one row. Errors say "FILE:LINE: what".
struct LatencyFile {
  std::vector<LatencyPoint> order, report;
};
Result<LatencyFile> read_latency_file(const std::filesystem::path& path);

}  // namespace keel
