// RunReportWriter: the exact bytes of every report file, quoting, determinism,
// failed runs, errors that name the path, the running manifest, the earlier
// report moved aside, and writes that fail (a file size limit standing in
// for a full disk).
#include "engine/report/run_report.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "report_test_support.hpp"

namespace keel {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1704187800} * kSecond;  // 2024-01-02T09:30:00Z

const char* const kReportFiles[] = {"fills.csv",
                                    "orders.csv",
                                    "equity.csv",
                                    "summary.json",
                                    "manifest.json",
                                    "trades.csv",
                                    "equity_by_strategy.csv"};

std::vector<FillRecord> sample_fills() {
  FillRecord a;
  a.ts = kT0;
  a.strategy = "mm";
  a.instrument = "AAPL";
  a.order_id = 1;
  a.side = KEEL_SIDE_BUY;
  a.quantity = 100;
  a.price = 185.25;
  a.fee = 0.5;
  a.liquidity = KEEL_LIQUIDITY_TAKER;
  FillRecord b = a;
  b.ts = kT0 + kSecond;
  b.order_id = 2;
  b.side = KEEL_SIDE_SELL;
  b.quantity = 50;
  b.price = 185.3;
  b.fee = 0.1 + 0.2;  // 0.30000000000000004: no fixed precision may hide it
  b.liquidity = KEEL_LIQUIDITY_MAKER;
  return {a, b};
}

std::vector<EquitySample> sample_equity() {
  return {
      {kT0, 1e6, 1e6, 0, 0, 0, 0},
      {kT0 + 60 * kSecond, 981474.5, 999999.5, -0.0, -0.5, 0.5, 18525},
      {kT0 + 120 * kSecond, 1e21, 1.5e-7, 0, 0, 0, 0},
  };
}

std::vector<OrderRecord> sample_orders() {
  OrderRecord o1;  // market buy, filled
  o1.order_id = 1;
  o1.strategy = "mm";
  o1.instrument = "AAPL";
  o1.side = KEEL_SIDE_BUY;
  o1.type = KEEL_ORDER_MARKET;
  o1.time_in_force = KEEL_TIF_GTC;
  o1.quantity = 100;
  o1.client_tag = 11;
  o1.submitted_ts = kT0;
  o1.last_update_ts = kT0;
  o1.state = KEEL_ORDER_FILLED;
  o1.filled_quantity = 100;
  o1.average_fill_price = 185.25;
  o1.fees = 0.5;

  OrderRecord o2;  // limit sell, half filled then cancelled
  o2.order_id = 2;
  o2.strategy = "mm";
  o2.instrument = "AAPL";
  o2.side = KEEL_SIDE_SELL;
  o2.type = KEEL_ORDER_LIMIT;
  o2.time_in_force = KEEL_TIF_GTC;
  o2.quantity = 100;
  o2.limit_price = 185.3;
  o2.client_tag = 12;
  o2.submitted_ts = kT0;
  o2.last_update_ts = kT0 + 2 * kSecond;
  o2.state = KEEL_ORDER_CANCELED;
  o2.filled_quantity = 50;
  o2.average_fill_price = 185.3;
  o2.fees = 0.1 + 0.2;
  o2.reason = "canceled by strategy, \"end of day\"";

  OrderRecord o3;  // stop-limit, rejected by risk
  o3.order_id = 3;
  o3.strategy = "mm";
  o3.instrument = "MSFT";
  o3.side = KEEL_SIDE_BUY;
  o3.type = KEEL_ORDER_STOP_LIMIT;
  o3.time_in_force = KEEL_TIF_IOC;
  o3.quantity = 10;
  o3.limit_price = 190;
  o3.stop_price = 189.5;
  o3.submitted_ts = kT0 + 3 * kSecond;
  o3.last_update_ts = kT0 + 3 * kSecond;
  o3.state = KEEL_ORDER_REJECTED;
  o3.reason = "risk: max_position 5 exceeded";

  OrderRecord o4;  // stop, expired at the end of the run
  o4.order_id = 4;
  o4.strategy = "trend";
  o4.instrument = "MSFT";
  o4.side = KEEL_SIDE_SELL;
  o4.type = KEEL_ORDER_STOP;
  o4.time_in_force = KEEL_TIF_FOK;
  o4.quantity = 5;
  o4.stop_price = 180;
  o4.client_tag = 7;
  o4.submitted_ts = kT0 + 4 * kSecond;
  o4.last_update_ts = kT0 + 60 * kSecond;
  o4.state = KEEL_ORDER_EXPIRED;
  o4.reason = "end of run";

  return {o1, o2, o3, o4};  // in order_id order, as the engine gives them
}

