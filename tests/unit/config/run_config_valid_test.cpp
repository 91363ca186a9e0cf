// load_run_config on valid run files: every field lands in its struct,
// paths are resolved against the run file's folder, defaults apply.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config_test_support.hpp"
#include "engine/config/run_config.hpp"

namespace keel::test {
namespace {

using ConfigValid = RunFileTest;

constexpr int64_t kSecond = 1'000'000'000;

TEST_F(ConfigValid, FullFileParsesIntoTheStructs) {
  const std::filesystem::path file = dir_.write("run.json", full_run_file().dump(2));
  ConfigResult result = load_run_config(file);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_TRUE(result.errors.empty());
  const RunConfig& c = *result.config;
  const std::filesystem::path& d = dir_.path();

  EXPECT_EQ(c.file, file);
  EXPECT_EQ(c.name, "demo");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.start_ns, 1704205800 * kSecond);  // 2024-01-02T14:30:00Z
  EXPECT_EQ(c.end_ns, 1704240000 * kSecond);    // 2024-01-03
  EXPECT_EQ(c.currency, "USD");
  EXPECT_EQ(c.initial_cash, 1'000'000);
  EXPECT_EQ(c.equity_interval_ns, 60 * kSecond);
  EXPECT_EQ(c.plugin_paths, std::vector<std::filesystem::path>{d / "plugins"});

  ASSERT_EQ(c.instruments.size(), 3u);
  const Instrument& aapl = c.instruments.get(0);
  EXPECT_EQ(aapl.id, 0u);
  EXPECT_EQ(aapl.symbol, "AAPL");
  EXPECT_EQ(aapl.kind, KEEL_INSTRUMENT_EQUITY);
  EXPECT_EQ(aapl.underlying, KEEL_NO_INSTRUMENT);
  EXPECT_EQ(aapl.expiry, 0);
  EXPECT_EQ(aapl.tick_size, 0.01);
  EXPECT_EQ(aapl.lot_size, 1);
  EXPECT_EQ(aapl.multiplier, 1);
  const Instrument& es = c.instruments.get(1);
  EXPECT_EQ(es.symbol, "ESZ4");
  EXPECT_EQ(es.kind, KEEL_INSTRUMENT_FUTURE);
  EXPECT_EQ(es.expiry, 1734652800 * kSecond);  // 2024-12-20
  EXPECT_EQ(es.multiplier, 50);
  EXPECT_EQ(es.tick_size, 0.25);
  EXPECT_EQ(es.lot_size, 1);  // default
  const Instrument& call = c.instruments.get(2);
  EXPECT_EQ(c.instruments.find("AAPL-C190"), 2u);
  EXPECT_EQ(call.kind, KEEL_INSTRUMENT_OPTION);
  EXPECT_EQ(call.underlying_symbol, "AAPL");
  EXPECT_EQ(call.underlying, 0u);
  EXPECT_EQ(call.strike, 190);
  EXPECT_EQ(call.expiry, 1710532800 * kSecond);  // 2024-03-15T20:00:00Z
  EXPECT_EQ(call.right, KEEL_RIGHT_CALL);
  EXPECT_EQ(call.exercise, KEEL_EXERCISE_AMERICAN);
  EXPECT_EQ(call.multiplier, 100);
  EXPECT_EQ(call.tick_size, 0.01);  // default

  ASSERT_EQ(c.data.size(), 2u);
  EXPECT_EQ(c.data[0].path, d / "data" / "quotes.csv");
  EXPECT_EQ(c.data[0].format, DataFormat::quotes);
  EXPECT_FALSE(c.data[0].instrument.has_value());
  EXPECT_EQ(c.data[1].path, d / "data" / "aapl_bars.csv");
  EXPECT_EQ(c.data[1].format, DataFormat::bars);
  EXPECT_EQ(c.data[1].instrument, "AAPL");

