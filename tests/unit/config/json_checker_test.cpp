// The strict JSON reader under the run-file parser: near misses, pointers,
// value display, parse positions, document order.
#include "engine/config/json_checker.hpp"

#include <gtest/gtest.h>

namespace keel::config {
namespace {

TEST(ConfigJsonChecker, EditDistanceCountsSwapsAsOneAndIgnoresCase) {
  EXPECT_EQ(edit_distance("seed", "seed"), 0u);
  EXPECT_EQ(edit_distance("sed", "seed"), 1u);
  EXPECT_EQ(edit_distance("APPL", "AAPL"), 1u);
  EXPECT_EQ(edit_distance("aapl", "AAPL"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ConfigJsonChecker, NearestIsANearMissOnly) {
  const std::vector<std::string> ids = {"AAPL", "MSFT", "ESZ4"};
  EXPECT_EQ(nearest("APPL", std::span<const std::string>(ids)), "AAPL");
  EXPECT_EQ(nearest("ESZ5", std::span<const std::string>(ids)), "ESZ4");
  EXPECT_EQ(nearest("GOOG", std::span<const std::string>(ids)), std::nullopt);
  const std::vector<std::string> keys = {"id", "kind"};
  EXPECT_EQ(nearest("x", std::span<const std::string>(keys)), std::nullopt);  // 2 of 2 letters
  EXPECT_EQ(did_you_mean("knd", std::span<const std::string>(keys)), "; did you mean 'kind'?");
  EXPECT_EQ(did_you_mean("zzzz", std::span<const std::string>(keys)), "");
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
