// `keel data convert` and `keel run` over keel's binary market-data format
// (versions 1 and 2): conversion both ways, its errors and exit codes,
// `keel gen-data --binary`, and runs over binary files giving byte-identical
// outputs to the same runs over the CSV files (the example runs too).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using nlohmann::json;

TEST(CliData, ConvertsBothWaysAndBackToTheSameBytes) {
  TempDir dir;
  const std::string csv = dir.write("q.csv",
                                    "ts,instrument,bid,bid_size,ask,ask_size\n"
                                    "2024-01-02T14:30:00Z,AAPL,10.10,100,10.11,200\n"
                                    "2024-01-02T14:30:00.000000001Z,MSFT,0.1,5e-324,0.3,1e300\n");
  const std::string bin = (dir.path() / "q.kmd").string();
  const std::string back = (dir.path() / "back.csv").string();
  const std::string bin2 = (dir.path() / "q2.kmd").string();
  KeelRun r = run_keel({"data", "convert", csv, bin});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("2 quotes records, 2 instruments (CSV -> binary v2, " +
                               std::to_string(fs::file_size(bin)) + " bytes)"));
  r = run_keel({"data", "convert", bin, back});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("(binary v2 -> CSV, "));
  EXPECT_EQ(read_file(back),
            "ts,instrument,bid,bid_size,ask,ask_size\n"
            "2024-01-02T14:30:00Z,AAPL,10.1,100,10.11,200\n"
            "2024-01-02T14:30:00.000000001Z,MSFT,0.1,5e-324,0.3,1e+300\n");
  r = run_keel({"data", "convert", "-q", back, bin2});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(bin), read_file(bin2));
}

// Version 2 unless --binary-version 1; both read back to the same CSV.
TEST(CliData, ConvertWritesVersionTwoUnlessAskedForOne) {
  TempDir dir;
  const std::string csv = dir.write("t.csv",
                                    "ts,instrument,price,size\n"
                                    "2024-01-02T14:30:00Z,AAPL,10.1,100\n"
                                    "2024-01-02T14:30:00.5Z,AAPL,10.12,-0\n");
  const auto version_of = [](const std::string& file) {
    const std::string bytes = read_file(file);
    return bytes.size() < 10 ? -1 : static_cast<unsigned char>(bytes[8]) | bytes[9] << 8;
  };
  const std::string v2 = dir.file("v2.kmd"), v1 = dir.file("v1.kmd");
  ASSERT_EQ(run_keel({"data", "convert", "-q", csv, v2}).exit_code, 0);
  KeelRun r = run_keel({"data", "convert", "--binary-version", "1", csv, v1});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("(CSV -> binary v1, 134 bytes)"));  // 64 + 2 x 32 + 6
  EXPECT_EQ(version_of(v2), 2);
  EXPECT_EQ(version_of(v1), 1);
  ASSERT_EQ(run_keel({"data", "convert", "-q", v2, dir.file("from_v2.csv")}).exit_code, 0);
  r = run_keel({"data", "convert", v1, dir.file("from_v1.csv")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("(binary v1 -> CSV, "));
  EXPECT_EQ(read_file(dir.file("from_v2.csv")),
            "ts,instrument,price,size\n"
            "2024-01-02T14:30:00Z,AAPL,10.1,100\n"
            "2024-01-02T14:30:00.500Z,AAPL,10.12,-0\n");
  EXPECT_EQ(read_file(dir.file("from_v1.csv")), read_file(dir.file("from_v2.csv")));
  r = run_keel({"data", "convert", "--binary-version", "3", csv, dir.file("v3.kmd")});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--binary-version"));
  EXPECT_FALSE(fs::exists(dir.file("v3.kmd")));
}

