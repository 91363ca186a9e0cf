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

}  // namespace
}  // namespace keel::sdk
