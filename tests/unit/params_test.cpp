// keel::sdk::Params: strict, typed plugin params whose errors name the
// param by JSON pointer and say what was expected.
#include <gtest/gtest.h>

#include "keel/sdk/params.hpp"

namespace keel::sdk {
namespace {

// The message of the Error `body` throws, or "" if it throws none.
template <class Body>
std::string error_of(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), KEEL_ERR_INVALID_ARGUMENT);
    return e.what();
  }
  return "";
}

TEST(SdkParams, TypedAccessWithDefaults) {
  Params p(R"({"fast": 10, "slow": 30.5, "name": "x", "on": true})");
  EXPECT_EQ(p.integer("fast"), 10);
  EXPECT_DOUBLE_EQ(p.number("slow"), 30.5);
  EXPECT_EQ(p.string("name"), "x");
  EXPECT_TRUE(p.boolean("on"));
  EXPECT_DOUBLE_EQ(p.number("absent", 1.5), 1.5);
  EXPECT_NO_THROW(p.reject_unknown());
}

TEST(SdkParams, EmptyOrNullTextIsAnEmptyObject) {
  EXPECT_NO_THROW(Params(nullptr).reject_unknown());
  EXPECT_NO_THROW(Params("").reject_unknown());
}

TEST(SdkParams, ErrorsNameThePointerAndTheExpectation) {
  Params p(R"({"fast": "ten", "vol": -1, "n": 2.5})");
  EXPECT_EQ(error_of([&] { p.integer("fast"); }), R"(/fast: expected an integer, got "ten")");
  EXPECT_EQ(error_of([&] { p.number("vol", 0.2, {.min = 0, .max = 5}); }),
            "/vol: expected a number in [0, 5], got -1");
  EXPECT_EQ(error_of([&] { p.integer("n"); }), "/n: expected an integer, got 2.5");
  EXPECT_EQ(error_of([&] { p.number("missing"); }), "/missing: required param missing");
}

TEST(SdkParams, UnknownKeysAreRejectedWithASuggestion) {
  Params p(R"({"spread_bp": 3})");
  p.number("spread_bps", 5.0);
  const std::string message = error_of([&] { p.reject_unknown(); });
  EXPECT_NE(message.find("/spread_bp: unknown param"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'spread_bps'"), std::string::npos) << message;
}

TEST(SdkParams, MalformedJsonAndNonObjects) {
  EXPECT_NE(error_of([] { Params("{\"a\": "); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { Params("[1, 2]"); }).find("must be a JSON object"), std::string::npos);
}

// Text nested 100k levels deep used to parse and then overflow the stack in
// dump() (the "got ..." of a non-object) or in a copy (value()).
TEST(SdkParams, TooDeepNestingIsRefusedBeforeParsing) {
  const size_t n = 100'000;
  const std::string deep_array = std::string(n, '[') + std::string(n, ']');
  EXPECT_EQ(error_of([&] { Params p(deep_array.c_str()); }),
            "params are nested more than 128 levels deep at line 1, column 129 (keel reads at "
            "most 128 levels of arrays and objects)");
  const std::string deep_value = "{\"a\": " + deep_array + "}";
  EXPECT_NE(error_of([&] { Params(deep_value.c_str()).value("a"); }).find("column 134"),
            std::string::npos);
  // The limit itself is accepted.
  const std::string at_limit =
      "{\"a\": " + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_EQ(error_of([&] { Params(at_limit.c_str()).value("a"); }), "");
}

TEST(SdkParams, NestingIsCountedOutsideStringsOnly) {
  // Brackets inside strings, also after escaped quotes, are not nesting.
  const std::string text = "{\"a\": \"\\\"" + std::string(1000, '[') + "\"}";
  EXPECT_FALSE(find_json_too_deep(text).has_value());
  EXPECT_EQ(Params(text.c_str()).string("a").size(), 1001u);
  const auto deep = find_json_too_deep("{\n \"x\": [\n  [[", 2);
  ASSERT_TRUE(deep.has_value());
  EXPECT_EQ(deep->line, 3u);
  EXPECT_EQ(deep->column, 3u);
}

}  // namespace
}  // namespace keel::sdk