  EXPECT_EQ(c.venue.order_latency_ns, 1'000'000);
  EXPECT_EQ(c.venue.report_latency_ns, 0);
  EXPECT_EQ(c.venue.maker_fee_bps, -0.2);
  EXPECT_EQ(c.venue.taker_fee_bps, 0.5);
  EXPECT_EQ(c.venue.fee_per_order, 0.0);
  EXPECT_TRUE(c.venue.fill_on_trades);
  EXPECT_TRUE(c.venue.cap_bar_fills_at_volume);

  EXPECT_EQ(c.risk.max_order_quantity, 1000);
  EXPECT_EQ(c.risk.max_position, 5000);
  EXPECT_EQ(c.risk.max_gross_notional, 2'000'000);
  EXPECT_EQ(c.risk.max_open_orders, 20);
  EXPECT_EQ(c.risk.price_collar_pct, 5);
  EXPECT_EQ(c.risk.max_drawdown_pct, 20);

  ASSERT_EQ(c.pricing_models.size(), 1u);
  EXPECT_EQ(c.pricing_models[0].name, "bs");
  EXPECT_EQ(c.pricing_models[0].factory, "keel.black_scholes");
  EXPECT_EQ(c.pricing_models[0].params, nlohmann::json::object());
  EXPECT_EQ(c.pricing_models[0].pointer, "/pricing_models/bs");

  ASSERT_EQ(c.strategies.size(), 1u);
  const StrategySpec& s = c.strategies[0];
  EXPECT_EQ(s.name, "trend");
  EXPECT_EQ(s.factory, "keel.sma_cross");
  EXPECT_EQ(s.instruments, std::vector<std::string>{"AAPL"});
  EXPECT_EQ(s.params, nlohmann::json::parse(R"({"fast": 10, "slow": 30, "quantity": 100})"));
  EXPECT_EQ(s.initial_cash, 100'000);
  EXPECT_EQ(s.on_error, OnStrategyError::stop_run);
  EXPECT_EQ(s.pointer, "/strategies/0");
  // The strategy's risk overrides max_position only; the rest is the run's.
  EXPECT_EQ(s.risk.max_position, 100);
  EXPECT_EQ(s.risk.max_order_quantity, 1000);
  EXPECT_EQ(s.risk.max_gross_notional, 2'000'000);
  EXPECT_EQ(s.risk.max_open_orders, 20);
  EXPECT_EQ(s.risk.price_collar_pct, 5);
  EXPECT_EQ(s.risk.max_drawdown_pct, 20);

  EXPECT_EQ(c.output_dir, d / "out" / "demo");
}

TEST_F(ConfigValid, DefaultsForOptionalKeys) {
  OJson doc = OJson::parse(R"({
    "run": {"name": "r"},
    "instruments": [{"id": "X", "kind": "equity"},
                    {"id": "X-P", "kind": "option", "underlying": "X", "strike": 10,
                     "expiry": "2024-06-21", "right": "put"}],
    "data": [{"path": "data/quotes.csv", "format": "quotes"}],
    "strategies": [{"name": "s", "factory": "f", "instruments": ["X"]}],
    "output": {"dir": "/abs/out/../out2"}
  })");
  ConfigResult result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const RunConfig& c = *result.config;
  EXPECT_EQ(c.seed, 0u);
  EXPECT_FALSE(c.start_ns.has_value());
  EXPECT_FALSE(c.end_ns.has_value());
  EXPECT_EQ(c.currency, "USD");
  EXPECT_EQ(c.initial_cash, 1'000'000);
  EXPECT_EQ(c.equity_interval_ns, 60 * kSecond);
  EXPECT_TRUE(c.plugin_paths.empty());
  const Instrument& put = c.instruments.get(1);
  EXPECT_EQ(put.right, KEEL_RIGHT_PUT);
  EXPECT_EQ(put.exercise, KEEL_EXERCISE_EUROPEAN);
  EXPECT_EQ(put.multiplier, 1);  // no silent 100 for options
  EXPECT_EQ(c.venue.order_latency_ns, 0);
  EXPECT_EQ(c.venue.maker_fee_bps, 0);
  EXPECT_TRUE(c.venue.fill_on_trades);
  EXPECT_FALSE(c.risk.max_position.has_value());
  EXPECT_FALSE(c.risk.max_open_orders.has_value());
  EXPECT_TRUE(c.pricing_models.empty());
  const StrategySpec& s = c.strategies[0];
  EXPECT_EQ(s.params, nlohmann::json::object());
  EXPECT_FALSE(s.initial_cash.has_value());
  EXPECT_EQ(s.on_error, OnStrategyError::stop_run);
  EXPECT_FALSE(s.risk.max_position.has_value());
  EXPECT_EQ(c.output_dir, std::filesystem::path("/abs/out2"));
}

// "depth" is a kind of its own; "binary" (after it in the list) still means binary.
TEST_F(ConfigValid, DepthAndBinaryDataFormats) {
  OJson doc = OJson::parse(R"({
    "run": {"name": "r"},
    "instruments": [{"id": "X", "kind": "equity"}],
    "data": [{"path": "data/quotes.csv", "format": "depth"},
             {"path": "data/quotes.csv", "format": "binary"}],
    "strategies": [{"name": "s", "factory": "f", "instruments": ["X"]}],
    "output": {"dir": "out"}
  })");
  ConfigResult result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  ASSERT_EQ(result.config->data.size(), 2u);
  EXPECT_EQ(result.config->data[0].format, DataFormat::depth);
  EXPECT_FALSE(result.config->data[0].binary);
  EXPECT_TRUE(result.config->data[1].binary);
}

