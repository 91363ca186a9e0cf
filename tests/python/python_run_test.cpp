// tests/python/python_run_test.cpp — `keel run` with Python strategies, as a
// user runs it: the twin of keel.sma_cross gives the C++ plugin's fills, the
// batch form (on_bars) the per-event form's, every ability works, and each
// way a script can go wrong ends with a clear message, no crash, and the
// outputs written when the run had started.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "keel/market.h"
#include "keel/status.h"
#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::ContainsRegex;
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
  // Batches really happened: spans of many bars (a span grows with what the
  // strategy handled of the last one, 16 to 1024 events, and ends before
  // anything else is due for the strategy).
  const size_t at = many.err.find("largest batch ");
  ASSERT_NE(at, std::string::npos) << many;
  const long largest = std::stol(many.err.substr(at + 14));
  EXPECT_GE(largest, 32) << many;
}

TEST(PythonRun, RiskChecksAtTheMovingMidKeepBatchesAndTheFills) {
  // max_gross_notional prices a market order at the last mid, which moves
  // within a batch: with the batch cursor (batch_at) keel checks each order
  // at the mid of the event it was sent from, so the strategy keeps its
  // batches and its orders are checked exactly as per event. Tight enough
  // to refuse some orders.
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
  const size_t at = many.err.find("largest batch ");
  ASSERT_NE(at, std::string::npos) << many;
  EXPECT_GT(std::stoi(many.err.substr(at + 14)), 1) << "batches should stay on: " << many;
}