RunSummary sample_summary() {
  RunSummary s;
  s.run_name = "golden";
  s.status = "completed";
  s.currency = "USD";
  s.first_event_ts = kT0;
  s.last_event_ts = kT0 + 120 * kSecond;
  s.events = 12345;
  s.initial_cash = 1e6;
  s.final_equity = 999999.5;
  s.realized_pnl = 0.25;
  s.unrealized_pnl = -0.75;
  s.total_fees = 0.8;
  s.num_orders = 4;
  s.num_fills = 2;
  s.max_drawdown = 0.125;
  s.sharpe = 1.5;
  StrategySummary mm;
  mm.name = "mm";
  mm.factory = "keel.market_maker";
  mm.status = "completed";
  mm.initial_cash = 5e5;
  mm.final_equity = 499999.5;
  mm.realized_pnl = 0.25;
  mm.unrealized_pnl = -0.75;
  mm.total_fees = 0.8;
  mm.num_orders = 3;
  mm.num_fills = 2;
  StrategySummary trend;
  trend.name = "trend";
  trend.factory = "keel.trend";
  trend.status = "stopped: no data";
  trend.initial_cash = 5e5;
  trend.final_equity = 5e5;
  trend.num_orders = 1;
  s.strategies = {mm, trend};
  return s;
}

Manifest sample_manifest() {
  Manifest m;
  m.keel_version = "0.1.0";
  m.seed = 18446744073709551615u;  // all 64 bits survive
  m.run_file = {"config/examples/mm.json",
                "1111111111111111111111111111111111111111111111111111111111111111"};
  m.data_files = {
      {"data/aapl.csv", "2222222222222222222222222222222222222222222222222222222222222222"},
      {"data/msft.csv", "3333333333333333333333333333333333333333333333333333333333333333"}};
  Manifest::PluginEntry bs;
  bs.id = "keel.black_scholes";
  bs.version = "1.0.0";
  bs.path = "lib/keel/plugins/libkeel_black_scholes.so";
  bs.sha256 = "4444444444444444444444444444444444444444444444444444444444444444";
  bs.factories = {"keel.black_scholes", "keel.black76"};
  Manifest::PluginEntry mm;
  mm.id = "acme.mm";
  mm.version = "0.3";
  mm.path = "/opt/acme/libmm.so";
  mm.sha256 = "5555555555555555555555555555555555555555555555555555555555555555";
  m.plugins = {bs, mm};
  return m;
}

// Writes the sample run into `dir`.
std::vector<TradeRecord> sample_trades() {
  // closed: long 20 @ 105, out at 112.5 after 65 s
  TradeRecord closed{"mm", "AAPL", 1, kT0, kT0 + 65 * kSecond, 20, 105, 112.5, 150, 4, 146, false};
  // open, reduced once (exit_price 4480), named with a comma
  TradeRecord reduced{"mm,2", "ES", -1, kT0 + kSecond, 0, 6, 4496.5, 4480, 6500, 6, 6494, true};
  // open, never reduced: no exit_price
  TradeRecord fresh{"mm", "MSFT", 1, kT0 + 2 * kSecond, 0, 3, 410.25, 0, -1.5, 0.25, -1.75, true};
  return {closed, reduced, fresh};
}

Status write_sample(const fs::path& dir, const RunSummary& summary) {
  auto writer = RunReportWriter::open(dir);
  if (!writer) return writer.status();
  for (const auto& f : sample_fills()) writer->fill(f);
  for (const auto& e : sample_equity()) {
    writer->equity(e);
    // two strategies' shares of it
    writer->strategy_equity({e.ts, 0, "mm", e.equity - 1000});
    writer->strategy_equity({e.ts, 1, "mm,2", 1000});
  }
  for (const auto& t : sample_trades()) writer->trade(t);
  for (const auto& o : sample_orders()) writer->order(o);
  return writer->finish(summary, sample_manifest());
}

