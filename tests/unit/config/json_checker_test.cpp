// The strict JSON reader under the run-file parser: near misses, pointers,
// value display, parse positions, document order.
#include "engine/config/json_checker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace keel::config {
namespace {

TEST(ConfigJsonChecker, EditDistanceCountsSwapsAsOneAndIgnoresCase) {
  const auto d = [](std::string_view a, std::string_view b) {
    return sdk::edit_distance_at_most(a, b, 10);
  };
  EXPECT_EQ(d("seed", "seed"), 0u);
  EXPECT_EQ(d("sed", "seed"), 1u);
  EXPECT_EQ(d("APPL", "AAPL"), 1u);
  EXPECT_EQ(d("aapl", "AAPL"), 0u);
  EXPECT_EQ(d("", "abc"), 3u);
  EXPECT_EQ(d("kitten", "sitting"), 3u);
  EXPECT_EQ(d("sitting", "kitten"), 3u);
}

TEST(ConfigJsonChecker, EditDistanceStopsAtItsLimit) {
  EXPECT_EQ(sdk::edit_distance_at_most("kitten", "sitting", 3), 3u);
  EXPECT_EQ(sdk::edit_distance_at_most("kitten", "sitting", 2), 3u);  // limit + 1: too far
  EXPECT_EQ(sdk::edit_distance_at_most("abcdef", "badcfe", 2), 3u);   // three swaps
  EXPECT_EQ(sdk::edit_distance_at_most("abcdef", "badcfe", 3), 3u);
  // Lengths alone rule a hostile 10 MB name out; a long near miss is still found.
  const std::string huge(10'000'000, 'A');
  EXPECT_EQ(sdk::edit_distance_at_most(huge, "AAPL", 2), 3u);
  std::string near = huge;
  near[5'000'000] = 'B';
  EXPECT_EQ(sdk::edit_distance_at_most(huge, near, 2), 1u);
  const std::vector<std::string> ids = {"AAPL", "MSFT"};
  EXPECT_EQ(nearest_name(huge, ids), std::nullopt);
}

// The banded distance agrees with the plain full-matrix one wherever it
// is within the limit, on every pair of short strings over a small alphabet.
TEST(ConfigJsonChecker, EditDistanceAgreesWithTheFullMatrix) {
  const auto full = [](const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                            d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.size()][b.size()];
  };
  std::vector<std::string> words = {""};
  for (size_t length = 1; length <= 5; ++length) {  // every word over {a, b, c} up to 5 letters
    const size_t before = words.size();
    for (size_t w = 0; w < before; ++w) {
      if (words[w].size() != length - 1) continue;
      for (char c : {'a', 'b', 'c'}) words.push_back(words[w] + c);
    }
  }
  size_t compared = 0;
  for (size_t x = 0; x < words.size(); x += 7) {
    for (size_t y = 0; y < words.size(); y += 3) {
      const size_t expected = full(words[x], words[y]);
      for (size_t limit = 0; limit <= 4; ++limit) {
        ASSERT_EQ(sdk::edit_distance_at_most(words[x], words[y], limit),
                  std::min(expected, limit + 1))
            << words[x] << " / " << words[y] << " limit " << limit;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 10000u);
}

TEST(ConfigJsonChecker, NearestIsANearMissOnly) {
  const std::vector<std::string> ids = {"AAPL", "MSFT", "ESZ4"};
  EXPECT_EQ(nearest_name("APPL", ids), "AAPL");
  EXPECT_EQ(nearest_name("ESZ5", ids), "ESZ4");
  EXPECT_EQ(nearest_name("GOOG", ids), std::nullopt);
  const std::vector<std::string> keys = {"id", "kind"};
  EXPECT_EQ(nearest_name("x", keys), std::nullopt);  // 2 of 2 letters
  EXPECT_EQ(did_you_mean("knd", keys), "; did you mean 'kind'?");
  EXPECT_EQ(did_you_mean("zzzz", keys), "");
  // Ties go to the candidate that sorts first, whatever the order given.
  const std::vector<std::string> tied = {"ESZ5", "ESZ3"};
  EXPECT_EQ(nearest_name("ESZ4", tied), "ESZ3");
}

TEST(ConfigJsonChecker, PointersEscapeTildeAndSlash) {
  EXPECT_EQ(pointer_child("", "run"), "/run");
  EXPECT_EQ(pointer_child("/pricing_models", "a/b~c"), "/pricing_models/a~1b~0c");
  EXPECT_EQ(pointer_child("/data", size_t{3}), "/data/3");
}

TEST(ConfigJsonChecker, ShowCutsLongValues) {
  EXPECT_EQ(show(Json("abc")), "\"abc\"");
  EXPECT_EQ(show(Json::parse("[1, 2]")), "[1,2]");
  const std::string shown = show(Json(std::string(60, 'y')));
  EXPECT_EQ(shown.size(), 40u);
  EXPECT_EQ(shown.substr(37), "...");
  // A multi-byte character is never split.
  std::string euros = "a";
  for (int i = 0; i < 30; ++i) euros += "\xE2\x82\xAC";
  const std::string cut = show(Json(euros));
  EXPECT_EQ(cut.size(), 38u) << cut;  // '"', 'a', 11 whole euro signs, "..."
  EXPECT_EQ(cut.substr(cut.size() - 6), "\xE2\x82\xAC...");
}

TEST(ConfigJsonChecker, NumberRulesDescribeThemselves) {
  EXPECT_EQ(kAnyNumber.describe(), "a number");
  EXPECT_EQ(kPositive.describe(), "a number > 0");
  EXPECT_EQ(kNonNegative.describe(), "a number >= 0");
  EXPECT_EQ(kPercent.describe(), "a number in (0, 100]");
}

TEST(ConfigJsonChecker, TypedReadsRecordExpectedAndGot) {
  JsonChecker check;
  EXPECT_EQ(check.number(Json(2.5), "/a", kPositive), 2.5);
  EXPECT_EQ(check.number(Json(-1), "/b", kPositive), std::nullopt);
  EXPECT_EQ(check.integer(Json(1e3), "/c", 0), 1000);
  EXPECT_EQ(check.integer(Json(1.5), "/d", 0), std::nullopt);
  EXPECT_EQ(check.integer(Json(18446744073709551615u), "/e", 0), std::nullopt);
  EXPECT_EQ(check.unsigned_integer(Json(18446744073709551615u), "/f"), 18446744073709551615u);
  EXPECT_EQ(check.boolean(Json(0), "/g"), std::nullopt);
  EXPECT_EQ(check.string(Json(""), "/h"), std::nullopt);
  EXPECT_EQ(check.string(Json(""), "/i", false), "");
  ASSERT_EQ(check.error_count(), 5u);
  EXPECT_EQ(check.errors()[0].pointer, "/b");
  EXPECT_EQ(check.errors()[0].message, "expected a number > 0, got -1");
  EXPECT_EQ(check.errors()[1].message, "expected a non-negative integer, got 1.5");
  EXPECT_EQ(check.errors()[2].message, "expected a non-negative integer, got 18446744073709551615");
  EXPECT_EQ(check.errors()[3].message, "expected true or false, got 0");
  EXPECT_EQ(check.errors()[4].message, "expected a non-empty string, got \"\"");
}

TEST(ConfigJsonChecker, ParseGivesLineAndColumn) {
  ParsedJson parsed = parse_json("{\n  \"a\": [1, 2,\n  ]\n}");
  ASSERT_FALSE(parsed.document.has_value());
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].message.rfind("invalid JSON at line 3, column 3: ", 0), 0u)
      << parsed.errors[0].message;
  parsed = parse_json("{\"x\": 1e999}");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].message.rfind("invalid JSON", 0), 0u) << parsed.errors[0].message;
}