// `keel gen-data --binary` writes the files `keel data convert` would make of
// its CSV files, byte for byte, and nothing else.
TEST(CliData, GenDataBinaryWritesWhatConvertingItsCsvGives) {
  TempDir dir;
  const std::vector<std::string> args = {"--instruments",    "AAPL,MSFT", "--days", "1",
                                         "--kind",           "all",       "--seed", "9",
                                         "--quotes-per-day", "3000"};
  std::vector<std::string> csv = {"gen-data", "--out", dir.file("csv")};
  std::vector<std::string> bin = {"gen-data", "--binary", "--out", dir.file("bin")};
  csv.insert(csv.end(), args.begin(), args.end());
  bin.insert(bin.end(), args.begin(), args.end());
  ASSERT_EQ(run_keel(csv).exit_code, 0);
  KeelRun r = run_keel(bin);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("AAPL_quotes.kmd\n"));
  std::vector<std::string> written;
  for (const auto& entry : fs::directory_iterator(dir.file("bin"))) {
    written.push_back(entry.path().filename().string());
  }
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written,
            (std::vector<std::string>{"AAPL_bars.kmd", "AAPL_quotes.kmd", "AAPL_trades.kmd",
                                      "MSFT_bars.kmd", "MSFT_quotes.kmd", "MSFT_trades.kmd"}));
  for (const std::string& name : written) {
    const std::string stem = name.substr(0, name.size() - 4);
    const std::string converted = dir.file(stem + ".kmd");
    ASSERT_EQ(
        run_keel({"data", "convert", "-q", dir.file("csv/" + stem + ".csv"), converted}).exit_code,
        0);
    EXPECT_EQ(read_file(dir.file("bin/" + name)), read_file(converted)) << name;
  }
}

// The example runs (config/examples) over their data converted to binary
// version 2 (and version 1) give the same report bytes as over the CSV files.
TEST(CliData, ExampleRunsGiveTheSameReportsOverBinaryData) {
  TempDir dir;
  const fs::path examples = fs::path(KEEL_SOURCE_DIR) / "config" / "examples";
  for (const char* example : {"demo.json", "market_making.json", "minimal.json"}) {
    SCOPED_TRACE(example);
    const json original = json::parse(read_file((examples / example).string()));
    const auto run_over = [&](const std::string& tag, int version) {
      json run = original;
      for (json& entry : run["data"]) {
        const fs::path csv = examples / entry["path"].get<std::string>();
        std::string path = csv.string();
        if (version > 0) {
          path = dir.file(tag + "_" + csv.stem().string() + ".kmd");
          KeelRun c = run_keel({"data", "convert", "-q", "--binary-version",
                                std::to_string(version), csv.string(), path});
          EXPECT_EQ(c.exit_code, 0) << c;
        }
        entry["path"] = path;
      }
      run["output"]["dir"] = dir.file(tag);
      KeelRun r = run_keel({"run", "-q", dir.write(tag + ".json", run.dump())});
      EXPECT_EQ(r.exit_code, 0) << r;
      return dir.file(tag);
    };
    const std::string stem = fs::path(example).stem().string();
    const std::string csv_out = run_over(stem + "_csv", 0);
    const std::string v2_out = run_over(stem + "_v2", 2);
    const std::string v1_out = run_over(stem + "_v1", 1);
    ASSERT_FALSE(read_file(csv_out + "/summary.json").empty());
    for (const char* file : {"summary.json", "fills.csv", "orders.csv", "equity.csv"}) {
      EXPECT_EQ(read_file(csv_out + "/" + file), read_file(v2_out + "/" + file)) << file;
      EXPECT_EQ(read_file(csv_out + "/" + file), read_file(v1_out + "/" + file)) << file;
    }
  }
}