constexpr const char* kGoldenFills =
    "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n"
    "2024-01-02T09:30:00Z,mm,AAPL,1,buy,100,185.25,0.5,taker\n"
    "2024-01-02T09:30:01Z,mm,AAPL,2,sell,50,185.3,0.30000000000000004,maker\n";

constexpr const char* kGoldenEquity =
    "ts,cash,equity,realized_pnl,unrealized_pnl,fees,gross_exposure\n"
    "2024-01-02T09:30:00Z,1000000,1000000,0,0,0,0\n"
    "2024-01-02T09:31:00Z,981474.5,999999.5,0,-0.5,0.5,18525\n"
    "2024-01-02T09:32:00Z,1e+21,1.5e-07,0,0,0,0\n";

constexpr const char* kGoldenEquityByStrategy =
    "ts,strategy,equity\n"
    "2024-01-02T09:30:00Z,mm,999000\n"
    "2024-01-02T09:30:00Z,\"mm,2\",1000\n"
    "2024-01-02T09:31:00Z,mm,998999.5\n"
    "2024-01-02T09:31:00Z,\"mm,2\",1000\n"
    "2024-01-02T09:32:00Z,mm,-999.99999985\n"
    "2024-01-02T09:32:00Z,\"mm,2\",1000\n";

constexpr const char* kGoldenTrades =
    "strategy,instrument,direction,entry_ts,exit_ts,duration_ns,quantity,entry_price,exit_price,"
    "pnl,fees,net_pnl,open\n"
    "mm,AAPL,long,2024-01-02T09:30:00Z,2024-01-02T09:31:05Z,65000000000,20,105,112.5,150,4,146,0\n"
    "\"mm,2\",ES,short,2024-01-02T09:30:01Z,,,6,4496.5,4480,6500,6,6494,1\n"
    "mm,MSFT,long,2024-01-02T09:30:02Z,,,3,410.25,,-1.5,0.25,-1.75,1\n";

constexpr const char* kGoldenOrders =
    "order_id,strategy,instrument,side,type,time_in_force,quantity,limit_price,stop_price,"
    "client_tag,submitted_ts,last_update_ts,state,filled_quantity,average_fill_price,fees,reason\n"
    "1,mm,AAPL,buy,market,gtc,100,,,11,2024-01-02T09:30:00Z,2024-01-02T09:30:00Z,filled,100,"
    "185.25,0.5,\n"
    "2,mm,AAPL,sell,limit,gtc,100,185.3,,12,2024-01-02T09:30:00Z,2024-01-02T09:30:02Z,canceled,"
    "50,185.3,0.30000000000000004,\"canceled by strategy, \"\"end of day\"\"\"\n"
    "3,mm,MSFT,buy,stop_limit,ioc,10,190,189.5,0,2024-01-02T09:30:03Z,2024-01-02T09:30:03Z,"
    "rejected,0,0,0,risk: max_position 5 exceeded\n"
    "4,trend,MSFT,sell,stop,fok,5,,180,7,2024-01-02T09:30:04Z,2024-01-02T09:31:00Z,expired,0,0,"
    "0,end of run\n";

constexpr const char* kGoldenSummary = R"({
  "run_name": "golden",
  "status": "completed",
  "currency": "USD",
  "first_event": "2024-01-02T09:30:00Z",
  "last_event": "2024-01-02T09:32:00Z",
  "first_event_ts": 1704187800000000000,
  "last_event_ts": 1704187920000000000,
  "events": 12345,
  "initial_cash": 1000000.0,
  "final_equity": 999999.5,
  "realized_pnl": 0.25,
  "unrealized_pnl": -0.75,
  "total_fees": 0.8,
  "num_orders": 4,
  "num_fills": 2,
  "max_drawdown": 0.125,
  "sharpe": 1.5,
  "strategies": [
    {
      "name": "mm",
      "factory": "keel.market_maker",
      "status": "completed",
      "initial_cash": 500000.0,
      "final_equity": 499999.5,
      "realized_pnl": 0.25,
      "unrealized_pnl": -0.75,
      "total_fees": 0.8,
      "num_orders": 3,
      "num_fills": 2
    },
    {
      "name": "trend",
      "factory": "keel.trend",
      "status": "stopped: no data",
      "initial_cash": 500000.0,
      "final_equity": 500000.0,
      "realized_pnl": 0.0,
      "unrealized_pnl": 0.0,
      "total_fees": 0.0,
      "num_orders": 1,
      "num_fills": 0
    }
  ]
}
)";

