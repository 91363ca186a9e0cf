// tests/python/python_run_test.cpp — `keel run` with Python strategies, as a
// user runs it: the twin of keel.sma_cross gives the C++ plugin's fills, the
// batch form (on_bars) the per-event form's, every ability works, and each
// way a script can go wrong ends with a clear message, no crash, and the
// outputs written when the run had started.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keel/market.h"
#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSource = KEEL_TEST_SOURCE_DIR;
const std::string kScripts = kSource + "/tests/python/scripts";
const std::string kSmaCross = kSource + "/examples/python/sma_cross.py";

// The demo's market: two equities, five days of 1-minute bars, latency, fees
// and risk limits (the kill switch too), and one strategy on both.
json run_file(const json& strategy, const std::string& out_dir,
              const std::string& data = kSource + "/examples/data/demo_bars.csv",
              const std::string& format = "bars") {
  json s = strategy;
  s["name"] = s.value("name", "s");
  if (!s.contains("instruments")) s["instruments"] = {"AAPL", "MSFT"};
  return json{
      {"run", {{"name", "python"}, {"equity_interval", "5m"}}},
      {"instruments",
       {{{"id", "AAPL"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}},
        {{"id", "MSFT"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}}}},
      {"data", {{{"path", data}, {"format", format}}}},
      {"venue",
       {{"order_latency_ns", 250000}, {"report_latency_ns", 0}, {"maker_fee_bps", -0.2},
        {"taker_fee_bps", 0.5}, {"fee_per_order", 0.35}}},
      {"risk", {{"max_order_quantity", 5000}, {"max_position", 10000}, {"max_drawdown_pct", 25}}},
      {"pricing_models", {{"bs", {{"factory", "keel.black_scholes"}}}}},
      {"strategies", {s}},
      {"output", {{"dir", out_dir}}}};
}

json python(const std::string& script, const std::string& cls) {
  return json{{"python", {{"script", script}, {"class", cls}}}};
}

json sma_params() { return json{{"fast", 10}, {"slow", 30}, {"quantity", 1000}}; }

// A CSV's rows without one column (the strategy's name differs by design).
std::vector<std::string> rows_without(const std::string& csv, size_t column) {
  std::vector<std::string> rows;
  for (const std::string& line : split(csv, '\n')) {
    std::vector<std::string> cells = split(line, ',');
    if (column < cells.size()) cells.erase(cells.begin() + static_cast<long>(column));
    std::string row;
    for (size_t i = 0; i < cells.size(); ++i) row += (i ? "," : "") + cells[i];
    rows.push_back(row);
  }
  return rows;
}

KeelRun run_with(const TempDir& dir, const std::string& name, const json& file,
                 const std::map<std::string, std::string>& env = {}) {
  const std::string path = dir.write(name + ".json", file.dump(2));
  return run_keel({"run", path, "--quiet"}, env);
}

json summary_of(const TempDir& dir, const std::string& out) {
  return json::parse(read_file(dir.file(out + "/summary.json")));
}

TEST(PythonRun, SmaCrossTwinGivesTheCppPluginsFills) {
  TempDir dir;
  json native = {{"factory", "keel.sma_cross"}, {"params", sma_params()}};
  json twin = python(kSmaCross, "SmaCross");
  twin["params"] = sma_params();
  KeelRun cpp = run_with(dir, "cpp", run_file(native, dir.file("cpp")));
  ASSERT_EQ(cpp.exit_code, 0) << cpp;
  KeelRun py = run_with(dir, "py", run_file(twin, dir.file("py")));
  ASSERT_EQ(py.exit_code, 0) << py;

  const auto cpp_fills = rows_without(read_file(dir.file("cpp/fills.csv")), 1);
  const auto py_fills = rows_without(read_file(dir.file("py/fills.csv")), 1);
  ASSERT_GT(cpp_fills.size(), 50u) << "the data should make the strategy trade";
  EXPECT_EQ(py_fills, cpp_fills);
  const json summary = summary_of(dir, "py");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["strategies"][0]["factory"], "python:sma_cross.py:SmaCross");
  EXPECT_EQ(summary["final_equity"], summary_of(dir, "cpp")["final_equity"]);
  // The manifest hashes the script like a plugin file.
  EXPECT_THAT(read_file(dir.file("py/manifest.json")), HasSubstr(kSmaCross));
}