TEST_F(ConfigValid, AccountIsCashByDefaultAndOverriddenKeyByKey) {
  ConfigResult result = load(full_run_file());
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.config->account.type, AccountType::cash);
  EXPECT_EQ(result.config->account.leverage, 1);
  EXPECT_EQ(result.config->strategies[0].account.type, AccountType::cash);

  OJson doc = full_run_file();
  doc["account"] = {{"type", "margin"}, {"leverage", 3}};
  OJson second = doc["strategies"][0];
  second["name"] = "second";
  doc["strategies"].push_back(second);
  doc["strategies"][0]["account"] = {{"leverage", 4}};  // margin from the run
  doc["strategies"][1]["account"] = {{"type", "cash"}};   // drops the run's leverage
  result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const RunConfig& c = *result.config;
  EXPECT_EQ(c.account.type, AccountType::margin);
  EXPECT_EQ(c.account.leverage, 3);
  EXPECT_EQ(c.strategies[0].account.type, AccountType::margin);
  EXPECT_EQ(c.strategies[0].account.leverage, 4);
  EXPECT_EQ(c.strategies[1].account.type, AccountType::cash);
  EXPECT_EQ(c.strategies[1].account.leverage, 1);

  // A strategy of a cash run may trade on margin (leverage 1 unless it says).
  doc = full_run_file();
  doc["strategies"][0]["account"] = {{"type", "margin"}};
  result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.config->account.type, AccountType::cash);
  EXPECT_EQ(result.config->strategies[0].account.type, AccountType::margin);
  EXPECT_EQ(result.config->strategies[0].account.leverage, 1);
}

TEST_F(ConfigValid, IntegerTimesDurationsAndDisable) {
  OJson doc = full_run_file();
  doc["run"]["start"] = 1000;
  doc["run"]["end"] = 2000;
  doc["$schema"] = "../config/run.schema.json";
  doc["strategies"][0]["on_error"] = "disable";
  doc["venue"]["order_latency_ns"] = 1e6;  // an integral float counts
  const std::pair<OJson, int64_t> intervals[] = {{"500ms", 500'000'000}, {"10s", 10 * kSecond},
                                                 {"1h", 3600 * kSecond}, {"1d", 86400 * kSecond},
                                                 {"250us", 250'000},     {"7ns", 7},
                                                 {OJson(12345), 12345},  {"90m", 5400 * kSecond}};
  for (const auto& [interval, ns] : intervals) {
    doc["run"]["equity_interval"] = interval;
    ConfigResult result = load(doc);
    ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
    EXPECT_EQ(result.config->equity_interval_ns, ns) << interval.dump();
    EXPECT_EQ(result.config->start_ns, 1000);
    EXPECT_EQ(result.config->end_ns, 2000);
    EXPECT_EQ(result.config->venue.order_latency_ns, 1'000'000);
    EXPECT_EQ(result.config->strategies[0].on_error, OnStrategyError::disable_strategy);
  }
}

TEST_F(ConfigValid, UnderlyingMayBeListedAfterItsOption) {
  OJson doc = full_run_file();
  OJson option = doc["instruments"][2];
  doc["instruments"].erase(2);
  doc["instruments"].insert(doc["instruments"].begin(), option);
  ConfigResult result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.config->instruments.get(0).symbol, "AAPL-C190");
  EXPECT_EQ(result.config->instruments.get(0).underlying, 1u);
}