constexpr const char* kGoldenManifest = R"({
  "status": "completed",
  "keel_version": "0.1.0",
  "seed": 18446744073709551615,
  "run_file": {
    "path": "config/examples/mm.json",
    "sha256": "1111111111111111111111111111111111111111111111111111111111111111"
  },
  "data_files": [
    {
      "path": "data/aapl.csv",
      "sha256": "2222222222222222222222222222222222222222222222222222222222222222"
    },
    {
      "path": "data/msft.csv",
      "sha256": "3333333333333333333333333333333333333333333333333333333333333333"
    }
  ],
  "plugins": [
    {
      "id": "keel.black_scholes",
      "version": "1.0.0",
      "path": "lib/keel/plugins/libkeel_black_scholes.so",
      "sha256": "4444444444444444444444444444444444444444444444444444444444444444",
      "factories": [
        "keel.black_scholes",
        "keel.black76"
      ]
    },
    {
      "id": "acme.mm",
      "version": "0.3",
      "path": "/opt/acme/libmm.so",
      "sha256": "5555555555555555555555555555555555555555555555555555555555555555",
      "factories": []
    }
  ]
}
)";

TEST(ReportRunReport, WritesExactBytes) {
  test::TempDir tmp("golden");
  const fs::path dir = tmp.path() / "out" / "nested";  // created with its parents
  Status s = write_sample(dir, sample_summary());
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(test::read_file(dir / "fills.csv"), kGoldenFills);
  EXPECT_EQ(test::read_file(dir / "equity.csv"), kGoldenEquity);
  EXPECT_EQ(test::read_file(dir / "orders.csv"), kGoldenOrders);
  EXPECT_EQ(test::read_file(dir / "equity_by_strategy.csv"), kGoldenEquityByStrategy);
  EXPECT_EQ(test::read_file(dir / "trades.csv"), kGoldenTrades);
  EXPECT_EQ(test::read_file(dir / "summary.json"), kGoldenSummary);
  EXPECT_EQ(test::read_file(dir / "manifest.json"), kGoldenManifest);
  // Nothing else is left behind.
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
    ++entries;
  }
  EXPECT_EQ(entries, 7u);
}

TEST(ReportRunReport, CsvQuotesTextWithCommasQuotesOrLineBreaks) {
  EXPECT_EQ(csv_escape("end of run"), "end of run");
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"no\""), "\"say \"\"no\"\"\"");
  EXPECT_EQ(csv_escape("\""), "\"\"\"\"");
  EXPECT_EQ(csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_escape("cr\r"), "\"cr\r\"");
}

TEST(ReportRunReport, NumbersAreShortestRoundTrip) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(100), "100");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_number(-185.25), "-185.25");
  EXPECT_EQ(format_number(1e6), "1000000");
  EXPECT_EQ(format_number(1e20), "100000000000000000000");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(0.000001), "0.000001");
  EXPECT_EQ(format_number(1.5e-7), "1.5e-07");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_number(123456789.125), "123456789.125");
  for (double v : {1.0 / 3, 2.0 / 3 * 1e-300, 6.02214076e23, 185.30000000000001}) {
    EXPECT_EQ(std::stod(format_number(v)), v) << format_number(v);
  }
}

// The fast path for short decimals (prices, quantities) must write exactly
// what std::to_chars's shortest form writes, so it is checked against it.
std::string to_chars_reference(double value) {
  if (value == 0) value = 0;
  const double magnitude = std::fabs(value);
  const bool fixed = value == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value,
                                 fixed ? std::chars_format::fixed : std::chars_format::scientific);
  return std::string(buf, end);
}