TEST(PythonRun, BatchFormGivesThePerEventFormsFillsInBatches) {
  TempDir dir;
  json per_event = python(kSmaCross, "SmaCross");
  per_event["params"] = sma_params();
  json batch = python(kScripts + "/probe.py", "Probe");
  batch["params"] = sma_params();
  KeelRun one = run_with(dir, "one", run_file(per_event, dir.file("one")));
  ASSERT_EQ(one.exit_code, 0) << one;
  KeelRun many = run_with(dir, "many", run_file(batch, dir.file("many")),
                          {{"KEEL_EXAMPLES_PYTHON", kSource + "/examples/python"}});
  ASSERT_EQ(many.exit_code, 0) << many;
  EXPECT_EQ(rows_without(read_file(dir.file("many/fills.csv")), 1),
            rows_without(read_file(dir.file("one/fills.csv")), 1));
  EXPECT_EQ(rows_without(read_file(dir.file("many/orders.csv")), 1),
            rows_without(read_file(dir.file("one/orders.csv")), 1));
  // Batches really happened: far fewer calls than the 3900 bars.
  const size_t at = many.err.find("largest batch ");
  ASSERT_NE(at, std::string::npos) << many;
  const long largest = std::stol(many.err.substr(at + 14));
  EXPECT_GT(largest, 100) << many;
}

TEST(PythonRun, RiskChecksAtTheMovingMidTurnBatchesOffAndKeepTheFills) {
  // max_gross_notional prices a market order at the last mid, which moves
  // within a batch: such a strategy gets one event per call, so its orders
  // are checked exactly as per event. Tight enough to refuse some orders.
  TempDir dir;
  json per_event = python(kSmaCross, "SmaCross");
  per_event["params"] = sma_params();
  per_event["risk"] = {{"max_gross_notional", 150000}};
  json batch = python(kScripts + "/probe.py", "Probe");
  batch["params"] = sma_params();
  batch["risk"] = per_event["risk"];
  KeelRun one = run_with(dir, "one", run_file(per_event, dir.file("one")));
  ASSERT_EQ(one.exit_code, 0) << one;
  KeelRun many = run_with(dir, "many", run_file(batch, dir.file("many")),
                          {{"KEEL_EXAMPLES_PYTHON", kSource + "/examples/python"}});
  ASSERT_EQ(many.exit_code, 0) << many;
  const std::string orders = read_file(dir.file("one/orders.csv"));
  EXPECT_THAT(orders, HasSubstr("max_gross_notional")) << "the limit should refuse some orders";
  EXPECT_EQ(rows_without(read_file(dir.file("many/orders.csv")), 1),
            rows_without(orders, 1));
  EXPECT_EQ(rows_without(read_file(dir.file("many/fills.csv")), 1),
            rows_without(read_file(dir.file("one/fills.csv")), 1));
  EXPECT_THAT(many.err, HasSubstr("largest batch 1 bars")) << many;
}

