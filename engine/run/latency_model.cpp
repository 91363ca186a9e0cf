// engine/run/latency_model.cpp — drawing latencies (latency_model.hpp).
#include "engine/run/latency_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

int64_t to_duration(double ns) {
  if (!(ns > 0)) return 0;  // NaN included
  if (ns >= double(kMaxDurationNs)) return kMaxDurationNs;
  return std::llround(ns);
}

}  // namespace

int64_t interpolate_latency(std::span<const LatencyPoint> points, keel_timestamp_t t) {
  if (t <= points.front().ts) return points.front().ns;
  if (t >= points.back().ts) return points.back().ns;
  // The first row after t; the one before it is at or before t (so b.ts > a.ts).
  const auto after =
      std::upper_bound(points.begin(), points.end(), t,
                       [](keel_timestamp_t x, const LatencyPoint& p) { return x < p.ts; });
  const LatencyPoint& b = *after;
  const LatencyPoint& a = *(after - 1);
  const double fraction = double(t - a.ts) / double(b.ts - a.ts);
  return to_duration(double(a.ns) + (double(b.ns) - double(a.ns)) * fraction);
}

LatencyModel::LatencyModel(const LatencyModelSpec* spec, int64_t constant_ns, uint64_t seed)
    : constant_ns_(constant_ns), spec_(spec), rng_(seed) {
  if (spec != nullptr) {
    kind_ = spec->kind;
    if (kind_ == LatencyKind::constant) constant_ns_ = spec->ns;
  }
}

double LatencyModel::uniform01() { return double(rng_() >> 11) * 0x1.0p-53; }

double LatencyModel::standard_normal() {
  const double u1 = 1.0 - uniform01();  // (0, 1]: log stays finite
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

int64_t LatencyModel::draw_model(keel_timestamp_t sent) {
  const LatencyModelSpec& s = *spec_;
  switch (kind_) {
    case LatencyKind::uniform: {
      // max - min + 1 <= kMaxDurationNs + 1: exact in a double.
      const double width = double(s.max_ns - s.min_ns) + 1.0;
      const int64_t offset = static_cast<int64_t>(std::floor(uniform01() * width));
      return std::min(s.min_ns + offset, s.max_ns);
    }
    case LatencyKind::normal:
      return std::max(s.min_ns, to_duration(s.mean_ns + s.stddev_ns * standard_normal()));
    case LatencyKind::lognormal:
      return to_duration(s.median_ns * std::exp(s.sigma * standard_normal()));
    case LatencyKind::file:
      return interpolate_latency(s.points, sent);
    case LatencyKind::constant:
      break;
  }
  return constant_ns_;
}

}  // namespace keel