TEST(ReportRunReport, ShortDecimalsAreWrittenAsToCharsWritesThem) {
  std::mt19937_64 rng(7);
  std::vector<double> values = {1e-6,
                                9.99999e-7,
                                0.5,
                                999999999.999999,
                                1e9,
                                1e9 - 0.5,
                                123456789.000001,
                                0.0000015,
                                1.0000001,
                                32.19999999999999,
                                0.16100000000000003,
                                4503599627370497.0};
  std::uniform_int_distribution<int64_t> ticks(-5'000'000, 5'000'000);
  std::uniform_int_distribution<int> decimals(0, 8);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 200'000; ++i) {
    // Prices on ticks of 10^-d, products and sums of them (fees, notionals),
    // and doubles with every bit random in scale.
    const double tick = std::pow(10.0, -decimals(rng));
    const double price = static_cast<double>(ticks(rng)) * tick;
    values.push_back(price);
    values.push_back(price * 0.0005 * 100);
    values.push_back(price + 0.1);
    values.push_back(unit(rng) * std::pow(10.0, decimals(rng) - 4));
    values.push_back(unit(rng) * std::pow(10.0, 2 * decimals(rng)));  // up to 1e16
    values.push_back(std::round(unit(rng) * 1e12) / 1000);            // large, with 3 decimals
  }
  for (double v : values) {
    ASSERT_EQ(format_number(v), to_chars_reference(v)) << std::hexfloat << v;
  }
}

TEST(ReportRunReport, SameInputsGiveByteIdenticalFiles) {
  test::TempDir tmp("twice");
  ASSERT_TRUE(write_sample(tmp.path() / "a", sample_summary()));
  ASSERT_TRUE(write_sample(tmp.path() / "b", sample_summary()));
  for (const char* name : kReportFiles) {
    const std::string a = test::read_file(tmp.path() / "a" / name);
    EXPECT_FALSE(a.empty()) << name;
    EXPECT_EQ(a, test::read_file(tmp.path() / "b" / name)) << name;
  }
  // Rewriting into the same folder replaces the files, with the same bytes.
  const std::string before = test::read_file(tmp.path() / "a" / "summary.json");
  ASSERT_TRUE(write_sample(tmp.path() / "a", sample_summary()));
  EXPECT_EQ(test::read_file(tmp.path() / "a" / "summary.json"), before);
}