TEST_F(ConfigValid, ModelsKeepFileOrderAndParams) {
  OJson doc = full_run_file();
  doc["pricing_models"] = OJson::parse(
      R"({"zeta": {"factory": "keel.black_scholes", "params": {"rate": 0.05}},
          "a/b": {"factory": "other.model"}})");
  ConfigResult result = load(doc);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  const auto& models = result.config->pricing_models;
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name, "zeta");
  EXPECT_EQ(models[0].params, nlohmann::json::parse(R"({"rate": 0.05})"));
  EXPECT_EQ(models[1].name, "a/b");
  EXPECT_EQ(models[1].pointer, "/pricing_models/a~1b");
}

TEST_F(ConfigValid, RelativeRunFilePathResolvesAgainstItsFolder) {
  dir_.write("sub/run.json", [] {
    OJson doc = full_run_file();
    doc["data"] = OJson::array({{{"path", "../data/quotes.csv"}, {"format", "quotes"}}});
    return doc.dump();
  }());
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  ConfigResult result = load_run_config("sub/run.json");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(errors(result));
  EXPECT_EQ(result.config->file, std::filesystem::path("sub/run.json"));
  EXPECT_EQ(result.config->data[0].path, dir_.path() / "data" / "quotes.csv");
  EXPECT_EQ(result.config->output_dir, dir_.path() / "sub" / "out" / "demo");
}

// Every run file in config/examples is valid where it stands, with the
// bundled data in examples/data. (Sweep files, sweep_*.json, are checked by
// tests/python/library/test_sweep.py.)
TEST(ConfigExamples, EveryExampleIsValidInPlace) {
  const std::filesystem::path folder = std::filesystem::path(KEEL_SOURCE_DIR) / "config/examples";
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".json") continue;
    if (entry.path().filename().string().starts_with("sweep_")) continue;
    ++count;
    ConfigResult result = load_run_config(entry.path());
    std::vector<std::string> messages;
    for (const ConfigError& e : result.errors)
      messages.push_back(format_config_error(entry.path(), e));
    EXPECT_TRUE(result.config.has_value()) << ::testing::PrintToString(messages);
  }
  EXPECT_GE(count, 1u);
}

// minimal.json's data path is relative to its own folder: checked in a copy
// of the repository layout.
TEST(ConfigExamples, MinimalResolvesItsDataAgainstItsFolder) {
  std::ifstream in(std::filesystem::path(KEEL_SOURCE_DIR) / "config/examples/minimal.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  TempDir dir;
  dir.write("examples/data/demo_bars.csv", "ts,instrument,open,high,low,close,volume\n");
  ConfigResult result =
      parse_run_config(text.str(), dir.path() / "config" / "examples" / "minimal.json");
  std::vector<std::string> messages;
  for (const ConfigError& e : result.errors) messages.push_back(e.pointer + ": " + e.message);
  ASSERT_TRUE(result.config.has_value()) << ::testing::PrintToString(messages);
  EXPECT_EQ(result.config->data.at(0).path, dir.path() / "examples" / "data" / "demo_bars.csv");
  EXPECT_EQ(result.config->output_dir, dir.path() / "out" / "minimal");
}

}  // namespace
}  // namespace keel::test