TEST(ConfigJsonChecker, ParseFindsDuplicateKeysAtAnyDepth) {
  ParsedJson parsed = parse_json(R"({"a": [{"b": 1}, {"b": 2, "c": {"d": 1, "d": 2}}], "a": 1})");
  ASSERT_TRUE(parsed.document.has_value());
  ASSERT_EQ(parsed.errors.size(), 2u);
  EXPECT_EQ(parsed.errors[0].pointer, "/a/1/c/d");
  EXPECT_EQ(parsed.errors[1].pointer, "/a");
}

TEST(ConfigJsonChecker, SortsErrorsIntoDocumentOrder) {
  const Json doc = Json::parse(R"({"z": {"y": 1}, "a": [0, {"k": 1}]})");
  // A pointer to nothing sorts with its nearest existing ancestor.
  std::vector<ConfigError> errors = {{"/a/1/k", "5"}, {"/a/1/missing", "4"}, {"/z", "1"},
                                     {"", "0"},       {"/z/y", "2"},         {"/a", "3"}};
  sort_in_document_order(doc, errors);
  std::string order;
  for (const auto& e : errors) order += e.message;
  EXPECT_EQ(order, "012345");
}

TEST(ConfigJsonChecker, UnknownKeysAndChoices) {
  JsonChecker check;
  constexpr std::string_view keys[] = {"name", "seed"};
  EXPECT_TRUE(check.object(Json::parse(R"({"name": 1, "sede": 2, "other": 3})"), "/run", keys));
  EXPECT_FALSE(check.object(Json(3), "/x", keys));
  constexpr std::string_view choices[] = {"call", "put"};
  EXPECT_EQ(check.one_of(Json("put"), "/r", choices), 1u);
  EXPECT_EQ(check.one_of(Json("cal"), "/r", choices), std::nullopt);
  ASSERT_EQ(check.error_count(), 4u);
  EXPECT_EQ(check.errors()[0].message, "unknown key 'sede'; did you mean 'seed'?");
  EXPECT_EQ(check.errors()[1].message, "unknown key 'other'; expected one of: name, seed");
  EXPECT_EQ(check.errors()[2].message, "expected an object, got 3");
  EXPECT_EQ(check.errors()[3].message,
            "expected \"call\" or \"put\", got \"cal\"; did you mean 'call'?");
}

}  // namespace
}  // namespace keel::config