TEST(PythonRun, TheReadmesMeanReversionExampleTradesAndCancelsOnTimers) {
  TempDir dir;
  const KeelRun r = run_keel({"run", kSource + "/examples/python/mean_reversion.json", "--output",
                              dir.file("out"), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json summary = summary_of(dir, "out");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_GT(summary["num_fills"].get<int>(), 10);
  // Limits still working after timeout_s are cancelled from on_timer.
  const std::string orders = read_file(dir.file("out/orders.csv"));
  EXPECT_THAT(orders, HasSubstr("canceled"));
  EXPECT_THAT(orders, HasSubstr("filled"));
}

TEST(PythonRun, TheReadmeShowsTheMeanReversionExampleAsItIs) {
  const std::string readme = read_file(kSource + "/README.md");
  const size_t section = readme.find("## Strategies in Python");
  ASSERT_NE(section, std::string::npos);
  const size_t begin = readme.find("```python\n", section);
  ASSERT_NE(begin, std::string::npos);
  const size_t code = begin + 10;
  const std::string shown = readme.substr(code, readme.find("```", code) - code);
  const std::string file = read_file(kSource + "/examples/python/mean_reversion.py");
  const size_t after_docstring = file.find("\"\"\"\n", 3) + 4;
  EXPECT_EQ(shown, file.substr(after_docstring));
}

TEST(PythonRun, EveryAbilityWorksFromPython) {
  TempDir dir;
  json strategy = python(kScripts + "/abilities.py", "Abilities");
  strategy["params"] = {{"out", dir.file("seen.json")}};
  strategy["instruments"] = {"AAPL"};
  KeelRun r = run_with(dir, "abilities",
                       run_file(strategy, dir.file("out"), kSource + "/examples/data/demo_quotes.csv",
                                "quotes"));
  ASSERT_EQ(r.exit_code, 0) << r;
  const json seen = json::parse(read_file(dir.file("seen.json")));
  const int64_t start = seen["start"]["time"];
  EXPECT_EQ(seen["start"]["name"], "s");
  EXPECT_EQ(seen["start"]["symbols"], json({"AAPL"}));
  EXPECT_EQ(seen["start"]["now"], start);
  ASSERT_EQ(seen["timers"].size(), 1u);
  EXPECT_GE(seen["timers"][0]["ts"].get<int64_t>(), start + 60'000'000'000);
  EXPECT_EQ(seen["timers"][0]["cookie"], 7);
  EXPECT_EQ(seen["timers"][0]["now"], seen["timers"][0]["ts"]);
  EXPECT_GT(seen["quotes"].get<int>(), 100);
  // Haug's example: S=60 K=65 T=0.25 r=8% vol=30% call is 2.1334.
  EXPECT_NEAR(seen["pricing"]["scalar"].get<double>(), 2.1334, 5e-5);
  EXPECT_EQ(seen["pricing"]["batch"][1], seen["pricing"]["scalar"]);
  EXPECT_LT(seen["pricing"]["batch"][0].get<double>(), seen["pricing"]["batch"][1].get<double>());
  EXPECT_EQ(seen["pricing"]["in_place"], true);
  // Sent, accepted at the venue, cancelled by the strategy.
  std::vector<int> states;
  for (const json& u : seen["updates"]) {
    states.push_back(u["state"]);
    EXPECT_EQ(u["tag"], 42);
  }
  EXPECT_EQ(states, (std::vector<int>{KEEL_ORDER_ACCEPTED, KEEL_ORDER_CANCELED}));
  EXPECT_EQ(seen["position"], 0.0);
  EXPECT_EQ(seen["name"], "s");
}

TEST(PythonRun, AnExceptionStopsTheRunNamingTheScriptLineAndKeepsTheOutputs) {
  TempDir dir;
  KeelRun r = run_with(dir, "boom", run_file(python(kScripts + "/faults.py", "Boom"),
                                             dir.file("out")));
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  const std::string where = kScripts + "/faults.py:9";
  EXPECT_THAT(r.err, HasSubstr("Traceback (most recent call last):")) << r;
  EXPECT_THAT(r.err, HasSubstr("line 9, in on_bar")) << r;
  const json summary = summary_of(dir, "out");
  const std::string status = summary["status"];
  EXPECT_THAT(status, HasSubstr("ZeroDivisionError: division by zero (at " + where + " in on_bar)"));
  EXPECT_THAT(status, HasSubstr("python:faults.py:Boom"));
  EXPECT_THAT(summary["strategies"][0]["status"].get<std::string>(), HasSubstr("stopped: "));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/fills.csv")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/equity.csv")));
}