TEST(CliData, BadInputExitsTwoWithWhereAndLeavesNothing) {
  TempDir dir;
  const std::string csv = dir.write("q.csv",
                                    "ts,instrument,bid,bid_size,ask,ask_size\n"
                                    "2024-01-02T14:30:00Z,AAPL,10.10,100,10.11,200\n"
                                    "2024-01-02T14:30:01Z,AAPL,10.10,x,10.11,200\n");
  const std::string out = (dir.path() / "q.kmd").string();
  KeelRun r = run_keel({"data", "convert", csv, out});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("q.csv:3:4: bid_size: expected a number, got 'x'"));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".partial"));

  // A truncated binary file: the byte offset, exit 2.
  const std::string good = dir.write("g.csv",
                                     "ts,instrument,price,size\n"
                                     "2024-01-02T14:30:00Z,AAPL,10.10,100\n");
  const std::string bin = (dir.path() / "g.kmd").string();
  ASSERT_EQ(run_keel({"data", "convert", good, bin}).exit_code, 0);
  const std::string bytes = read_file(bin);
  const std::string cut = dir.write("cut.kmd", bytes.substr(0, 80));
  r = run_keel({"data", "convert", cut, (dir.path() / "cut.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("cut.kmd: byte offset 80: truncated"));

  r = run_keel({"data", "convert", (dir.path() / "missing.csv").string(), out});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("missing.csv: file not found"));
}

// The same run over CSV and over binary: every output file but the manifest
// (which hashes the data files) is byte-identical.
TEST(CliData, RunOverBinaryGivesTheSameOutputsAsOverCsv) {
  TempDir dir;
  KeelRun gen =
      run_keel({"gen-data", "--out", (dir.path() / "d").string(), "--instruments", "AAPL,MSFT",
                "--days", "2", "--kind", "all", "--seed", "3", "--quotes-per-day", "8000"});
  ASSERT_EQ(gen.exit_code, 0) << gen;
  std::vector<std::string> files;
  for (const char* symbol : {"AAPL", "MSFT"}) {
    for (const char* kind : {"quotes", "trades", "bars"}) {
      const std::string stem = (dir.path() / "d" / (std::string(symbol) + "_" + kind)).string();
      KeelRun c = run_keel({"data", "convert", "-q", stem + ".csv", stem + ".kmd"});
      ASSERT_EQ(c.exit_code, 0) << c;
      files.push_back(stem);
    }
  }
  const auto run_file = [&](const std::string& ext, bool say_binary) {
    json data = json::array();
    for (const std::string& stem : files) {
      const std::string kind = stem.substr(stem.rfind('_') + 1);
      data.push_back({{"path", stem + ext}, {"format", say_binary ? "binary" : kind}});
    }
    json run = {
        {"run", {{"name", "both"}, {"seed", 7}, {"equity_interval", "1m"}}},
        {"instruments",
         {{{"id", "AAPL"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}},
          {{"id", "MSFT"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}}}},
        {"data", data},
        {"venue",
         {{"order_latency_ns", 500000},
          {"report_latency_ns", 100000},
          {"maker_fee_bps", -0.2},
          {"taker_fee_bps", 0.5}}},
        {"risk", {{"max_position", 2000}, {"max_open_orders", 8}}},
        {"strategies",
         {{{"name", "mm"},
           {"factory", "keel.market_maker"},
           {"instruments", {"AAPL", "MSFT"}},
           {"params", {{"spread_bps", 4}, {"quantity", 100}, {"max_position", 500}}}},
          {{"name", "trend"},
           {"factory", "keel.sma_cross"},
           {"instruments", {"AAPL", "MSFT"}},
           {"params", {{"fast", 5}, {"slow", 20}, {"quantity", 10}}}}}},
        {"output", {{"dir", (dir.path() / ("out" + ext + (say_binary ? "b" : ""))).string()}}}};
    return dir.write("run" + ext + (say_binary ? "b" : "") + ".json", run.dump(2));
  };
  for (const auto& [ext, say_binary] : std::vector<std::pair<std::string, bool>>{
           {".csv", false}, {".kmd", false}, {".kmd", true}}) {
    KeelRun r = run_keel({"run", "-q", run_file(ext, say_binary)});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  const fs::path csv_out = dir.path() / "out.csv";
  ASSERT_GT(split(read_file((csv_out / "fills.csv").string()), '\n').size(), 20u)
      << "the run should trade";
  for (const char* out : {"out.kmd", "out.kmdb"}) {
    for (const char* file : {"summary.json", "fills.csv", "orders.csv", "equity.csv"}) {
      EXPECT_EQ(read_file((csv_out / file).string()), read_file((dir.path() / out / file).string()))
          << out << "/" << file;
    }
  }
}

TEST(CliData, ARunFileSayingTheWrongKindIsAnError) {
  TempDir dir;
  const std::string csv = dir.write("t.csv",
                                    "ts,instrument,price,size\n"
                                    "2024-01-02T14:30:00Z,AAPL,10.10,100\n");
  const std::string bin = (dir.path() / "t.kmd").string();
  ASSERT_EQ(run_keel({"data", "convert", csv, bin}).exit_code, 0);
  json run = {{"run", {{"name", "x"}}},
              {"instruments", {{{"id", "AAPL"}, {"kind", "equity"}}}},
              {"data", {{{"path", bin}, {"format", "quotes"}}}},
              {"strategies",
               {{{"name", "mm"}, {"factory", "keel.market_maker"}, {"instruments", {"AAPL"}}}}},
              {"output", {{"dir", (dir.path() / "out").string()}}}};
  KeelRun r = run_keel({"run", "-q", dir.write("run.json", run.dump())});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/data/0: "));
  EXPECT_THAT(r.err, HasSubstr("the data entry says \"quotes\" but the file holds trades"));
}

// ---- hostile data files -----------------------------------------------------------

// A run of keel.market_maker on AAPL over one data file: it sends orders on
// every quote, so the engine adds the latencies to the data's times.
std::string run_file_over(const TempDir& dir, const std::string& data, const std::string& format) {
  json run = {{"run", {{"name", "hostile"}}},
              {"instruments", {{{"id", "AAPL"}, {"kind", "equity"}}}},
              {"data", {{{"path", data}, {"format", format}}}},
              {"venue", {{"order_latency_ns", 250000}, {"report_latency_ns", 100000}}},
              {"strategies",
               {{{"name", "mm"}, {"factory", "keel.market_maker"}, {"instruments", {"AAPL"}}}}},
              {"output", {{"dir", (dir.path() / "out").string()}}}};
  return dir.write("run.json", run.dump());
}

const std::string kQuotes =
    "ts,instrument,bid,bid_size,ask,ask_size\n"
    "2024-01-02T14:30:00Z,AAPL,10,100,10.1,100\n"
    "2024-01-02T14:30:01Z,AAPL,10,100,10.1,100\n";

// "ask_size 100" cut to "1" still parses: the missing line ending is refused.
TEST(CliData, ACsvCutShortIsRefused) {
  TempDir dir;
  const std::string cut = dir.write("cut.csv", kQuotes.substr(0, kQuotes.size() - 3));
  const std::string message =
      "cut.csv:3: the last line has no line ending: the file may be cut short; if the row is "
      "whole, end it with a newline";
  const std::string out = dir.file("cut.kmd");
  KeelRun r = run_keel({"data", "convert", cut, out});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(message)) << r;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".partial"));
  r = run_keel({"run", "-q", run_file_over(dir, cut, "quotes")});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr(message)) << r;
}

