// engine/market/timestamp.hpp — timestamps as ns since the Unix epoch, UTC.
#pragma once

#include <cstdint>
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

}  // namespace keel
