// parse_timestamp / format_timestamp: ISO-8601 UTC and integer nanoseconds.
#include "engine/market/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace keel {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2024-01-02T00:00:00Z
constexpr int64_t kJan2 = 1'704'153'600 * kSecond;

TEST(DataTimestamp, ParsesIsoForms) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp("2024-01-02"), kJan2);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00Z"), kJan2);
  EXPECT_EQ(parse_timestamp("2024-01-02T14:30:00Z"), kJan2 + (14 * 3600 + 30 * 60) * kSecond);
  EXPECT_EQ(parse_timestamp("2024-01-02 14:30:00"), kJan2 + (14 * 3600 + 30 * 60) * kSecond);
  EXPECT_EQ(parse_timestamp("2024-01-02T14:30:00+00:00"), kJan2 + (14 * 3600 + 30 * 60) * kSecond);
  EXPECT_EQ(parse_timestamp("2024-01-02T23:59:59Z"), kJan2 + 86'399 * kSecond);
}

TEST(DataTimestamp, ParsesFractionsOfOneToNineDigits) {
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.5Z"), kJan2 + 500'000'000);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.25"), kJan2 + 250'000'000);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.123"), kJan2 + 123'000'000);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.123456Z"), kJan2 + 123'456'000);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.123456789Z"), kJan2 + 123'456'789);
  EXPECT_EQ(parse_timestamp("2024-01-02T00:00:00.000000001+00:00"), kJan2 + 1);
}

TEST(DataTimestamp, ParsesCalendarEdges) {
  EXPECT_EQ(parse_timestamp("2024-02-29"), kJan2 + 58 * 86'400 * kSecond);  // leap year
  EXPECT_EQ(parse_timestamp("2000-02-29"), 951'782'400 * kSecond);          // divisible by 400
  EXPECT_EQ(parse_timestamp("2024-03-01"), kJan2 + 59 * 86'400 * kSecond);
  EXPECT_EQ(parse_timestamp("2023-12-31T23:59:59Z"), 1'704'067'199 * kSecond);
  EXPECT_EQ(parse_timestamp("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<int64_t>::max());
}

TEST(DataTimestamp, ParsesIntegerNanoseconds) {
  EXPECT_EQ(parse_timestamp("0"), 0);
  EXPECT_EQ(parse_timestamp("1704153600000000000"), kJan2);
  EXPECT_EQ(parse_timestamp("42"), 42);
  EXPECT_EQ(parse_timestamp("9223372036854775807"), std::numeric_limits<int64_t>::max());
}

TEST(DataTimestamp, RejectsMalformed) {
  for (const char* bad : {
           "",
           " ",
           "-1",                               // negative nanoseconds
           "-1704153600000000000",             //
           "9223372036854775808",              // int64 overflow
           "12a",                              //
           "+5",                               //
           "1.5",                              //
           "2024-02-30",                       // no such day
           "2023-02-29",                       // not a leap year
           "1900-02-29",                       // century, not a leap year
           "2024-04-31",                       //
           "2024-13-01",                       // month 13
           "2024-00-10",                       // month 0
           "2024-01-00",                       // day 0
           "2024-01-32",                       //
           "2024-1-02",                        // not zero-padded
           "24-01-02",                         //
           "2024/01/02",                       //
           "2024-01-02T24:00:00Z",             // hour 24
           "2024-01-02T12:60:00Z",             // minute 60
           "2024-01-02T12:00:60Z",             // leap second
           "2024-01-02T12:00Z",                // no seconds
           "2024-01-02T12:00:00+01:00",        // non-zero offset
           "2024-01-02T12:00:00-05:00",        //
           "2024-01-02T12:00:00-00:00",        // only Z or +00:00
           "2024-01-02T12:00:00+0000",         //
           "2024-01-02T12:00:00z",             //
           "2024-01-02T12:00:00ZZ",            // trailing junk
           "2024-01-02T12:00:00Z ",            //
           "2024-01-02T12:00:00 ",             //
           "2024-01-02T12:00:00.",             // empty fraction
           "2024-01-02T12:00:00.1234567890Z",  // ten fraction digits
           "2024-01-02T12:00:00.12a",          //
           "2024-01-02x",                      //
           "2024-01-02 ",                      //
           "2024-01-02T12:00:00+00:00 ",       //
           "2024-01-02T",                      //
           "2024-01-02t12:00:00",              //
           "2024-01-02Z",                      // zone on a date
           "1969-12-31T23:59:59Z",             // before the epoch
           "2262-04-11T23:47:16.854775808Z",   // past int64 nanoseconds
           "9999-12-31",                       //
       }) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(DataTimestamp, Formats) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(kJan2), "2024-01-02T00:00:00Z");
  EXPECT_EQ(format_timestamp(kJan2 + 500'000'000), "2024-01-02T00:00:00.500Z");
  EXPECT_EQ(format_timestamp(kJan2 + 123'456'000), "2024-01-02T00:00:00.123456Z");
  EXPECT_EQ(format_timestamp(kJan2 + 1), "2024-01-02T00:00:00.000000001Z");
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::max()),
            "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::min()),
            "1677-09-21T00:12:43.145224192Z");
}

TEST(DataTimestamp, FormatsTheRightDateWhenTheDayChangesBackAndForth) {
  // The formatter keeps the last date it wrote: going back to an earlier
  // day, or to the same day after another, must not reuse a stale one.
  EXPECT_EQ(format_timestamp(kJan2 + 3'661 * kSecond), "2024-01-02T01:01:01Z");
  EXPECT_EQ(format_timestamp(kJan2 + 86'399 * kSecond), "2024-01-02T23:59:59Z");
  EXPECT_EQ(format_timestamp(kJan2 + 86'400 * kSecond), "2024-01-03T00:00:00Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_timestamp(kJan2 + 45'296 * kSecond), "2024-01-02T12:34:56Z");
  char buffer[kTimestampTextMax];
  char* end = format_timestamp_to(buffer, kJan2 + 59 * kSecond + 7'000'000);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(end - buffer)), "2024-01-02T00:00:59.007Z");
}

TEST(DataTimestamp, RoundTrips) {
  // Every day over four centuries of the representable range, at varied
  // times of day and precisions.
  int64_t ns = 0;
  int64_t step = 86'400 * kSecond + 3'600'000'000'123;  // a day, an hour and a bit
  while (ns < std::numeric_limits<int64_t>::max() - step) {
    const std::string text = format_timestamp(ns);
    const std::optional<int64_t> back = parse_timestamp(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(*back, ns) << text;
    ASSERT_EQ(parse_timestamp(std::to_string(ns)), ns);
    ns += step;
    step ^= 0x3F;  // vary the sub-second digits
  }
  for (int64_t exact : {int64_t{0}, kJan2, kJan2 + 999'999'999, kJan2 + 1'000}) {
    EXPECT_EQ(parse_timestamp(format_timestamp(exact)), exact);
  }
}

TEST(DataTimestamp, AgreesWithKnownDates) {
  // Day numbers cross-checked against `date -u -d ... +%s`.
  EXPECT_EQ(parse_timestamp("2000-03-01"), 951'868'800 * kSecond);
  EXPECT_EQ(parse_timestamp("2038-01-19T03:14:08Z"), int64_t{2'147'483'648} * kSecond);
  EXPECT_EQ(parse_timestamp("2100-03-01"), int64_t{4'107'542'400} * kSecond);
  EXPECT_EQ(parse_timestamp("2024-07-04T13:30:00.000001Z"),
            int64_t{1'720'099'800} * kSecond + 1'000);
}

}  // namespace
}  // namespace keel