TEST(ReportRunReport, TheRunWritesUnderFinalNamesWithAManifestThatSaysRunning) {
  test::TempDir tmp("running");
  const fs::path dir = tmp.path() / "out";
  {
    auto writer = RunReportWriter::open(dir, sample_manifest());
    ASSERT_TRUE(writer) << writer.status().message();
    // From the start: the manifest says the run is under way, and every CSV
    // file has its header on disk.
    std::string running = kGoldenManifest;
    running.replace(running.find("completed"), 9, "running");
    EXPECT_EQ(test::read_file(dir / "manifest.json"), running);
    EXPECT_EQ(test::read_file(dir / "fills.csv"),
              "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n");
    EXPECT_FALSE(fs::exists(dir / "summary.json"));
    for (const auto& f : sample_fills()) writer->fill(f);
    // Destroyed without finish(): the run did not end.
  }
  EXPECT_EQ(test::read_file(dir / "fills.csv"), kGoldenFills);
  EXPECT_NE(test::read_file(dir / "manifest.json").find("\"status\": \"running\""),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "summary.json"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

TEST(ReportRunReport, RowsReachTheDiskWithinASecondWithoutFinish) {
  test::TempDir tmp("flush");
  auto writer = RunReportWriter::open(tmp.path());
  ASSERT_TRUE(writer) << writer.status().message();
  writer->fill(sample_fills()[0]);
  // Over a second later, the progress tick's call writes the row. (The
  // sleep is what makes the flush due; nothing here times anything.)
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  writer->flush_if_due();
  EXPECT_EQ(test::read_file(tmp.path() / "fills.csv"),
            "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n"
            "2024-01-02T09:30:00Z,mm,AAPL,1,buy,100,185.25,0.5,taker\n");
}

// ---- a folder that holds an earlier report ------------------------------------------------

void write_earlier_report(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* name : kReportFiles)
    test::write_file(dir / name, std::string("earlier ") + name);
  test::write_file(dir / "orders.csv.partial", "an older keel's partial file");
}

TEST(ReportRunReport, AnEarlierReportMovesIntoPreviousAndOtherFilesStay) {
  test::TempDir tmp("previous");
  const fs::path dir = tmp.path() / "out";
  write_earlier_report(dir);
  test::write_file(dir / "notes.txt", "the user's own file");
  fs::create_directories(dir / "charts");
  test::write_file(dir / "charts" / "fills.csv", "a user's file that has a report's name");

  auto writer = RunReportWriter::open(dir);
  ASSERT_TRUE(writer) << writer.status().message();
  EXPECT_TRUE(writer->moved_previous_report());
  for (const char* name : kReportFiles) {
    EXPECT_EQ(test::read_file(dir / "previous" / name), std::string("earlier ") + name);
  }
  EXPECT_EQ(test::read_file(dir / "previous" / "orders.csv.partial"),
            "an older keel's partial file");
  EXPECT_FALSE(fs::exists(dir / "orders.csv.partial"));
  EXPECT_EQ(test::read_file(dir / "notes.txt"), "the user's own file");
  EXPECT_EQ(test::read_file(dir / "charts" / "fills.csv"),
            "a user's file that has a report's name");

  // A failed run keeps the earlier report aside...
  RunSummary failed = sample_summary();
  failed.status = "failed: a strategy stopped";
  ASSERT_TRUE(writer->finish(failed, sample_manifest()));
  EXPECT_TRUE(fs::exists(dir / "previous" / "summary.json"));

  // ...and the next run replaces it with the failed one; a completed run
  // then removes previous/.
  ASSERT_TRUE(write_sample(dir, sample_summary()));
  EXPECT_FALSE(fs::exists(dir / "previous"));
  EXPECT_EQ(test::read_file(dir / "summary.json"), kGoldenSummary);
  EXPECT_EQ(test::read_file(dir / "notes.txt"), "the user's own file");
}

TEST(ReportRunReport, AnOlderPreviousReportIsReplacedButNotTheUsersFilesInIt) {
  test::TempDir tmp("older");
  const fs::path dir = tmp.path() / "out";
  write_earlier_report(dir);
  fs::create_directories(dir / "previous");
  test::write_file(dir / "previous" / "equity.csv", "a much older run");
  test::write_file(dir / "previous" / "fills.csv.tmp", "a much older run's cut-short write");
  test::write_file(dir / "previous" / "mine.txt", "the user's");

  auto writer = RunReportWriter::open(dir);
  ASSERT_TRUE(writer) << writer.status().message();
  EXPECT_EQ(test::read_file(dir / "previous" / "equity.csv"), "earlier equity.csv");
  EXPECT_FALSE(fs::exists(dir / "previous" / "fills.csv.tmp"));
  EXPECT_EQ(test::read_file(dir / "previous" / "mine.txt"), "the user's");
  ASSERT_TRUE(writer->finish(sample_summary(), sample_manifest()));
  // Completed: keel's files go from previous/, which stays for the user's.
  EXPECT_FALSE(fs::exists(dir / "previous" / "equity.csv"));
  EXPECT_EQ(test::read_file(dir / "previous" / "mine.txt"), "the user's");
}

TEST(ReportRunReport, APreviousThatIsAFileIsAnErrorNamingIt) {
  test::TempDir tmp("previous-file");
  const fs::path dir = tmp.path() / "out";
  write_earlier_report(dir);
  test::write_file(dir / "previous", "not keel's");
  auto writer = RunReportWriter::open(dir);
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.status().message().find((dir / "previous").string() + ": it is a file"),
            std::string::npos)
      << writer.status().message();
  EXPECT_EQ(test::read_file(dir / "summary.json"), "earlier summary.json") << "left as it was";
}

