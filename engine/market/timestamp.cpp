// engine/market/timestamp.cpp — ISO-8601 UTC and integer-nanosecond
// timestamps, parsed and formatted with civil-from-days arithmetic (no
// timegm, no locale, no allocation when parsing).
#include "engine/market/timestamp.hpp"

#include <charconv>
#include <cstring>
#include <limits>

namespace keel {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146'097 + static_cast<int64_t>(doe) - 719'468;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

constexpr Civil civil_from_days(int64_t z) {
  z += 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);                     // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;                               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                                  // [1, 12]
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11'017);
static_assert(civil_from_days(19'724).year == 2024 && civil_from_days(19'724).month == 1 &&
              civil_from_days(19'724).day == 2);

constexpr bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `count` digits at text[pos...]; false if any is not a digit.
constexpr bool digits(std::string_view text, size_t pos, size_t count, unsigned& out) {
  unsigned value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  out = value;
  return true;
}

std::optional<int64_t> parse_integer_ns(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // overflow
  return value;
}

std::optional<int64_t> parse_iso(std::string_view text) {
  // YYYY-MM-DD
  const size_t n = text.size();
  if (n < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  unsigned year = 0, month = 0, day = 0;
  if (!digits(text, 0, 4, year) || !digits(text, 5, 2, month) || !digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  int64_t seconds = days_from_civil(year, month, day) * kSecondsPerDay;
  int64_t fraction = 0;
  if (n > 10) {
    // [T ]HH:MM:SS[.f{1,9}][Z|+00:00]
    if ((text[10] != 'T' && text[10] != ' ') || n < 19 || text[13] != ':' || text[16] != ':') {
      return std::nullopt;
    }
    unsigned hour = 0, minute = 0, second = 0;
    if (!digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) ||
        !digits(text, 17, 2, second)) {
      return std::nullopt;
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    seconds += hour * 3600 + minute * 60 + second;
    size_t pos = 19;
    if (pos < n && text[pos] == '.') {
      ++pos;
      const size_t first = pos;
      while (pos < n && is_digit(text[pos])) {
        fraction = fraction * 10 + (text[pos] - '0');
        ++pos;
        if (pos - first > 9) return std::nullopt;
      }
      const size_t count = pos - first;
      if (count == 0) return std::nullopt;
      for (size_t i = count; i < 9; ++i) fraction *= 10;
    }
    const std::string_view zone = text.substr(pos);
    if (!zone.empty() && zone != "Z" && zone != "+00:00") return std::nullopt;
  }
  if (seconds < 0) return std::nullopt;  // before the epoch
  int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, fraction, &ns)) {
    return std::nullopt;
  }
  return ns;
}

char* put_digits(char* out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::optional<int64_t> parse_timestamp(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // A date always has '-' in its fifth character; a count of nanoseconds
  // is digits only (so a leading '-' — a negative count — is rejected).
  if (text.size() >= 10 && text[4] == '-') return parse_iso(text);
  return parse_integer_ns(text);
}

std::string format_timestamp(int64_t ns) {
  char buffer[kTimestampTextMax];
  return std::string(buffer, format_timestamp_to(buffer, ns));
}

char* format_timestamp_to(char* buffer, int64_t ns) {
  int64_t seconds = ns / kNanosPerSecond;
  int64_t fraction = ns % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  // Report rows come in time order, so the date rarely changes: it is kept
  // formatted, per thread, with the day it is for.
  thread_local int64_t cached_day = std::numeric_limits<int64_t>::min();
  thread_local char cached_date[10];
  if (days != cached_day) {
    const Civil date = civil_from_days(days);
    // int64 ns spans 1677..2262, so the year always has four digits.
    char* d = put_digits(cached_date, static_cast<uint64_t>(date.year), 4);
    *d++ = '-';
    d = put_digits(d, date.month, 2);
    *d++ = '-';
    put_digits(d, date.day, 2);
    cached_day = days;
  }
  std::memcpy(buffer, cached_date, sizeof cached_date);
  char* p = buffer + sizeof cached_date;
  const auto two = [&p](int64_t value) {  // 0..59
    p[0] = static_cast<char>('0' + value / 10);
    p[1] = static_cast<char>('0' + value % 10);
    p += 2;
  };
  const int64_t hours = second_of_day / 3600;
  const int64_t minutes = second_of_day / 60 - hours * 60;
  *p++ = 'T';
  two(hours);
  *p++ = ':';
  two(minutes);
  *p++ = ':';
  two(second_of_day - (hours * 3600 + minutes * 60));
  if (fraction != 0) {
    // Milli-, micro- or nanosecond precision, whichever is exact.
    *p++ = '.';
    if (fraction % 1'000'000 == 0) {
      p = put_digits(p, static_cast<uint64_t>(fraction / 1'000'000), 3);
    } else if (fraction % 1'000 == 0) {
      p = put_digits(p, static_cast<uint64_t>(fraction / 1'000), 6);
    } else {
      p = put_digits(p, static_cast<uint64_t>(fraction), 9);
    }
  }
  *p++ = 'Z';
  return p;
}

std::string data_timestamp_range_text() {
  return format_timestamp(kMinDataTimestampNs) + " to " + format_timestamp(kMaxDataTimestampNs);
}

std::string timestamp_out_of_range(int64_t ns) {
  return "ts " + std::to_string(ns) + " (" + format_timestamp(ns) +
         ") is outside the range keel accepts for market data (" + data_timestamp_range_text() +
         ")";
}

}  // namespace keel
