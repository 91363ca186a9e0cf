// engine/config/time_fields.cpp — timestamps and durations in run files.
#include "engine/config/time_fields.hpp"

#include <utility>

#include "engine/market/timestamp.hpp"

namespace keel::config {
namespace {

constexpr std::string_view kTimestampWhat =
    "a timestamp (ISO-8601 UTC such as \"2024-01-02T14:30:00Z\" or \"2024-01-02\", or "
    "integer ns since the epoch)";
constexpr std::string_view kDurationWhat =
    "a duration > 0 such as \"500ms\", \"10s\", \"1m\", \"1h\", \"1d\", or integer ns > 0";

}  // namespace

std::optional<int64_t> parse_duration(std::string_view text) {
  size_t i = 0;
  int64_t count = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (__builtin_mul_overflow(count, int64_t{10}, &count) ||
        __builtin_add_overflow(count, int64_t{text[i] - '0'}, &count)) {
      return std::nullopt;
    }
    ++i;
  }
  if (i == 0 || count == 0) return std::nullopt;
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"ns", 1},
                                                                    {"us", 1'000},
                                                                    {"ms", 1'000'000},
                                                                    {"s", 1'000'000'000},
                                                                    {"m", 60'000'000'000},
                                                                    {"h", 3'600'000'000'000},
                                                                    {"d", 86'400'000'000'000}};
  const std::string_view unit = text.substr(i);
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    int64_t ns = 0;
    if (__builtin_mul_overflow(count, scale, &ns)) return std::nullopt;
    return ns;
  }
  return std::nullopt;
}

std::optional<int64_t> read_timestamp(JsonChecker& check, const Json& value,
                                      const std::string& pointer) {
  std::optional<int64_t> ns;
  if (value.is_string()) {
    ns = parse_timestamp(value.get_ref<const std::string&>());
  } else if (value.is_number_integer()) {
    ns = as_int64(value);
    if (ns && *ns < 0) ns.reset();  // as parse_timestamp: nothing before the epoch
  }
  if (!ns) {
    check.expected(pointer, kTimestampWhat, value);
  } else if (!data_timestamp_in_range(*ns)) {
    // The range of market-data times, so sums the engine makes cannot overflow.
    check.expected(pointer, "a time from " + data_timestamp_range_text(), value);
    ns.reset();
  }
  return ns;
}

std::optional<int64_t> read_duration(JsonChecker& check, const Json& value,
                                     const std::string& pointer) {
  std::optional<int64_t> ns;
  if (value.is_string()) {
    ns = parse_duration(value.get_ref<const std::string&>());
  } else if (value.is_number_integer()) {
    ns = as_int64(value);
    if (ns && *ns <= 0) ns.reset();
  }
  if (!ns) {
    check.expected(pointer, kDurationWhat, value);
  } else if (*ns > kMaxDurationNs) {
    // Bounded so that data time + durations cannot overflow (engine/market/timestamp.hpp).
    check.expected(
        pointer, "a duration of at most 3650d (" + std::to_string(kMaxDurationNs) + " ns)", value);
    ns.reset();
  }
  return ns;
}

}  // namespace keel::config