// ---- writes that fail --------------------------------------------------------------------

// While it lives, no file of this process can grow past `bytes`: a write
// past it fails with EFBIG (SIGXFSZ ignored), as one on a full disk fails
// with ENOSPC. The soft limit is lowered and put back; no privilege needed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &saved_action_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    sigaction(SIGXFSZ, &saved_action_, nullptr);
  }

 private:
  rlimit saved_{};
  struct sigaction saved_action_ {};
};

// Whole rows: the text ends in a newline and every line has `fields` cells.
void expect_whole_rows(const std::string& text, size_t fields) {
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "ends inside a row";
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string row = text.substr(start, end - start);
    EXPECT_EQ(static_cast<size_t>(std::count(row.begin(), row.end(), ',')) + 1, fields) << row;
    start = end + 1;
  }
}

TEST(ReportRunReport, AFailedWriteLeavesWholeRowsAndTheRunFailedNamingTheFile) {
  test::TempDir tmp("full");
  const fs::path dir = tmp.path() / "out";
  auto writer = RunReportWriter::open(dir, sample_manifest());
  ASSERT_TRUE(writer) << writer.status().message();
  {
    // The JSON files fit; 3000 fills (~170 KB) do not: the first full
    // buffer (64 KB) is written, the second write fails part way.
    constexpr rlim_t kLimit = 100'000;
    FileSizeLimit limit(kLimit);
    FillRecord fill = sample_fills()[0];
    for (int i = 0; i < 3000; ++i) {
      fill.order_id = static_cast<uint64_t>(i);
      writer->fill(fill);
    }
    Status s = writer->finish(sample_summary(), sample_manifest());
    ASSERT_FALSE(s);
    const std::string fills = (dir / "fills.csv").string();
    EXPECT_EQ(s.message().rfind("cannot write " + fills + ": File too large", 0), 0u)
        << s.message();
    EXPECT_NE(s.message().find("ulimit -f"), std::string::npos) << s.message();
    EXPECT_LE(fs::file_size(fills), kLimit);
    EXPECT_GT(fs::file_size(fills), 60'000u) << "the rows written before the failure stay";
  }
  expect_whole_rows(test::read_file(dir / "fills.csv"), 9);
  // The run is reported failed, with the reason, in both JSON files.
  const std::string summary = test::read_file(dir / "summary.json");
  EXPECT_NE(summary.find("\"status\": \"failed: cannot write " + (dir / "fills.csv").string()),
            std::string::npos)
      << summary;
  const std::string manifest = test::read_file(dir / "manifest.json");
  EXPECT_NE(manifest.find("\"status\": \"failed: cannot write"), std::string::npos) << manifest;
  EXPECT_FALSE(fs::exists(dir / "summary.json.tmp"));
  EXPECT_FALSE(fs::exists(dir / "manifest.json.tmp"));
}

TEST(ReportRunReport, AManifestThatCannotBeWrittenKeepsSayingRunning) {
  test::TempDir tmp("full-manifest");
  const fs::path dir = tmp.path() / "out";
  auto writer = RunReportWriter::open(dir, sample_manifest());
  ASSERT_TRUE(writer) << writer.status().message();
  const std::string running = test::read_file(dir / "manifest.json");
  {
    FileSizeLimit limit(200);  // smaller than either JSON file
    Status s = writer->finish(sample_summary(), sample_manifest());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.message().rfind("cannot write " + (dir / "summary.json").string(), 0), 0u)
        << s.message();
  }
  EXPECT_EQ(test::read_file(dir / "manifest.json"), running) << "never torn, never emptied";
  EXPECT_FALSE(fs::exists(dir / "summary.json")) << "no summary rather than a cut one";
  EXPECT_FALSE(fs::exists(dir / "summary.json.tmp"));
  EXPECT_FALSE(fs::exists(dir / "manifest.json.tmp"));
}