// int64's largest time once ran, and ts + latency wrapped: orders dated 1677.
TEST(CliData, TimesOutsideTheDataRangeAreRefused) {
  TempDir dir;
  const std::string range =
      " is outside the range keel accepts for market data (1970-01-01T00:00:00Z to "
      "2200-01-01T00:00:00Z)";
  const std::string csv =
      dir.write("q.csv", kQuotes + "9223372036854775807,AAPL,10,100,10.1,100\n");
  KeelRun r = run_keel({"run", "-q", run_file_over(dir, csv, "quotes")});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(
      r.err,
      HasSubstr("q.csv:4:1: ts 9223372036854775807 (2262-04-11T23:47:16.854775807Z)" + range))
      << r;
  EXPECT_THAT(read_file(dir.file("out/orders.csv")), ::testing::Not(HasSubstr("1677-")));
  const std::string far =
      dir.write("far.csv", kQuotes + "2262-04-11T00:00:00Z,AAPL,10,100,10.1,100\n");
  r = run_keel({"data", "convert", far, dir.file("far.kmd")});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err,
              HasSubstr("far.csv:4:1: ts 9223286400000000000 (2262-04-11T00:00:00Z)" + range))
      << r;

  // A binary record (version 1: fixed-size records): its index and byte offset.
  const std::string bin = dir.file("q.kmd");
  ASSERT_EQ(
      run_keel({"data", "convert", "--binary-version", "1", dir.write("ok.csv", kQuotes), bin})
          .exit_code,
      0);
  std::string bytes = read_file(bin);
  const int64_t max = INT64_MAX;
  std::memcpy(bytes.data() + 64 + 48, &max, sizeof max);  // record 1's ts
  const std::string bad = dir.write("bad.kmd", bytes);
  r = run_keel({"run", "-q", run_file_over(dir, bad, "quotes")});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("bad.kmd: record 1 (byte offset 112): ts 9223372036854775807 "
                               "(2262-04-11T23:47:16.854775807Z)" +
                               range))
      << r;
}

