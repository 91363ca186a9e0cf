// `keel run`, `keel validate` and `keel gen-data` end to end, as a user
// runs them: the built binary on the bundled examples and on generated
// data, checked through the files it writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSourceDir = KEEL_SOURCE_DIR;
const std::vector<std::string> kReportFiles = {"summary.json", "fills.csv", "orders.csv",
                                               "equity.csv", "manifest.json"};

std::string example(const std::string& name) { return kSourceDir + "/config/examples/" + name; }

nlohmann::json read_json(const fs::path& file) {
  return nlohmann::json::parse(read_file(file.string()), nullptr, false);
}

std::vector<std::string> lines(const std::string& text) { return split(text, '\n'); }

// `sha256sum FILE`'s digest: the manifest is checked against a tool keel
// does not share code with.
std::string sha256_of(const std::string& file) {
  const KeelRun r = run_process("/usr/bin/sha256sum", {file});
  return r.out.substr(0, r.out.find(' '));
}

TEST(CliRun, TheDemoWritesEveryReportAndItsFiguresAgree) {
  TempDir out;
  const KeelRun r = run_keel({"run", example("demo.json"), "--output", out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto& name : kReportFiles) EXPECT_TRUE(fs::exists(out.path() / name)) << name;
  // The one-screen summary on stdout.
  EXPECT_THAT(r.out, HasSubstr("run demo: completed"));
  EXPECT_THAT(r.out, HasSubstr("trend_msft"));

  const nlohmann::json summary = read_json(out.path() / "summary.json");
  ASSERT_TRUE(summary.is_object());
  for (const char* key : {"final_equity", "realized_pnl", "unrealized_pnl", "total_fees",
                          "num_orders", "num_fills", "max_drawdown", "sharpe", "events"}) {
    EXPECT_TRUE(summary.contains(key) && summary[key].is_number()) << key;
  }
  EXPECT_EQ(summary.value("status", ""), "completed");
  EXPECT_EQ(summary.value("events", 0), 3900);  // the rows of demo_bars.csv

  const std::vector<std::string> fills = lines(read_file((out.path() / "fills.csv").string()));
  ASSERT_GE(fills.size(), 2u);
  EXPECT_EQ(fills[0], "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity");
  EXPECT_EQ(summary.value("num_fills", 0), static_cast<int>(fills.size()) - 1);
  double fees = 0;
  for (size_t i = 1; i < fills.size(); ++i) {
    const std::vector<std::string> f = split(fills[i], ',');
    ASSERT_EQ(f.size(), 9u) << fills[i];
    EXPECT_THAT(f[1], ::testing::AnyOf("trend_aapl", "trend_msft")) << fills[i];
    EXPECT_THAT(f[4], ::testing::AnyOf("buy", "sell")) << fills[i];
    fees += std::stod(f[7]);
  }
  EXPECT_NEAR(summary.value("total_fees", 0.0), fees, 1e-6);

  const nlohmann::json manifest = read_json(out.path() / "manifest.json");
  ASSERT_TRUE(manifest.is_object()) << read_file((out.path() / "manifest.json").string());
  const std::string dump = manifest.dump();
  EXPECT_THAT(dump, HasSubstr(sha256_of(example("demo.json"))));
  EXPECT_THAT(dump, HasSubstr(sha256_of(kSourceDir + "/examples/data/demo_bars.csv")));
  EXPECT_THAT(dump, HasSubstr(sha256_of(std::string(KEEL_TEST_PLUGIN_DIR) + "/keel_sma_cross.so")));
  EXPECT_THAT(dump, HasSubstr("keel.sma_cross"));
  EXPECT_THAT(dump, HasSubstr("20240102"));  // the seed
}

TEST(CliRun, TheSameRunTwiceGivesByteIdenticalFiles) {
  TempDir a, b;
  for (const TempDir* dir : {&a, &b}) {
    const KeelRun r =
        run_keel({"run", example("market_making.json"), "--output", dir->path().string(), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "") << "--quiet prints nothing";
  }
  EXPECT_GT(lines(read_file((a.path() / "fills.csv").string())).size(), 10u);
  for (const auto& name : kReportFiles) {
    EXPECT_EQ(read_file((a.path() / name).string()), read_file((b.path() / name).string()))
        << name << " differs between two runs of the same inputs";
  }
}

TEST(CliRun, GeneratedDataRunsThroughTheMarketMaker) {
  TempDir dir;
  const KeelRun gen = run_keel({"gen-data", "--out", dir.file("data"), "--instruments", "XYZ",
                                "--days", "1", "--kind", "quotes", "--seed", "11",
                                "--quotes-per-day", "5000", "--price", "50"});
  ASSERT_EQ(gen.exit_code, 0) << gen;
  ASSERT_TRUE(fs::exists(dir.path() / "data" / "XYZ_quotes.csv")) << gen;
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "generated", "seed": 1},
    "instruments": [{"id": "XYZ", "kind": "equity"}],
    "data": [{"path": "data/XYZ_quotes.csv", "format": "quotes"}],
    "venue": {"order_latency_ns": 100000},
    "strategies": [{"name": "mm", "factory": "keel.market_maker", "instruments": ["XYZ"],
                    "params": {"spread_bps": 4, "quantity": 10, "max_position": 50}}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"run", run_file, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const nlohmann::json summary = read_json(dir.path() / "out" / "summary.json");
  EXPECT_EQ(summary.value("status", ""), "completed");
  const size_t rows = lines(read_file(dir.file("data/XYZ_quotes.csv"))).size() - 1;
  EXPECT_GT(rows, 4000u);
  EXPECT_EQ(summary.value("events", 0), static_cast<int>(rows));
  EXPECT_GT(summary.value("num_fills", 0), 0);
}

// keel.market_maker's depth mode, by hand: bid 50.00 x30 is a short queue
// (<= join_queue_max 100), so the bid joins it at 50.00 behind 30; ask 50.05
// x300 is long, so the ask improves it by a tick to 50.04 (first in a new
// level). Then the issue's queue example through the whole engine: trades
// at 50.00 of 20 (30 ahead -> 10, no fill) and 15 (10 -> -5: our 5 fill, as
// maker at 50.00, at the second trade).
TEST(CliRun, TheDepthMarketMakerJoinsOrImprovesByQueueAndFillsByItsPlace) {
  TempDir dir;
  dir.write("depth.csv",
            "ts,instrument,side,price,size\n"
            "1000,XYZ,bid,50.00,30\n"
            "1000,XYZ,bid,49.99,500\n"
            "1000,XYZ,ask,50.05,300\n"
            "1000,XYZ,ask,50.06,500\n");
  dir.write("trades.csv",
            "ts,instrument,price,size\n"
            "5000,XYZ,50.00,20\n"
            "6000,XYZ,50.00,15\n");
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "depth_mm"},
    "instruments": [{"id": "XYZ", "kind": "equity", "tick_size": 0.01, "lot_size": 1}],
    "data": [{"path": "depth.csv", "format": "depth"}, {"path": "trades.csv", "format": "trades"}],
    "venue": {"queue_model": "risk_averse"},
    "account": {"type": "margin"},
    "strategies": [{"name": "mm", "factory": "keel.market_maker", "instruments": ["XYZ"],
                    "params": {"mode": "depth", "quantity": 5, "max_position": 50,
                               "join_queue_max": 100}}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"run", run_file, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> orders = lines(read_file(dir.file("out/orders.csv")));
  ASSERT_GE(orders.size(), 3u) << read_file(dir.file("out/orders.csv"));
  EXPECT_THAT(orders[1], StartsWith("1,mm,XYZ,buy,limit,gtc,5,50,"));
  EXPECT_THAT(orders[2], StartsWith("2,mm,XYZ,sell,limit,gtc,5,50.04,"));
  const std::vector<std::string> fills = lines(read_file(dir.file("out/fills.csv")));
  ASSERT_EQ(fills.size(), 2u) << read_file(dir.file("out/fills.csv"));
  EXPECT_EQ(fills[1], "1970-01-01T00:00:00.000006Z,mm,XYZ,1,buy,5,50,0,maker");
}

// Feed latency from the depth data's exchange times, through a whole run:
// the book reaches us 500 ns after the venue made it (exch_ts = ts - 500).
// The market maker bids 5 @ 50.00 at ts 1000; with order latency 100 the
// bid reaches the venue at 1100, or with the feed lag at 1000 + 100 + 500 =
// 1600. A trade of 40 at 50.00 is seen at 1400: it fills the bid (30 ahead,
// 10 left over) only when the bid was already there.
TEST(CliRun, FeedLatencyFromExchangeTimesDelaysTheOrderPastATrade) {
  TempDir dir;
  dir.write("depth.csv",
            "ts,instrument,side,price,size,exch_ts\n"
            "1000,XYZ,bid,50.00,30,500\n"
            "1000,XYZ,ask,50.05,30,500\n");
  dir.write("trades.csv",
            "ts,instrument,price,size\n"
            "1400,XYZ,50.00,40\n");
  const auto run = [&](const std::string& name, const char* feed) {
    const std::string run_file = dir.write(name + ".json", std::string(R"({
      "run": {"name": "feed"},
      "instruments": [{"id": "XYZ", "kind": "equity", "tick_size": 0.01, "lot_size": 1}],
      "data": [{"path": "depth.csv", "format": "depth"}, {"path": "trades.csv", "format": "trades"}],
      "venue": {"order_latency_ns": 100)") + feed + R"(},
      "account": {"type": "margin"},
      "strategies": [{"name": "mm", "factory": "keel.market_maker", "instruments": ["XYZ"],
                      "params": {"mode": "depth", "quantity": 5, "max_position": 50,
                                 "join_queue_max": 100}}],
      "output": {"dir": ")" + name + R"("}
    })");
    const KeelRun r = run_keel({"run", run_file, "-q"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return lines(read_file(dir.file(name + "/fills.csv")));
  };
  const std::vector<std::string> without = run("no_feed", "");
  ASSERT_EQ(without.size(), 2u);
  EXPECT_EQ(without[1], "1970-01-01T00:00:00.000001400Z,mm,XYZ,1,buy,5,50,0,maker");
  const std::vector<std::string> with =
      run("feed", R"(, "latency": {"feed": "exchange_timestamps"})");
  EXPECT_EQ(with.size(), 1u) << "the bid reached the venue after the trade: no fill";
}

TEST(CliRun, TheDepthExampleRunsTheSameTwiceWithMakerAndTakerFills) {
  TempDir a, b;
  for (const TempDir* dir : {&a, &b}) {
    const KeelRun r = run_keel(
        {"run", example("depth_market_making.json"), "--output", dir->path().string(), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  const std::string fills = read_file((a.path() / "fills.csv").string());
  EXPECT_THAT(fills, HasSubstr(",maker\n"));
  EXPECT_THAT(fills, HasSubstr(",taker\n"));
  for (const auto& name : kReportFiles) {
    EXPECT_EQ(read_file((a.path() / name).string()), read_file((b.path() / name).string()))
        << name << " differs between two runs of the same inputs (seeded latency)";
  }
}

TEST(CliRun, ACorruptRowStopsTheRunWithItsPositionAndKeepsTheReport) {
  TempDir dir;
  dir.write("quotes.csv",
            "ts,instrument,bid,bid_size,ask,ask_size\n"
            "1000,XYZ,9.9,100,10.1,100\n"
            "2000,XYZ,9.9,100,ten,100\n");
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "corrupt"},
    "instruments": [{"id": "XYZ", "kind": "equity"}],
    "data": [{"path": "quotes.csv", "format": "quotes"}],
    "strategies": [{"name": "mm", "factory": "keel.market_maker", "instruments": ["XYZ"],
                    "params": {"spread_bps": 4, "quantity": 10, "max_position": 50}}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"run", run_file, "-q"});
  EXPECT_EQ(r.exit_code, 2) << r;
  const std::string where = dir.file("quotes.csv") + ":3:";
  EXPECT_THAT(r.err, HasSubstr(where)) << r;
  EXPECT_THAT(r.err, HasSubstr("ask")) << r;
  const nlohmann::json summary = read_json(dir.path() / "out" / "summary.json");
  ASSERT_TRUE(summary.is_object()) << "the report up to the bad row is still written";
  EXPECT_THAT(summary.value("status", ""), StartsWith("failed"));
  EXPECT_THAT(summary.value("status", ""), HasSubstr(where));
  EXPECT_EQ(summary.value("events", 0), 1);
}

TEST(CliValidate, AGoodFileIsAcceptedWithoutRunning) {
  EXPECT_EQ(run_keel({"validate", example("demo.json")}).exit_code, 0);
  TempDir dir;
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "ok"},
    "instruments": [{"id": "AAPL", "kind": "equity"}],
    "data": [{"path": ")" + kSourceDir + R"(/examples/data/demo_bars.csv", "format": "bars"}],
    "strategies": [{"name": "t", "factory": "keel.sma_cross", "instruments": ["AAPL"],
                    "params": {"fast": 2, "slow": 5, "quantity": 1}}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"validate", run_file});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(dir.path() / "out")) << "validate must not run the backtest";
}

TEST(CliValidate, EveryErrorIsReportedWithFileAndPointer) {
  TempDir dir;
  dir.write("bars.csv", "ts,instrument,open,high,low,close,volume\n");
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "bad", "sed": 1},
    "instruments": [{"id": "AAPL", "kind": "equity"}],
    "data": [{"path": "bars.csv", "format": "bar"}],
    "strategies": [{"name": "t", "factory": "keel.sma_cross", "instruments": ["APPL"],
                    "params": {"fast": 2, "slow": 5, "quantity": 1}}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"validate", run_file});
  EXPECT_EQ(r.exit_code, 2) << r;
  const std::vector<std::string> errors = lines(r.err);
  ASSERT_EQ(errors.size(), 3u) << r;
  EXPECT_THAT(errors[0], StartsWith(run_file + ": /run/sed: unknown key 'sed'; did you mean 'seed'?"));
  EXPECT_THAT(errors[1], StartsWith(run_file + ": /data/0/format: "));
  EXPECT_THAT(errors[1], HasSubstr("got \"bar\"; did you mean 'bars'?")) << errors[1];
  EXPECT_THAT(errors[2], StartsWith(run_file + ": /strategies/0/instruments/0: unknown instrument "
                                               "'APPL'; did you mean 'AAPL'?"));
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(CliValidate, MalformedJsonGivesLineAndColumn) {
  TempDir dir;
  const std::string run_file = dir.write("run.json", "{\n  \"run\": {\"name\": \"x\",}\n}\n");
  const KeelRun r = run_keel({"validate", run_file});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, StartsWith(run_file + ": invalid JSON at line 2, column ")) << r;
}

}  // namespace
}  // namespace keel::cli_test