TEST(ReportRunReport, FailedRunStillWritesEveryFile) {
  test::TempDir tmp("failed");
  const fs::path dir = tmp.path() / "out";
  auto writer = RunReportWriter::open(dir);
  ASSERT_TRUE(writer) << writer.status().message();
  writer->fill(sample_fills()[0]);
  writer->equity(sample_equity()[0]);
  RunSummary summary = sample_summary();
  summary.status = "failed: plugin acme.mm faulted in on_quote";
  summary.num_fills = 1;
  writer->order(sample_orders()[1]);
  Status s = writer->finish(summary, sample_manifest());
  ASSERT_TRUE(s) << s.message();
  for (const char* name : kReportFiles) {
    EXPECT_TRUE(fs::exists(dir / name)) << name;
    EXPECT_FALSE(fs::exists(dir / (std::string(name) + ".partial"))) << name;
  }
  EXPECT_NE(test::read_file(dir / "summary.json")
                .find("\"status\": \"failed: plugin acme.mm faulted in on_quote\""),
            std::string::npos);
  EXPECT_EQ(test::read_file(dir / "fills.csv"),
            "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n"
            "2024-01-02T09:30:00Z,mm,AAPL,1,buy,100,185.25,0.5,taker\n");
  // A second finish is refused; the files stay.
  Status again = writer->finish(summary, sample_manifest());
  EXPECT_FALSE(again);
  EXPECT_EQ(again.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fs::exists(dir / "orders.csv"));
}

TEST(ReportRunReport, EmptyRunHasHeadersAndNullTimes) {
  test::TempDir tmp("empty");
  auto writer = RunReportWriter::open(tmp.path());
  ASSERT_TRUE(writer) << writer.status().message();
  RunSummary summary;
  summary.run_name = "nothing";
  summary.status = "completed";
  ASSERT_TRUE(writer->finish(summary, Manifest{}));
  EXPECT_EQ(test::read_file(tmp.path() / "fills.csv"),
            "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n");
  EXPECT_EQ(test::read_file(tmp.path() / "equity.csv"),
            "ts,cash,equity,realized_pnl,unrealized_pnl,fees,gross_exposure\n");
  const std::string json = test::read_file(tmp.path() / "summary.json");
  EXPECT_NE(json.find("\"first_event\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"strategies\": []"), std::string::npos) << json;
}

TEST(ReportRunReport, PerformanceFollowsTheEquityRows) {
  test::TempDir tmp("perf");
  auto writer = RunReportWriter::open(tmp.path());
  ASSERT_TRUE(writer) << writer.status().message();
  // 100 -> 80 -> 120: drawdown 20/100 = 0.2.
  for (double e : {100.0, 80.0, 120.0}) {
    EquitySample s;
    s.ts = kT0 + static_cast<int64_t>(e) * kSecond;
    s.equity = e;
    writer->equity(s);
  }
  EXPECT_EQ(writer->performance().samples(), 3u);
  EXPECT_DOUBLE_EQ(writer->performance().max_drawdown(), 0.2);
}

TEST(ReportRunReport, UnwritableOutputDirIsAnErrorNamingIt) {
  test::TempDir tmp("unwritable");
  // A regular file where a folder must go: fails even for root.
  const fs::path blocker = tmp.path() / "not-a-dir";
  test::write_file(blocker, "x");
  const fs::path inside = blocker / "out";
  auto under_file = RunReportWriter::open(inside);
  ASSERT_FALSE(under_file);
  EXPECT_EQ(under_file.status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(under_file.status().message().find("cannot create output directory"), std::string::npos)
      << under_file.status().message();
  EXPECT_NE(under_file.status().message().find(inside.string()), std::string::npos)
      << under_file.status().message();

  auto is_file = RunReportWriter::open(blocker);
  ASSERT_FALSE(is_file);
  EXPECT_NE(is_file.status().message().find(blocker.string()), std::string::npos)
      << is_file.status().message();

  // The folder exists, but an older previous report's file cannot be
  // removed (it is a folder with something in it).
  const fs::path dir = tmp.path() / "taken";
  write_earlier_report(dir);
  fs::create_directories(dir / "previous" / "fills.csv" / "not-empty");
  auto taken = RunReportWriter::open(dir);
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.status().message().find((dir / "previous" / "fills.csv").string()),
            std::string::npos)
      << taken.status().message();
}

}  // namespace
}  // namespace keel