TEST(PythonRun, BuyingPowerInABatchRefusesWhatPerEventDeliveryRefuses) {
  // 300000 of cash: 1000 AAPL (~32) fit, 1000 MSFT (~398) never do. Inside a
  // batch keel answers for the event the cursor (batch_at) names, so buying
  // power is checked at that event's marks: the C++ plugin's refusals (one
  // event per call: the C++ SDK takes no batches), with the same reasons,
  // and the same fills, while batches stay on.
  TempDir dir;
  json per_event = {{"factory", "keel.sma_cross"}, {"params", sma_params()}};
  json batch = python(kScripts + "/probe.py", "Probe");
  batch["params"] = sma_params();
  json one_file = run_file(per_event, dir.file("one"));
  json many_file = run_file(batch, dir.file("many"));
  one_file["run"]["initial_cash"] = many_file["run"]["initial_cash"] = 300000;
  KeelRun one = run_with(dir, "one", one_file);
  ASSERT_EQ(one.exit_code, 0) << one;
  KeelRun many = run_with(dir, "many", many_file,
                          {{"KEEL_EXAMPLES_PYTHON", kSource + "/examples/python"}});
  ASSERT_EQ(many.exit_code, 0) << many;
  const std::string orders = read_file(dir.file("one/orders.csv"));
  EXPECT_THAT(orders, HasSubstr("account: buying power: the order needs"))
      << "the cash should refuse some orders";
  EXPECT_THAT(orders, HasSubstr(",AAPL,buy,market,gtc,1000,,,")) << "and allow others";
  EXPECT_EQ(rows_without(read_file(dir.file("many/orders.csv")), 1), rows_without(orders, 1));
  EXPECT_EQ(rows_without(read_file(dir.file("many/fills.csv")), 1),
            rows_without(read_file(dir.file("one/fills.csv")), 1));
  const size_t at = many.err.find("largest batch ");
  ASSERT_NE(at, std::string::npos) << many;
  EXPECT_GE(std::stol(many.err.substr(at + 14)), 32) << many;
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

TEST(PythonRun, TheDocsShowTheMeanReversionExampleAsItIs) {
  const std::string readme = read_file(kSource + "/docs/python.md");
  const size_t section = readme.find("# Strategies in Python");
  ASSERT_NE(section, std::string::npos);
  const size_t begin = readme.find("```python\n", section);
  ASSERT_NE(begin, std::string::npos);
  const size_t code = begin + 10;
  const std::string shown = readme.substr(code, readme.find("```", code) - code);
  const std::string file = read_file(kSource + "/examples/python/mean_reversion.py");
  const size_t after_docstring = file.find("\"\"\"\n", 3) + 4;
  EXPECT_EQ(shown, file.substr(after_docstring));
}

// The front page's Python strategy is a working strategy: it runs on the
// demo bars and trades (buys on a rising close when flat).
TEST(PythonRun, TheFrontPagesStrategyRuns) {
  const std::string readme = read_file(kSource + "/README.md");
  const size_t begin = readme.find("```python\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t code = begin + 10;
  TempDir dir;
  const std::string script = dir.write("momentum.py", readme.substr(code, readme.find("```", code) - code));
  json strategy = python(script, "Momentum");
  strategy["instruments"] = {"AAPL"};
  KeelRun r = run_with(dir, "front", run_file(strategy, dir.file("out")));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GT(summary_of(dir, "out")["num_fills"].get<int>(), 0);
}

// The front page shows config/examples/minimal.json as it is.
TEST(PythonRun, TheFrontPageShowsTheMinimalRunFileAsItIs) {
  const std::string readme = read_file(kSource + "/README.md");
  EXPECT_THAT(readme, HasSubstr("```json\n" + read_file(kSource + "/config/examples/minimal.json") + "```"));
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

// keel hands the per-event callbacks one reused object per kind while only
// it holds that object (engine/python/python_strategy.cpp, ReusableEvent);
// a bar the strategy keeps must keep its values and be its own object.
TEST(PythonRun, AnEventObjectAStrategyKeepsNeverChanges) {
  TempDir dir;
  KeelRun r = run_with(dir, "keeps", run_file(python(kScripts + "/keeps_events.py", "KeepsEveryOther"),
                                              dir.file("out")));
  EXPECT_EQ(r.exit_code, 0) << r;
  // on_stop checks the kept bars; what it raises marks the strategy stopped.
  EXPECT_EQ(summary_of(dir, "out")["strategies"][0]["status"], "completed") << r;
}

// Fills and order updates are reused the same way, and the event classes'
// attributes read the struct directly (fast_bindings.hpp): a kept fill or
// update keeps its values and is its own object, attributes are the ints,
// floats, bools and strings they were, and they cannot be assigned.
TEST(PythonRun, AFillOrUpdateAStrategyKeepsNeverChangesAndFieldsReadAsBefore) {
  TempDir dir;
  KeelRun r = run_with(
      dir, "fills", run_file(python(kScripts + "/keeps_events.py", "KeepsFills"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 0) << r;
  // on_stop checks the kept fills; what it raises marks the strategy stopped.
  EXPECT_EQ(summary_of(dir, "out")["strategies"][0]["status"], "completed") << r;
  EXPECT_GE(summary_of(dir, "out")["num_fills"].get<int>(), 40) << r;
}

// A callback with the wrong signature raises TypeError from the call itself,
// with no traceback: keel reports Python's message (it aborted before). A
// failing on_stop marks the strategy stopped; the run had ended already.
TEST(PythonRun, ACallbackWithTheWrongSignatureIsReportedNotACrash) {
  TempDir dir;
  KeelRun r = run_with(
      dir, "signature",
      run_file(python(kScripts + "/keeps_events.py", "StopWithoutItsArgument"), dir.file("out")));
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  const std::string why = "on_stop() takes 1 positional argument but 2 were given";
  EXPECT_THAT(r.err, HasSubstr("TypeError: StopWithoutItsArgument." + why)) << r;
  EXPECT_THAT(summary_of(dir, "out")["strategies"][0]["status"].get<std::string>(),
              AllOf(StartsWith("stopped: "), HasSubstr(why)));
}

TEST(PythonRun, OrdersOnUnknownOrUnsubscribedInstrumentsStopTheStrategyClearly) {
  TempDir dir;
  json unknown = python(kScripts + "/faults.py", "UnknownInstrument");
  unknown["instruments"] = {"AAPL"};
  KeelRun r = run_with(dir, "unknown", run_file(unknown, dir.file("unknown")));
  EXPECT_EQ(r.exit_code, 4) << r;  // the strategy stopped the run
  EXPECT_THAT(summary_of(dir, "unknown")["status"].get<std::string>(),
              HasSubstr("keel.Error: instrument_find: no instrument 'XYZ' in this run (at " +
                        kScripts + "/faults.py:14 in on_bar)"));

  json foreign = python(kScripts + "/faults.py", "NotSubscribed");
  foreign["instruments"] = {"AAPL"};
  r = run_with(dir, "foreign", run_file(foreign, dir.file("foreign")));
  EXPECT_EQ(r.exit_code, 4) << r;  // the strategy stopped the run
  EXPECT_THAT(summary_of(dir, "foreign")["status"].get<std::string>(),
              HasSubstr("order on instrument id 1, which strategy 's' did not subscribe to (at " +
                        kScripts + "/faults.py:19 in on_bar)"));
}

TEST(PythonRun, ASyntaxErrorIsAPluginThatCannotLoadBeforeAnyDataIsRead) {
  TempDir dir;
  KeelRun r = run_with(dir, "syntax", run_file(python(kScripts + "/syntax_error.py", "Broken"),
                                               dir.file("out")));
  EXPECT_EQ(r.exit_code, 3) << r;
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

TEST(PythonRun, AMissingOrWrongClassIsAPluginThatCannotLoad) {
  TempDir dir;
  KeelRun r = run_with(dir, "missing",
                       run_file(python(kScripts + "/faults.py", "Bom"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/python: no class 'Bom' in " + kScripts +
                               "/faults.py (classes defined there: Boom (" + kScripts +
                               "/faults.py:5)"))
      << r;
  r = run_with(dir, "plain",
               run_file(python(kScripts + "/faults.py", "NotAStrategy"), dir.file("out")));
  EXPECT_EQ(r.exit_code, 3) << r;
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

// ---- the host-thread rule (keel/host.h) ---------------------------------------------

// FromThread (on_bar, the adapter's loop) and FromThreadBatch (on_bars
// with the batch cursor).
class PythonRunFromThread : public ::testing::TestWithParam<const char*> {};

TEST_P(PythonRunFromThread, KeelCalledFromAPythonThreadRaisesWrongThreadErrorAndStopsTheRun) {
  TempDir dir;
  json strategy = python(kScripts + "/threads.py", GetParam());
  strategy["params"] = {{"at", 5}, {"out", dir.file("seen.json")}};
  strategy["instruments"] = {"AAPL"};
  KeelRun r = run_with(dir, "thread", run_file(strategy, dir.file("out")));
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  const json seen = json::parse(read_file(dir.file("seen.json")));
  // Every call that reaches a [host-thread] member raised keel.WrongThreadError
  // (a keel.Error) with the host's message, and did nothing.
  for (const char* name :
       {"buy", "send_order", "cancel", "position", "account", "set_timer", "cancel_timer"}) {
    SCOPED_TRACE(name);
    const json& call = seen["calls"][name];
    EXPECT_EQ(call["type"], "WrongThreadError") << call;
    EXPECT_EQ(call["wrong_thread"], true) << call;
    EXPECT_EQ(call["keel_error"], true) << call;
    EXPECT_EQ(call["code"], KEEL_ERR_WRONG_THREAD) << call;
    const std::string message = call["message"];
    EXPECT_THAT(message, HasSubstr("wrong thread")) << message;
    EXPECT_THAT(message, HasSubstr("strategy 's'")) << message;
    EXPECT_THAT(message, HasSubstr("[host-thread]")) << message;
  }
  EXPECT_THAT(seen["calls"]["buy"]["message"].get<std::string>(), HasSubstr("order_submit"));
  EXPECT_THAT(seen["calls"]["cancel"]["message"].get<std::string>(), HasSubstr("order_cancel"));
  EXPECT_THAT(seen["calls"]["position"]["message"].get<std::string>(), HasSubstr("position_get"));
  EXPECT_THAT(seen["calls"]["account"]["message"].get<std::string>(), HasSubstr("account_get"));
  EXPECT_THAT(seen["calls"]["set_timer"]["message"].get<std::string>(), HasSubstr("timer_set"));
  EXPECT_THAT(seen["calls"]["cancel_timer"]["message"].get<std::string>(),
              HasSubstr("timer_cancel"));
  // The batch cursor is the callback's own: another thread cannot move it.
  EXPECT_EQ(seen["calls"]["batch_at"]["type"], "WrongThreadError") << seen["calls"]["batch_at"];
  // [thread-safe] members still answer; now() on the thread is the host's
  // clock, not the callback's event (the adapter's per-event time is the
  // callback's own), and the callback's now() is unchanged.
  EXPECT_EQ(seen["calls"]["instrument"]["type"], nullptr) << seen["calls"]["instrument"];
  EXPECT_EQ(seen["calls"]["log"]["type"], nullptr) << seen["calls"]["log"];
  EXPECT_EQ(seen["calls"]["now"]["type"], nullptr) << seen["calls"]["now"];
  EXPECT_EQ(seen["host_now"], seen["bar_ts"]);
  EXPECT_EQ(seen["now_after"], seen["bar_ts"]);
  EXPECT_THAT(r.err, HasSubstr("a log line from my own thread")) << r;

  // The run stopped at that bar, with the rule's message; only the order
  // sent from the host thread exists.
  const json summary = summary_of(dir, "out");
  const std::string status = summary["status"];
  EXPECT_THAT(status, HasSubstr("strategy 's'")) << status;
  EXPECT_THAT(status, HasSubstr("from a thread the host did not call it on")) << status;
  EXPECT_THAT(summary["strategies"][0]["status"].get<std::string>(), HasSubstr("stopped: "));
  EXPECT_EQ(summary["last_event_ts"], seen["bar_ts"]);
  const auto orders = split(read_file(dir.file("out/orders.csv")), '\n');
  ASSERT_EQ(orders.size(), 2u) << read_file(dir.file("out/orders.csv"));
  EXPECT_THAT(orders[1], HasSubstr(",1,")) << orders[1];

  // on_error "disable": the strategy is disabled, the run completes.
  strategy["on_error"] = "disable";
  r = run_with(dir, "disable", run_file(strategy, dir.file("disabled")));
  EXPECT_EQ(r.exit_code, 0) << r;
  const json disabled = summary_of(dir, "disabled");
  EXPECT_EQ(disabled["status"], "completed");
  EXPECT_THAT(disabled["strategies"][0]["status"].get<std::string>(), HasSubstr("disabled: "));
}

INSTANTIATE_TEST_SUITE_P(PythonRun, PythonRunFromThread,
                         ::testing::Values("FromThread", "FromThreadBatch"));

TEST(PythonRun, APythonThreadHammeringKeelChangesNothingAndTheProcessExits) {
  TempDir dir;
  json strategy = python(kScripts + "/threads.py", "Hammer");
  strategy["params"] = {{"out", dir.file("hammer.json")}};
  for (int round = 0; round < 3; ++round) {
    const std::string out = "out" + std::to_string(round);
    KeelRun r = run_with(dir, out, run_file(strategy, dir.file(out)));
    EXPECT_EQ(r.exit_code, 4) << r;
    EXPECT_FALSE(r.signaled) << r;
    const json summary = summary_of(dir, out);
    EXPECT_THAT(summary["status"].get<std::string>(), HasSubstr("from a thread the host did not"));
    EXPECT_EQ(split(read_file(dir.file(out + "/orders.csv")), '\n').size(), 1u)
        << "no order of the thread may exist";
  }
}

// ---- batches stop exactly where a failure happens -------------------------------------

// `n` one-minute bars of AAPL, from 2024-01-02 14:30Z, a slow rise.
std::string minute_bars(int n) {
  std::string text = "ts,instrument,open,high,low,close,volume\n";
  for (int i = 0; i < n; ++i) {
    const int minute = 30 + i;
    char line[160];
    const double close = 100.0 + 0.01 * i;
    std::snprintf(line, sizeof line, "2024-01-02T%02d:%02d:00Z,AAPL,%.2f,%.2f,%.2f,%.2f,%d\n",
                  14 + minute / 60, minute % 60, close, close + 0.05, close - 0.05, close,
                  1000 + i);
    text += line;
  }
  return text;
}

struct Report {
  json summary;
  std::string orders, equity;
};

Report report_of(const TempDir& dir, const std::string& out) {
  return Report{summary_of(dir, out), read_file(dir.file(out + "/orders.csv")),
                read_file(dir.file(out + "/equity.csv"))};
}

TEST(PythonRun, AFailureInsideABatchStopsTheReportAtThatEvent) {
  TempDir dir;
  const std::string bars = dir.write("bars.csv", minute_bars(200));
  const auto strategy = [&](const std::string& cls) {
    json s = python(kScripts + "/raise_at.py", cls);
    s["params"] = {{"at", 50}};
    s["instruments"] = {"AAPL"};
    return s;
  };
  // The reference: per-event delivery. A price collar (which market orders
  // never meet) turns batches off: the engine gives one bar per call.
  json reference = strategy("PerEvent");
  reference["risk"] = {{"price_collar_pct", 100}};
  KeelRun r = run_with(dir, "ref", run_file(reference, dir.file("ref"), bars));
  ASSERT_EQ(r.exit_code, 4) << r;
  const Report want = report_of(dir, "ref");
  ASSERT_EQ(want.summary["events"], 50) << want.summary;
  // The bar-50 market order and the refused one, dated at bar 50 (14:30 + 49m).
  const int64_t bar50 = want.summary["last_event_ts"];
  EXPECT_EQ(bar50, 1704205800'000'000'000LL + 49 * 60'000'000'000LL);
  const auto order_rows = split(want.orders, '\n');
  ASSERT_EQ(order_rows.size(), 3u) << want.orders;
  EXPECT_THAT(want.orders, HasSubstr("max_order_quantity"));
  EXPECT_THAT(r.err, HasSubstr("RuntimeError: bar 50 is bad")) << r;

  for (const char* form : {"PerEvent", "Cursor", "Vectorised"}) {
    SCOPED_TRACE(form);
    const std::string out = std::string("batched_") + form;
    KeelRun b = run_with(dir, out, run_file(strategy(form), dir.file(out), bars));
    EXPECT_EQ(b.exit_code, 4) << b;
    EXPECT_THAT(b.err, HasSubstr("RuntimeError: bar 50 is bad")) << b;
    EXPECT_THAT(b.err, HasSubstr("now() " + std::to_string(bar50))) << b;
    const Report got = report_of(dir, out);
    EXPECT_EQ(got.summary["last_event_ts"], want.summary["last_event_ts"]);
    EXPECT_EQ(got.summary["events"], want.summary["events"]);
    std::string status = got.summary["status"];
    status.replace(status.find(form), std::strlen(form), "PerEvent");
    EXPECT_EQ(status, want.summary["status"]);
    EXPECT_EQ(got.summary["final_equity"], want.summary["final_equity"]);
    EXPECT_EQ(got.orders, want.orders);
    EXPECT_EQ(got.equity, want.equity);
  }
}

TEST(PythonRun, TheBatchCursorIsCheckedAndSaysWhatToDo) {
  TempDir dir;
  // An order sent at event 2 of a batch, after which the strategy went on:
  // stopped at event 2, where the order is dated (the demo's third bar).
  KeelRun r =
      run_with(dir, "goes_on",
               run_file(python(kScripts + "/faults.py", "ActsAndGoesOn"), dir.file("goes_on")));
  EXPECT_EQ(r.exit_code, 4) << r;
  json summary = summary_of(dir, "goes_on");
  EXPECT_THAT(summary["status"].get<std::string>(),
              HasSubstr("ActsAndGoesOn.on_bars (" + kScripts +
                        "/faults.py) acted at event 2 (batch_at) and went on to event "));
  EXPECT_THAT(summary["status"].get<std::string>(), HasSubstr(": return 3 right after acting"));
  EXPECT_EQ(summary["last_event"], "2024-01-02T14:32:00Z");
  const auto orders = split(read_file(dir.file("goes_on/orders.csv")), '\n');
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_THAT(orders[1], HasSubstr(",2024-01-02T14:32:00Z,")) << orders[1];

  // A call that did nothing (a stale cancel, caught) is no action.
  r = run_with(
      dir, "nothing",
      run_file(python(kScripts + "/faults.py", "CursorCancelsNothing"), dir.file("nothing")));
  EXPECT_EQ(r.exit_code, 0) << r;

  r = run_with(dir, "range",
               run_file(python(kScripts + "/faults.py", "CursorOutOfRange"), dir.file("range")));
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  // (faults.py asks for batch_at(len(bars)), one past the span's end.)
  EXPECT_THAT(summary_of(dir, "range")["status"].get<std::string>(),
              ContainsRegex(R"(keel\.Error: batch_at\(([0-9]+)\): this batch has events 0\.\.[0-9]+ \(at )"));
  EXPECT_THAT(summary_of(dir, "range")["status"].get<std::string>(),
              HasSubstr("/faults.py:"));

  r = run_with(dir, "on_bar",
               run_file(python(kScripts + "/faults.py", "CursorInOnBar"), dir.file("on_bar")));
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(summary_of(dir, "on_bar")["status"].get<std::string>(),
              HasSubstr("batch_at: the batch cursor exists only during on_quotes, on_trades or "
                        "on_bars (keel moves it itself for on_quote, on_trade and on_bar)"));
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
