// `keel price`: one option's price and greeks, an implied volatility from
// --premium, and the exit codes for bad input (2) and unknown models (3).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;
using Args = std::vector<std::string>;

const char* const kGreeks[] = {"price", "delta", "gamma", "vega", "theta", "rho"};

// keel price --model keel.black_scholes <option> <extra...>
KeelRun price(const Args& option, const Args& extra = {}) {
  Args args = {"price", "--model", "keel.black_scholes"};
  args.insert(args.end(), option.begin(), option.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return run_keel(args);
}

// Haug, "The Complete Guide to Option Pricing Formulas" (Black-Scholes
// example): S=60, K=65, T=0.25, r=8%, vol=30%, call = 2.1334.
const Args kHaug = {"--spot", "60", "--strike", "65", "--expiry", "0.25", "--rate", "0.08"};
// Hull, "Options, Futures, and Other Derivatives" (Black-Scholes-Merton
// example): S=42, K=40, T=0.5, r=10%, vol=20%: call 4.7594, put 0.8086.
const Args kHull = {"--spot", "42",     "--strike", "40",    "--expiry",
                    "0.5",    "--rate", "0.1",      "--vol", "0.2"};

Args with(Args args, const Args& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

nlohmann::json parse_json(const KeelRun& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON" << r;
  return j;
}

// "price  2.13336844492\n..." -> {"price": 2.13336844492, ...}
std::map<std::string, double> parse_text(const std::string& out) {
  std::map<std::string, double> values;
  std::istringstream in(out);
  std::string name;
  double value = 0;
  while (in >> name >> value) values[name] = value;
  return values;
}

double round4(double x) { return std::round(x * 1e4) / 1e4; }

TEST(CliPrice, HaugCallAsText) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3"}));
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto values = parse_text(r.out);
  for (const char* greek : kGreeks) EXPECT_EQ(values.count(greek), 1u) << greek << r;
  EXPECT_EQ(values.size(), 6u) << r;
  EXPECT_DOUBLE_EQ(round4(values.at("price")), 2.1334) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST(CliPrice, HaugCallAsJson) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto j = parse_json(r);
  for (const char* greek : kGreeks) ASSERT_TRUE(j.contains(greek)) << greek << r;
  EXPECT_DOUBLE_EQ(round4(j["price"].get<double>()), 2.1334) << r;
  // A call's delta is in (0, e^{-qT}); gamma and vega are positive.
  EXPECT_GT(j["delta"].get<double>(), 0.0);
  EXPECT_LT(j["delta"].get<double>(), 1.0);
  EXPECT_GT(j["gamma"].get<double>(), 0.0);
  EXPECT_GT(j["vega"].get<double>(), 0.0);
}

TEST(CliPrice, TextAndJsonAgree) {
  const KeelRun text = price(with(kHaug, {"--vol", "0.3"}));
  const KeelRun json = price(with(kHaug, {"--vol", "0.3", "--json"}));
  ASSERT_EQ(text.exit_code, 0) << text;
  ASSERT_EQ(json.exit_code, 0) << json;
  const auto values = parse_text(text.out);
  const auto j = parse_json(json);
  for (const char* greek : kGreeks) {
    const double v = j[greek].get<double>();
    EXPECT_NEAR(values.at(greek), v, 1e-10 * std::max(1.0, std::abs(v))) << greek;  // %.12g
  }
}

TEST(CliPrice, HullCallAndPut) {
  const KeelRun call = price(with(kHull, {"--json"}));
  const KeelRun put = price(with(kHull, {"--right", "put", "--json"}));
  ASSERT_EQ(call.exit_code, 0) << call;
  ASSERT_EQ(put.exit_code, 0) << put;
  const double c = parse_json(call)["price"].get<double>();
  const double p = parse_json(put)["price"].get<double>();
  EXPECT_DOUBLE_EQ(round4(c), 4.7594) << call;
  EXPECT_DOUBLE_EQ(round4(p), 0.8086) << put;
  // Put-call parity: C - P = S - K e^{-rT}.
  EXPECT_NEAR(c - p, 42.0 - 40.0 * std::exp(-0.1 * 0.5), 1e-12);
  EXPECT_LT(parse_json(put)["delta"].get<double>(), 0.0) << put;
}

TEST(CliPrice, DividendYieldLowersTheCall) {
  const KeelRun plain = price(with(kHull, {"--json"}));
  const KeelRun dividend = price(with(kHull, {"--dividend", "0.05", "--json"}));
  ASSERT_EQ(plain.exit_code, 0) << plain;
  ASSERT_EQ(dividend.exit_code, 0) << dividend;
  EXPECT_LT(parse_json(dividend)["price"].get<double>(),
            parse_json(plain)["price"].get<double>() - 0.3);
}

TEST(CliPrice, PremiumRoundTripsToTheVol) {
  for (const char* right : {"call", "put"}) {
    const KeelRun priced = price(with(kHaug, {"--vol", "0.3", "--right", right, "--json"}));
    ASSERT_EQ(priced.exit_code, 0) << priced;
    const double premium = parse_json(priced)["price"].get<double>();

    const KeelRun implied =
        price(with(kHaug, {"--right", right, "--premium", exact(premium), "--json"}));
    ASSERT_EQ(implied.exit_code, 0) << implied;
    const auto j = parse_json(implied);
    ASSERT_EQ(j.size(), 1u) << implied;  // {"implied_vol": ...} and nothing else
    EXPECT_NEAR(j.at("implied_vol").get<double>(), 0.3, 1e-10) << right << implied;
  }
}

TEST(CliPrice, PremiumAsText) {
  const KeelRun priced = price(with(kHaug, {"--vol", "0.25", "--json"}));
  ASSERT_EQ(priced.exit_code, 0) << priced;
  const double premium = parse_json(priced)["price"].get<double>();
  const KeelRun r = price(with(kHaug, {"--premium", exact(premium)}));
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto values = parse_text(r.out);
  ASSERT_EQ(values.count("implied_vol"), 1u) << r;
  EXPECT_NEAR(values.at("implied_vol"), 0.25, 1e-10) << r;
}

TEST(CliPrice, PremiumAboveTheUpperBoundExitsTwo) {
  // A call is worth less than the spot (S e^{-qT} = 60).
  const KeelRun r = price(with(kHaug, {"--premium", "61"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("upper bound")) << r;
  EXPECT_THAT(r.err, HasSubstr("implied_vol")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliPrice, PremiumBelowIntrinsicExitsTwo) {
  // The put is at least K e^{-rT} - S = 3.71 in the money.
  const KeelRun r = price(with(kHaug, {"--right", "put", "--premium", "1"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("below discounted intrinsic")) << r;
}

TEST(CliPrice, NegativeVolExitsTwoAndNamesVol) {
  const KeelRun r = price(with(kHaug, {"--vol=-0.3"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("vol must be finite and >= 0")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliPrice, NegativeStrikeExitsTwoAndNamesStrike) {
  const KeelRun r = price({"--spot", "60", "--strike=-65", "--expiry", "0.25", "--vol", "0.3"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("price: strike must be finite and > 0")) << r;
}

TEST(CliPrice, MissingSpotExitsTwo) {
  const KeelRun r = price({"--strike", "65", "--expiry", "0.25", "--vol", "0.3"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("missing --spot")) << r;
  EXPECT_THAT(r.err, HasSubstr("keel price --help")) << r;
}

TEST(CliPrice, MissingEverythingListsEveryInput) {
  const KeelRun r = price({});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("missing --spot, --strike, --expiry, --vol")) << r;
}

TEST(CliPrice, MissingModelExitsTwo) {
  const KeelRun r = run_keel({"price", "--spot", "60"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--model is required")) << r;
}

TEST(CliPrice, UnknownModelExitsThree) {
  const KeelRun r = run_keel(with({"price", "--model", "acme.nope", "--vol", "0.3"}, kHaug));
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("no plugin provides factory 'acme.nope'")) << r;
  EXPECT_THAT(r.err, HasSubstr("known factories: ")) << r;
  EXPECT_THAT(r.err, HasSubstr(" keel.black_scholes")) << r;
}

TEST(CliPrice, UnknownModelReportsPluginsThatFailedToLoad) {
  TempDir dir;
  const std::string junk = dir.write("junk.so", "not a plugin");
  const KeelRun r = run_keel(
      with({"--plugin-path", dir.path().string(), "price", "--model", "acme.nope", "--vol", "0.3"},
           kHaug));
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("no plugin provides factory 'acme.nope'")) << r;
  EXPECT_THAT(r.err, HasSubstr(dir.path().string())) << r;  // searched: ...
  EXPECT_THAT(r.err, HasSubstr(junk)) << r;                 // also: cannot load ...
}

TEST(CliPrice, JunkInPluginPathDoesNotHideShippedModels) {
  TempDir dir;
  dir.write("junk.so", "not a plugin");
  const KeelRun r = run_keel(with({"--plugin-path", dir.path().string(), "price", "--model",
                                   "keel.black_scholes", "--vol", "0.3", "--json"},
                                  kHaug));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_DOUBLE_EQ(round4(parse_json(r)["price"].get<double>()), 2.1334) << r;
}

TEST(CliPrice, KeelPluginPathEnvironmentIsSearched) {
  TempDir dir;
  const KeelRun r = run_keel(with({"price", "--model", "acme.nope", "--vol", "0.3"}, kHaug),
                             {{"KEEL_PLUGIN_PATH", dir.path().string()}});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr(dir.path().string())) << r;
}

TEST(CliPrice, InvalidParamsJsonExitsTwo) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3", "--params", "{"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("params are not valid JSON")) << r;
}

TEST(CliPrice, UnknownParamExitsTwo) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3", "--params", R"({"vol": 0.2})"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/vol: unknown param")) << r;
}

TEST(CliPrice, AmericanPutIsUnsupportedAndExitsTwo) {
  const KeelRun r =
      price(with(kHaug, {"--vol", "0.3", "--right", "put", "--exercise", "american"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("European exercise only")) << r;
}

TEST(CliPrice, AmericanCallWithoutDividendsIsTheEuropeanPrice) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3", "--exercise", "american", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_DOUBLE_EQ(round4(parse_json(r)["price"].get<double>()), 2.1334) << r;
}

TEST(CliPrice, BadChoiceOrNumberIsAUsageError) {
  const KeelRun right = price(with(kHaug, {"--vol", "0.3", "--right", "straddle"}));
  EXPECT_EQ(right.exit_code, 2) << right;
  EXPECT_THAT(right.err, HasSubstr("--right: straddle not in {call,put}")) << right;

  const KeelRun spot = price({"--spot", "sixty", "--strike", "65", "--expiry", "1", "--vol", "1"});
  EXPECT_EQ(spot.exit_code, 2) << spot;
  EXPECT_THAT(spot.err, HasSubstr("Could not convert: --spot = sixty")) << spot;
}

TEST(CliPrice, CsvExcludesSingleOptionInputs) {
  const KeelRun r = price({"--csv", "in.csv", "--out", "out.csv", "--spot", "60"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("excludes")) << r;
}

TEST(CliPrice, OutNeedsCsv) {
  const KeelRun r = price(with(kHaug, {"--vol", "0.3", "--out", "out.csv"}));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--out requires --csv")) << r;
}

TEST(CliPrice, CsvNeedsOut) {
  TempDir dir;
  const std::string in = dir.write("in.csv", "spot,strike,expiry,vol,rate,right\n");
  const KeelRun r = price({"--csv", in});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--csv needs --out")) << r;
}

}  // namespace
}  // namespace keel::cli_test