TEST(PythonRun, OrdersOnUnknownOrUnsubscribedInstrumentsStopTheStrategyClearly) {
  TempDir dir;
  json unknown = python(kScripts + "/faults.py", "UnknownInstrument");
  unknown["instruments"] = {"AAPL"};
  KeelRun r = run_with(dir, "unknown", run_file(unknown, dir.file("unknown")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(summary_of(dir, "unknown")["status"].get<std::string>(),
              HasSubstr("keel.Error: instrument_find: no instrument 'XYZ' in this run (at " +
                        kScripts + "/faults.py:14 in on_bar)"));

  json foreign = python(kScripts + "/faults.py", "NotSubscribed");
  foreign["instruments"] = {"AAPL"};
  r = run_with(dir, "foreign", run_file(foreign, dir.file("foreign")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(summary_of(dir, "foreign")["status"].get<std::string>(),
              HasSubstr("order on instrument id 1, which strategy 's' did not subscribe to (at " +
                        kScripts + "/faults.py:19 in on_bar)"));
}

TEST(PythonRun, ASyntaxErrorIsARunFileErrorBeforeAnyDataIsRead) {
  TempDir dir;
  KeelRun r = run_with(dir, "syntax", run_file(python(kScripts + "/syntax_error.py", "Broken"),
                                               dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/python: cannot import " + kScripts +
                               "/syntax_error.py: SyntaxError: expected ':' (at " + kScripts +
                               "/syntax_error.py:4)"))
      << r;
  // Nothing ran; the output folder says why (keel run takes it first).
  const json summary = summary_of(dir, "out");
  EXPECT_EQ(summary["events"], 0);
  EXPECT_THAT(summary["status"].get<std::string>(),
              StartsWith("failed: /strategies/0/python: cannot import"));
}

TEST(PythonRun, AMissingOrWrongClassIsARunFileError) {
  TempDir dir;
  KeelRun r = run_with(dir, "missing",
                       run_file(python(kScripts + "/faults.py", "Bom"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/python: no class 'Bom' in " + kScripts +
                               "/faults.py (classes defined there: Boom (" + kScripts +
                               "/faults.py:5)"))
      << r;
  r = run_with(dir, "plain",
               run_file(python(kScripts + "/faults.py", "NotAStrategy"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("'NotAStrategy' in " + kScripts +
                               "/faults.py is not a subclass of keel.Strategy"))
      << r;
  // Nothing ran; the output folder says why (keel run takes it first).
  EXPECT_EQ(summary_of(dir, "out")["events"], 0);
  EXPECT_THAT(summary_of(dir, "out")["status"].get<std::string>(),
              HasSubstr("is not a subclass of keel.Strategy"));
}

TEST(PythonRun, BadParamsNameTheParam) {
  TempDir dir;
  json strategy = python(kScripts + "/faults.py", "NeedsWindow");
  strategy["params"] = {{"window", "fifty"}};
  KeelRun r = run_with(dir, "params", run_file(strategy, dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/params: strategy 's': create: NeedsWindow() raised "
                               "keel.ParamError: /window: expected an integer, got \"fifty\""))
      << r;
  strategy["params"] = json::object();
  r = run_with(dir, "params2", run_file(strategy, dir.file("out")));
  EXPECT_THAT(r.err, HasSubstr("/window: required param missing")) << r;

  json twin = python(kSmaCross, "SmaCross");
  twin["params"] = {{"fast", 30}, {"slow", 10}};
  r = run_with(dir, "twin", run_file(twin, dir.file("out")));
  EXPECT_THAT(r.err, HasSubstr("/slow: expected an integer greater than fast (30), got 10")) << r;
  twin["params"] = {{"fats", 3}};
  r = run_with(dir, "twin2", run_file(twin, dir.file("out")));
  EXPECT_THAT(r.err, HasSubstr("/fats: unknown param")) << r;
}

TEST(PythonRun, ABatchCallbackMustSayHowManyEventsItHandled) {
  TempDir dir;
  KeelRun r = run_with(dir, "count", run_file(python(kScripts + "/faults.py", "BadBatchCount"),
                                              dir.file("out")));
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(summary_of(dir, "out")["status"].get<std::string>(),
              HasSubstr("BadBatchCount.on_bars (" + kScripts + "/faults.py) returned 0 for "));
}

TEST(PythonRun, TheRunFileNamesAFactoryOrAScriptNotBoth) {
  TempDir dir;
  json both = python(kSmaCross, "SmaCross");
  both["factory"] = "keel.sma_cross";
  KeelRun r = run_with(dir, "both", run_file(both, dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/factory: a strategy has either \"factory\" or "
                               "\"python\", not both"));
  r = run_with(dir, "nofile", run_file(python(dir.file("nope.py"), "X"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/python/script: no such file: " + dir.file("nope.py")));
}

}  // namespace
}  // namespace keel::cli_test
