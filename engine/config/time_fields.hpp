// engine/config/time_fields.hpp — timestamps and durations in run files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/config/json_checker.hpp"

namespace keel::config {

// "10s" -> 10'000'000'000: a whole number and a unit (ns, us, ms, s, m, h,
// d). nullopt when malformed, zero or too large.
std::optional<int64_t> parse_duration(std::string_view text);

// A time: an ISO-8601 UTC string (keel::parse_timestamp) or integer ns
// since the epoch, within the range of market-data times
// (keel::data_timestamp_in_range). Reports anything else at `pointer`.
std::optional<int64_t> read_timestamp(JsonChecker& check, const Json& value,
                                      const std::string& pointer);

// A duration > 0 and at most keel::kMaxDurationNs (3650 days): a string for
// parse_duration or integer ns.
std::optional<int64_t> read_duration(JsonChecker& check, const Json& value,
                                     const std::string& pointer);

}  // namespace keel::config
