// load_run_config on bad run files: one test per class of error, each with
// its pointer and message, and all errors of a file in document order.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "engine/config/run_config.hpp"

namespace keel::test {
namespace {

using ConfigErrors = RunFileTest;

TEST_F(ConfigErrors, FullFileIsValidToStartWith) {
  ConfigResult result = load(full_run_file());
  EXPECT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
}

TEST_F(ConfigErrors, UnknownKeyWithDidYouMean) {
  OJson doc = full_run_file();
  doc["run"]["sed"] = 1;
  EXPECT_EQ(only_error(doc), "/run/sed: unknown key 'sed'; did you mean 'seed'?");
}

TEST_F(ConfigErrors, UnknownKeyAtTopLevelAndInStrategyRisk) {
  OJson doc = full_run_file();
  doc["instrument"] = OJson::array();
  doc["strategies"][0]["risk"]["max_postion"] = 10;
  ConfigResult result = load(doc);
  EXPECT_EQ(errors(result),
            (std::vector<std::string>{
                "/strategies/0/risk/max_postion: unknown key 'max_postion'; did you mean "
                "'max_position'?",
                "/instrument: unknown key 'instrument'; did you mean 'instruments'?"}));
}

TEST_F(ConfigErrors, UnknownKeyWithoutNearMissListsTheKeys) {
  OJson doc = full_run_file();
  doc["output"]["format"] = "csv";
  EXPECT_EQ(only_error(doc), "/output/format: unknown key 'format'; expected one of: dir");
}

TEST_F(ConfigErrors, WrongType) {
  OJson doc = full_run_file();
  doc["venue"]["taker_fee_bps"] = "abc";
  EXPECT_EQ(only_error(doc), "/venue/taker_fee_bps: expected a number >= 0, got \"abc\"");
  doc = full_run_file();
  doc["venue"]["fill_on_trades"] = "yes";
  EXPECT_EQ(only_error(doc), "/venue/fill_on_trades: expected true or false, got \"yes\"");
  doc = full_run_file();
  doc["strategies"][0]["params"] = OJson::array({1, 2});
  EXPECT_EQ(only_error(doc), "/strategies/0/params: expected an object, got [1,2]");
  doc = full_run_file();
  doc["run"]["seed"] = 1.5;
  EXPECT_EQ(only_error(doc), "/run/seed: expected a non-negative integer, got 1.5");
}

TEST_F(ConfigErrors, WrongTypeShowsLongValuesTruncated) {
  OJson doc = full_run_file();
  doc["run"]["initial_cash"] = std::string(100, 'x');
  const std::string error = only_error(doc);
  EXPECT_EQ(error,
            "/run/initial_cash: expected a number > 0, got \"" + std::string(36, 'x') + "...");
}

TEST_F(ConfigErrors, OutOfRange) {
  OJson doc = full_run_file();
  doc["risk"]["price_collar_pct"] = 150;
  EXPECT_EQ(only_error(doc), "/risk/price_collar_pct: expected a number in (0, 100], got 150");
  doc = full_run_file();
  doc["risk"]["max_open_orders"] = 0;
  EXPECT_EQ(only_error(doc), "/risk/max_open_orders: expected a positive integer, got 0");
  doc = full_run_file();
  doc["venue"]["order_latency_ns"] = -1;
  EXPECT_EQ(only_error(doc), "/venue/order_latency_ns: expected a non-negative integer, got -1");
  doc = full_run_file();
  doc["instruments"][0]["tick_size"] = 0;
  EXPECT_EQ(only_error(doc), "/instruments/0/tick_size: expected a number > 0, got 0");
  doc = full_run_file();
  doc["run"]["currency"] = "usd";
  EXPECT_EQ(only_error(doc),
            "/run/currency: expected a 3-letter upper-case currency code such as \"USD\", got "
            "\"usd\"");
}

TEST_F(ConfigErrors, MissingRequired) {
  OJson doc = full_run_file();
  doc["run"].erase("name");
  EXPECT_EQ(only_error(doc), "/run: missing required key 'name' (a non-empty string)");
  doc = full_run_file();
  doc.erase("output");
  EXPECT_EQ(only_error(doc), ": missing required key 'output' (an object with the output dir)");
  doc = full_run_file();
  doc["pricing_models"]["bs"].erase("factory");
  EXPECT_EQ(only_error(doc),
            "/pricing_models/bs: missing required key 'factory' (a factory id such as "
            "\"keel.black_scholes\")");
  doc = full_run_file();
  doc["instruments"] = OJson::array();
  EXPECT_EQ(only_error(doc), "/instruments: expected a non-empty array of instruments, got []");
}

TEST_F(ConfigErrors, DuplicateIdNamesTheFirst) {
  OJson doc = full_run_file();
  doc["instruments"].push_back({{"id", "ESZ4"}, {"kind", "equity"}});
  EXPECT_EQ(only_error(doc),
            "/instruments/3/id: duplicate instrument id 'ESZ4' (first at /instruments/1)");
  doc = full_run_file();
  doc["strategies"].push_back(doc["strategies"][0]);
  EXPECT_EQ(only_error(doc),
            "/strategies/1/name: duplicate strategy name 'trend' (first at /strategies/0)");
  doc = full_run_file();
  doc["strategies"][0]["instruments"] = {"AAPL", "ESZ4", "AAPL"};
  EXPECT_EQ(only_error(doc),
            "/strategies/0/instruments/2: instrument 'AAPL' is listed twice (first at "
            "/strategies/0/instruments/0)");
}

TEST_F(ConfigErrors, BadReferenceWithDidYouMean) {
  OJson doc = full_run_file();
  doc["strategies"][0]["instruments"] = {"APPL"};
  EXPECT_EQ(only_error(doc),
            "/strategies/0/instruments/0: unknown instrument 'APPL'; did you mean 'AAPL'?");
  doc = full_run_file();
  doc["data"][1]["instrument"] = "MSFT";
  EXPECT_EQ(only_error(doc), "/data/1/instrument: unknown instrument 'MSFT'");
  doc = full_run_file();
  doc["instruments"][2]["underlying"] = "aapl";
  EXPECT_EQ(only_error(doc),
            "/instruments/2/underlying: unknown instrument 'aapl'; did you mean 'AAPL'?");
}

TEST_F(ConfigErrors, EnumValueWithDidYouMean) {
  OJson doc = full_run_file();
  doc["instruments"][0]["kind"] = "equty";
  EXPECT_EQ(only_error(doc),
            "/instruments/0/kind: expected \"equity\", \"future\" or \"option\", got \"equty\"; "
            "did you mean 'equity'?");
  doc = full_run_file();
  doc["strategies"][0]["on_error"] = "stop";
  EXPECT_EQ(only_error(doc),
            "/strategies/0/on_error: expected \"stop_run\" or \"disable\", got \"stop\"");
}

TEST_F(ConfigErrors, AccountLeverageAndTypeNameTheirPointer) {
  OJson doc = full_run_file();
  doc["account"] = {{"type", "margin"}, {"leverage", 0.5}};
  EXPECT_EQ(only_error(doc), "/account/leverage: expected a number >= 1, got 0.5");
  doc["account"]["leverage"] = "2x";
  EXPECT_EQ(only_error(doc), "/account/leverage: expected a number >= 1, got \"2x\"");
  doc["account"] = {{"type", "margn"}};
  EXPECT_EQ(only_error(doc),
            "/account/type: expected \"cash\" or \"margin\", got \"margn\"; did you mean "
            "'margin'?");
  doc["account"] = {{"type", "margin"}, {"levrage", 2}};
  EXPECT_EQ(only_error(doc), "/account/levrage: unknown key 'levrage'; did you mean 'leverage'?");
  doc["account"] = {{"type", "margin"}};
  doc["strategies"][0]["account"] = {{"leverage", -2}};
  EXPECT_EQ(only_error(doc), "/strategies/0/account/leverage: expected a number >= 1, got -2");
}

TEST_F(ConfigErrors, LeverageOnACashAccountIsAnErrorWhereItIsWritten) {
  const std::string message =
      ": 'leverage' only applies to a margin account; this account is a cash account: add "
      "\"type\": \"margin\" to trade on margin";
  OJson doc = full_run_file();
  doc["account"] = {{"leverage", 2}};  // the default type, cash
  EXPECT_EQ(only_error(doc), "/account/leverage" + message);
  doc = full_run_file();
  doc["strategies"][0]["account"] = {{"leverage", 2}};  // the run's account is cash
  EXPECT_EQ(only_error(doc), "/strategies/0/account/leverage" + message);
  doc = full_run_file();
  doc["account"] = {{"type", "margin"}, {"leverage", 2}};
  doc["strategies"][0]["account"] = {{"type", "cash"}, {"leverage", 2}};
  EXPECT_EQ(only_error(doc), "/strategies/0/account/leverage" + message);
}

TEST_F(ConfigErrors, OptionWithoutUnderlying) {
  OJson doc = full_run_file();
  doc["instruments"][2].erase("underlying");
  EXPECT_EQ(only_error(doc),
            "/instruments/2: missing required key 'underlying' (options need the id of an "
            "equity or future instrument)");
}

TEST_F(ConfigErrors, OptionNeedsStrikeExpiryAndRight) {
  OJson doc = full_run_file();
  doc["instruments"][2].erase("strike");
  doc["instruments"][2].erase("expiry");
  doc["instruments"][2].erase("right");
  EXPECT_EQ(errors(load(doc)),
            (std::vector<std::string>{
                "/instruments/2: missing required key 'strike' (options need a number > 0)",
                "/instruments/2: missing required key 'expiry' (options need a timestamp)",
                "/instruments/2: missing required key 'right' (options need \"call\" or "
                "\"put\")"}));
}

TEST_F(ConfigErrors, OptionUnderlyingMustNotBeAnOption) {
  OJson doc = full_run_file();
  doc["instruments"].push_back({{"id", "X"},
                                {"kind", "option"},
                                {"underlying", "AAPL-C190"},
                                {"strike", 1},
                                {"expiry", "2024-03-15"},
                                {"right", "put"}});
  EXPECT_EQ(only_error(doc),
            "/instruments/3/underlying: 'AAPL-C190' is itself an option; an option's underlying "
            "must be an equity or a future");
}

TEST_F(ConfigErrors, EquityWithOptionFields) {
  OJson doc = full_run_file();
  doc["instruments"][0]["strike"] = 100;
  EXPECT_EQ(only_error(doc),
            "/instruments/0/strike: 'strike' only applies to options; this instrument is an "
            "equity");
  doc = full_run_file();
  doc["instruments"][0]["expiry"] = "2024-06-01";
  EXPECT_EQ(only_error(doc),
            "/instruments/0/expiry: 'expiry' only applies to options and futures; this "
            "instrument is an equity");
  doc = full_run_file();
  doc["instruments"][1]["right"] = "call";
  EXPECT_EQ(only_error(doc),
            "/instruments/1/right: 'right' only applies to options; this instrument is a future");
}

TEST_F(ConfigErrors, OptionMarkNamesAPricingModelOfTheRun) {
  OJson doc = full_run_file();
  doc["instruments"][2]["mark"] = {{"model", "bss"}, {"vol", 0.25}};
  EXPECT_EQ(only_error(doc),
            "/instruments/2/mark/model: unknown pricing model 'bss'; did you mean 'bs'?");
  doc.erase("pricing_models");
  EXPECT_EQ(only_error(doc),
            "/instruments/2/mark/model: unknown pricing model 'bss'; this run has no "
            "pricing_models");
}

TEST_F(ConfigErrors, OptionMarkNeedsAModelAndAPositiveVol) {
  OJson doc = full_run_file();
  doc["instruments"][2]["mark"] = {{"model", "bs"}, {"vol", 0}, {"rate", "4%"}, {"volatility", 1}};
  const std::vector<std::string> got = errors(load(doc));
  ASSERT_EQ(got.size(), 3u) << ::testing::PrintToString(got);
  // In document order.
  EXPECT_EQ(got[0], "/instruments/2/mark/vol: expected a number > 0, got 0");
  EXPECT_EQ(got[1], "/instruments/2/mark/rate: expected a number, got \"4%\"");
  EXPECT_EQ(got[2],
            "/instruments/2/mark/volatility: unknown key 'volatility'; expected one of: model, "
            "vol, rate, dividend");
  doc["instruments"][2]["mark"] = OJson::object();
  const std::vector<std::string> missing = errors(load(doc));
  ASSERT_EQ(missing.size(), 2u) << ::testing::PrintToString(missing);
  EXPECT_EQ(missing[0],
            "/instruments/2/mark: missing required key 'model' (the name of one of the run's "
            "pricing_models)");
  EXPECT_EQ(missing[1],
            "/instruments/2/mark: missing required key 'vol' (the volatility to price with, a "
            "number > 0)");
}

TEST_F(ConfigErrors, OnlyOptionsAreMarkedByAModel) {
  OJson doc = full_run_file();
  doc["instruments"][0]["mark"] = {{"model", "bs"}, {"vol", 0.2}};
  const std::string error = only_error(doc);
  EXPECT_EQ(error.rfind("/instruments/0/mark: ", 0), 0u) << error;
  EXPECT_NE(error.find("only applies to options"), std::string::npos) << error;
}

TEST_F(ConfigErrors, StartNotBeforeEnd) {
  OJson doc = full_run_file();
  doc["run"]["end"] = "2024-01-02T14:30:00Z";
  EXPECT_EQ(only_error(doc),
            "/run/end: expected a time after run.start (2024-01-02T14:30:00Z), got "
            "\"2024-01-02T14:30:00Z\"");
}

TEST_F(ConfigErrors, BadTimestamp) {
  OJson doc = full_run_file();
  doc["run"]["start"] = "2024-13-01";
  EXPECT_EQ(only_error(doc),
            "/run/start: expected a timestamp (ISO-8601 UTC such as \"2024-01-02T14:30:00Z\" or "
            "\"2024-01-02\", or integer ns since the epoch), got \"2024-13-01\"");
  doc = full_run_file();
  doc["instruments"][2]["expiry"] = true;
  EXPECT_EQ(only_error(doc).rfind("/instruments/2/expiry: expected a timestamp", 0), 0u);
}

TEST_F(ConfigErrors, BadDuration) {
  for (const OJson& bad : {OJson("5 minutes"), OJson("0s"), OJson("10"), OJson(0), OJson(-5),
                           OJson("1w"), OJson(1.5)}) {
    OJson doc = full_run_file();
    doc["run"]["equity_interval"] = bad;
    EXPECT_EQ(only_error(doc),
              "/run/equity_interval: expected a duration > 0 such as \"500ms\", \"10s\", \"1m\", "
              "\"1h\", \"1d\", or integer ns > 0, got " +
                  bad.dump());
  }
}

// Bounded so that no sum the engine makes (data time + order latency +
// report latency + equity interval) can overflow (engine/market/timestamp.hpp).
TEST_F(ConfigErrors, TimesAndDurationsAreBoundedSoTheEngineCannotOverflow) {
  OJson doc = full_run_file();
  doc["venue"]["order_latency_ns"] = INT64_MAX;
  EXPECT_EQ(only_error(doc),
            "/venue/order_latency_ns: expected at most 315360000000000000 ns (3650 days), got "
            "9223372036854775807");
  doc = full_run_file();
  doc["venue"]["report_latency_ns"] = 315360000000000001;
  EXPECT_EQ(only_error(doc),
            "/venue/report_latency_ns: expected at most 315360000000000000 ns (3650 days), got "
            "315360000000000001");
  doc = full_run_file();
  doc["venue"]["report_latency_ns"] = 315360000000000000;
  EXPECT_EQ(errors(load(doc)), std::vector<std::string>{});
  for (const OJson& long_interval : {OJson("3651d"), OJson(INT64_MAX)}) {
    doc = full_run_file();
    doc["run"]["equity_interval"] = long_interval;
    EXPECT_EQ(only_error(doc),
              "/run/equity_interval: expected a duration of at most 3650d (315360000000000000 "
              "ns), got " +
                  long_interval.dump());
  }
  for (const OJson& late : {OJson("2262-04-11T23:47:16Z"), OJson(INT64_MAX)}) {
    doc = full_run_file();
    doc["run"].erase("end");
    doc["run"]["start"] = late;
    EXPECT_EQ(
        only_error(doc),
        "/run/start: expected a time from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z, got " +
            late.dump());
  }
}

TEST_F(ConfigErrors, MissingDataFileSaysTheResolvedPath) {
  OJson doc = full_run_file();
  doc["data"][0]["path"] = "data/../data/nope.csv";
  const auto resolved = (dir_.path() / "data" / "nope.csv").lexically_normal();
  EXPECT_EQ(only_error(doc), "/data/0/path: file not found: " + resolved.string());
  doc["data"][0]["path"] = "data";
  EXPECT_EQ(only_error(doc),
            "/data/0/path: is a directory, not a file: " + (dir_.path() / "data").string());
}

TEST_F(ConfigErrors, MalformedJsonWithLineAndColumn) {
  ConfigResult result = load_text("{\n  \"run\": {\"name\": \"x\"},\n  \"seed\": tru\n}\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].pointer, "");
  EXPECT_EQ(result.errors[0].message.rfind("invalid JSON at line 3, column 14: syntax error", 0),
            0u)
      << result.errors[0].message;

  result = load_text("{\"run\": {\"name\": \"x\",}}");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message.rfind("invalid JSON at line 1, column 22: ", 0), 0u)
      << result.errors[0].message;

  result = load_text("");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message.rfind("invalid JSON at line 1, column 1: ", 0), 0u)
      << result.errors[0].message;
}

TEST_F(ConfigErrors, DuplicateJsonKey) {
  std::string text = full_run_file().dump();
  text.insert(text.find("\"seed\""), "\"seed\": 1, ");
  EXPECT_EQ(errors(load_text(text)),
            (std::vector<std::string>{
                "/run/seed: duplicate key 'seed' (a key may appear only once in an object)"}));
}

TEST_F(ConfigErrors, TopLevelMustBeAnObject) {
  EXPECT_EQ(only_error(OJson::array({1, 2, 3})), ": expected an object, got [1,2,3]");
}

TEST_F(ConfigErrors, PythonStrategiesNeedTheirScriptAndThePythonBuild) {
  OJson doc = full_run_file();
  doc["strategies"][0].erase("factory");
  doc["strategies"][0]["python"] = {{"script", "s.py"}, {"class", "S"}};
#if KEEL_WITH_PYTHON
  const std::string error = only_error(doc);
  EXPECT_EQ(error.rfind("/strategies/0/python/script: no such file: ", 0), 0u) << error;
  EXPECT_EQ(error.substr(error.size() - 5), "/s.py") << error;
#else
  EXPECT_EQ(only_error(doc),
            "/strategies/0/python: Python strategies are not available in this build (configure "
            "with -DKEEL_WITH_PYTHON=ON)");
#endif
}

TEST_F(ConfigErrors, ReportsEveryErrorInDocumentOrder) {
  // Twelve independent errors, found in an order unlike the document's (the
  // strategies section comes before the instruments it names).
  OJson doc;
  doc["output"] = {{"dir", 5}};
  doc["strategies"] = OJson::array(
      {{{"name", "a"}, {"factory", "f"}, {"instruments", {"MSFTT"}}, {"on_eror", "disable"}}});
  doc["run"] = {{"name", ""}, {"seed", -3}, {"end", "later"}};
  doc["instruments"] = OJson::array(
      {{{"id", "MSFT"}, {"kind", "equity"}, {"strike", 1}}, {{"id", "O"}, {"kind", "option"}}});
  doc["data"] = OJson::array({{{"path", "data/quotes.csv"}, {"format", "ticks"}}});
  ConfigResult result = load(doc);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(errors(result),
            (std::vector<std::string>{
                "/output/dir: expected a non-empty string, got 5",
                "/strategies/0/instruments/0: unknown instrument 'MSFTT'; did you mean 'MSFT'?",
                "/strategies/0/on_eror: unknown key 'on_eror'; did you mean 'on_error'?",
                "/run/name: expected a non-empty string, got \"\"",
                "/run/seed: expected a non-negative integer, got -3",
                "/run/end: expected a timestamp (ISO-8601 UTC such as \"2024-01-02T14:30:00Z\" "
                "or \"2024-01-02\", or integer ns since the epoch), got \"later\"",
                "/instruments/0/strike: 'strike' only applies to options; this instrument is an "
                "equity",
                "/instruments/1: missing required key 'underlying' (options need the id of an "
                "equity or future instrument)",
                "/instruments/1: missing required key 'strike' (options need a number > 0)",
                "/instruments/1: missing required key 'expiry' (options need a timestamp)",
                "/instruments/1: missing required key 'right' (options need \"call\" or \"put\")",
                "/data/0/format: expected \"quotes\", \"trades\", \"bars\", \"depth\" or "
                "\"binary\", got \"ticks\""}));
}

TEST_F(ConfigErrors, UnreadableRunFile) {
  ConfigResult result = load_run_config(dir_.path() / "missing.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(format_config_error(dir_.path() / "missing.json", result.errors[0]),
            (dir_.path() / "missing.json").string() + ": file not found");
}

TEST(ConfigFormat, FileThenPointerThenMessage) {
  EXPECT_EQ(format_config_error("file.json", {"/strategies/0/instruments/1",
                                              "unknown instrument 'APPL'; did you mean 'AAPL'?"}),
            "file.json: /strategies/0/instruments/1: unknown instrument 'APPL'; did you mean "
            "'AAPL'?");
  EXPECT_EQ(format_config_error("a/b.json", {"", "invalid JSON at line 1, column 1: x"}),
            "a/b.json: invalid JSON at line 1, column 1: x");
}

}  // namespace
}  // namespace keel::test
