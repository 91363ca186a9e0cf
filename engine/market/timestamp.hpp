// engine/market/timestamp.hpp — timestamps as ns since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace keel {

// Parses ISO-8601 UTC — "2024-01-02T09:30:00Z", "2024-01-02 09:30:00.123456789",
// "2024-01-02T09:30:00+00:00", a date alone ("2024-01-02", midnight) — or an
// integer count of nanoseconds since the epoch. nullopt when malformed
// (including a non-zero UTC offset, an impossible date, or overflow).
// Allocation-free: called once per data row.
std::optional<int64_t> parse_timestamp(std::string_view text);

// "2024-01-02T09:30:00.123456789Z" (fraction omitted when zero).
std::string format_timestamp(int64_t ns);
// The same text into `out` (room for kTimestampTextMax chars, no NUL);
// returns the end. Allocation-free, for the report files' rows.
inline constexpr size_t kTimestampTextMax = 32;
char* format_timestamp_to(char* out, int64_t ns);

// ---- the range of market-data times ----------------------------------------------
// Every market-data time (CSV rows and binary records alike; also a run
// file's start and end) must lie in [kMinDataTimestampNs,
// kMaxDataTimestampNs]: 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z. The
// engine adds to such a time at most an order latency, a report latency and
// an equity interval (engine/run/engine.cpp), and the run file holds each of
// them to at most kMaxDurationNs (3650 days; engine/config), so no sum the
// engine makes can pass int64's limit (2262-04-11T23:47:16Z). (A timer adds
// nothing: it fires at its own time, never later than the event being
// handled, and timers still pending at the end are dropped.)
inline constexpr int64_t kMinDataTimestampNs = 0;
inline constexpr int64_t kMaxDataTimestampNs = 7'258'118'400'000'000'000;  // 2200-01-01T00:00:00Z
inline constexpr int64_t kMaxDurationNs = 315'360'000'000'000'000;         // 3650 days
static_assert(std::numeric_limits<int64_t>::max() - kMaxDataTimestampNs > 3 * kMaxDurationNs);

constexpr bool data_timestamp_in_range(int64_t ns) {
  return ns >= kMinDataTimestampNs && ns <= kMaxDataTimestampNs;
}
// "1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z", for messages.
std::string data_timestamp_range_text();
// "ts <ns> (<ISO time>) is outside the range keel accepts for market data
// (1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z)".
std::string timestamp_out_of_range(int64_t ns);

}  // namespace keel