// /dev/zero once grew memory without bound, and a FIFO blocked forever.
TEST(CliData, OnlyRegularFilesAreRead) {
  TempDir dir;
  const std::string fifo = dir.file("pipe.csv");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);  // no writer: an open() would wait for one
  const std::string tail =
      ", not a regular file: keel reads data only from regular files (write the data to a file "
      "first)";
  for (const auto& [path, kind] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "a character device"}, {fifo, "a FIFO (named pipe)"}}) {
    const std::string message = path + ": " + kind + tail;
    KeelRun r = run_keel({"run", "-q", run_file_over(dir, path, "quotes")});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(message)) << r;
    r = run_keel({"data", "convert", path, dir.file("out.kmd")});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(message)) << r;
    EXPECT_FALSE(fs::exists(dir.file("out.kmd")));
    r = run_keel(
        {"price", "--model", "keel.black_scholes", "--csv", path, "--out", dir.file("priced.csv")});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(message)) << r;
    EXPECT_FALSE(fs::exists(dir.file("priced.csv")));
  }
}

// A 10 MB unknown symbol: refused quickly, the message shows it cut short
// and names file:line:column (once the whole symbol was printed back).
TEST(CliData, AHugeSymbolIsShownCutShort) {
  TempDir dir;
  const std::string symbol(10'000'000, 'Z');
  const std::string csv =
      dir.write("huge.csv", "ts,instrument,bid,bid_size,ask,ask_size\n2024-01-02T14:30:00Z," +
                                symbol + ",10,100,10.1,100\n");
  KeelRun r = run_keel({"run", "-q", run_file_over(dir, csv, "quotes")});
  EXPECT_EQ(r.exit_code, 2) << r.exit_code;
  EXPECT_THAT(r.err, HasSubstr("huge.csv:2:2: unknown instrument '" + std::string(40, 'Z') +
                               "...' — not in the run file's instruments"));
  EXPECT_LT(r.err.size(), 2000u);
  r = run_keel({"data", "convert", csv, dir.file("huge.kmd")});
  EXPECT_EQ(r.exit_code, 2) << r.exit_code;
  EXPECT_THAT(r.err, HasSubstr("huge.csv:2:2: instrument: symbol '" + std::string(40, 'Z') +
                               "...' has 10000000 bytes; keel's binary format holds 1 to 255"));
  EXPECT_LT(r.err.size(), 2000u);
  EXPECT_FALSE(fs::exists(dir.file("huge.kmd")));
}

// keel's CSV has no quoting: a symbol with a comma or a line break would
// have made a corrupt CSV. Refused, naming the symbol and the table entry.
TEST(CliData, ABinarySymbolCsvCannotCarryIsRefused) {
  TempDir dir;
  const std::string bin = dir.file("t.kmd");
  ASSERT_EQ(
      run_keel({"data", "convert",
                dir.write("t.csv", "ts,instrument,price,size\n2024-01-02T14:30:00Z,A_B,1,1\n"),
                bin})
          .exit_code,
      0);
  const std::string bytes = read_file(bin);
  uint64_t table = 0;  // the header's table_offset
  std::memcpy(&table, bytes.data() + 40, sizeof table);
  table += 2;  // the entry's u16 length
  ASSERT_EQ(bytes.substr(table, 3), "A_B");
  const std::string out = dir.file("back.csv");
  for (const auto& [symbol, shown, problem] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"A,B", "'A,B'", "holds a comma"}, {"A\nB", "'A\\nB'", "holds a line break"}}) {
    std::string patched = bytes;
    patched.replace(table, 3, symbol);
    const std::string bad = dir.write("bad.kmd", patched);
    KeelRun r = run_keel({"data", "convert", bad, out});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr("bad.kmd: instrument table entry 0: symbol " + shown + " " +
                                 problem + ", so it cannot be written to CSV"))
        << r;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out + ".partial"));
  }
}

}  // namespace
}  // namespace keel::cli_test
