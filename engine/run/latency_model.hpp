// engine/run/latency_model.hpp — how long one message takes: an order or
// cancel on its way to the venue, or a report on its way back. Drawn per
// message from the run file's model (engine/config/latency_config.hpp):
//
// - constant: always `ns` (also the model of a venue's order_latency_ns /
//   report_latency_ns; drawing it is one branch and a load).
// - uniform / normal / lognormal: seeded random draws. The generator is
//   std::mt19937_64, whose output the C++ standard fixes; the transforms are
//   our own (std::*_distribution are implementation-defined), so a seed gives
//   the same draws with any standard library. A draw u in [0, 1) takes the
//   generator's top 53 bits: u = (x >> 11) * 2^-53. Standard normal z: the
//   Box-Muller cosine branch of two such draws, z = sqrt(-2 ln(1 - u1)) *
//   cos(2 pi u2), one z per two draws (the sine branch is not kept).
//     uniform:   min_ns + floor(u * (max_ns - min_ns + 1)), so both ends occur
//     normal:    max(min_ns, round(mean_ns + stddev_ns * z)) — a floor: draws
//                below min_ns become min_ns (not redrawn)
//     lognormal: round(median_ns * exp(sigma * z))
//   Every draw is then held to [0, kMaxDurationNs]. (log, cos and exp come
//   from the C library; glibc's are correctly rounded in practice, another
//   libm could differ in the last bit, which rounding to ns hides but for a
//   draw within 1 ulp of a half.)
// - file: the latency at the send time t, linearly interpolated between the
//   rows around t (rounded to ns); before the first row the first row's
//   value, after the last row the last one's.
#pragma once

#include <cstdint>
#include <random>
#include <span>

#include "engine/config/latency_config.hpp"
#include "keel/market.h"

namespace keel {

// The file model's interpolation: `points` sorted by ts, at least one.
int64_t interpolate_latency(std::span<const LatencyPoint> points, keel_timestamp_t t);

class LatencyModel {
 public:
  // `spec` null: the constant `constant_ns`. `spec` must outlive the model
  // (it is the run's config). `seed` seeds the random models.
  LatencyModel(const LatencyModelSpec* spec, int64_t constant_ns, uint64_t seed);

  // The latency, in ns, of a message sent at `sent`.
  int64_t draw(keel_timestamp_t sent) {
    if (kind_ == LatencyKind::constant) [[likely]]
      return constant_ns_;
    return draw_model(sent);
  }

 private:
  int64_t draw_model(keel_timestamp_t sent);
  double uniform01();
  double standard_normal();

  LatencyKind kind_ = LatencyKind::constant;
  int64_t constant_ns_ = 0;
  const LatencyModelSpec* spec_ = nullptr;
  std::mt19937_64 rng_;
};

}  // namespace keel
