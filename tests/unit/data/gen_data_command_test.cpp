// `keel gen-data`, run in-process: options, exit codes, and the bundled
// examples/data files being exactly what their documented command writes.
#include "engine/cli/gen_data_command.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "engine/cli/exit_codes.hpp"
#include "engine/data/market_data_files.hpp"
#include "engine/data/synthetic.hpp"
#include "tests/unit/data/data_test_support.hpp"

namespace keel {
namespace {

// Parses `args` (after "keel") and runs gen-data; the exit code as main()
// would return it.
int run_keel(std::vector<std::string> args, std::string* err = nullptr) {
  CLI::App app{"keel"};
  app.require_subcommand(1);
  cli::CommandRunner runner = cli::add_gen_data_command(app);
  std::vector<const char*> argv = {"keel"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream captured;
  std::streambuf* old_err = std::cerr.rdbuf(captured.rdbuf());
  std::streambuf* old_out = std::cout.rdbuf(captured.rdbuf());
  int code = 0;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    Host host;
    code = runner(host);
  } catch (const CLI::ParseError& e) {
    code = app.exit(e) == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  std::cerr.rdbuf(old_err);
  std::cout.rdbuf(old_out);
  if (err != nullptr) *err = captured.str();
  return code;
}

TEST(DataGenDataCommand, WritesTheFilesTheSpecDescribes) {
  test::ScratchDir dir;
  std::string output;
  ASSERT_EQ(run_keel({"gen-data",
                      "--out",
                      (dir.path() / "cli").string(),
                      "--instruments",
                      "AAPL,MSFT",
                      "--days",
                      "2",
                      "--kind",
                      "quotes,bars",
                      "--seed",
                      "9",
                      "--quotes-per-day",
                      "2000",
                      "--start",
                      "2024-03-04",
                      "--bar-seconds",
                      "300",
                      "--price",
                      "100",
                      "--vol",
                      "0.3",
                      "--spread-bps",
                      "5",
                      "--ts",
                      "ns"},
                     &output),
            0)
      << output;
  SyntheticSpec spec;
  spec.instruments = {"AAPL", "MSFT"};
  spec.days = 2;
  spec.kinds = {DataFormat::quotes, DataFormat::bars};
  spec.seed = 9;
  spec.quotes_per_day = 2000;
  spec.start_date = "2024-03-04";
  spec.bar_seconds = 300;
  spec.start_price = 100;
  spec.annual_vol = 0.3;
  spec.spread_bps = 5;
  spec.timestamps = TimestampStyle::nanoseconds;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "api").is_ok());
  for (const char* name :
       {"AAPL_quotes.csv", "AAPL_bars.csv", "MSFT_quotes.csv", "MSFT_bars.csv"}) {
    EXPECT_EQ(test::read_file(dir.path() / "cli" / name),
              test::read_file(dir.path() / "api" / name))
        << name;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cli" / "AAPL_trades.csv"));
  EXPECT_NE(output.find("AAPL_quotes.csv"), std::string::npos) << output;
  EXPECT_NE(output.find("rows in 4 files"), std::string::npos) << output;
}

TEST(DataGenDataCommand, DefaultsWriteAllKinds) {
  test::ScratchDir dir;
  ASSERT_EQ(run_keel({"gen-data", "--out", dir.path().string(), "--instruments", "X", "--days", "1",
                      "--quotes-per-day", "200", "--session", "14:30-15:00", "--merge", "--prefix",
                      "p_"}),
            0);
  for (const char* name : {"p_quotes.csv", "p_trades.csv", "p_bars.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / name)) << name;
  }
  // The session is honoured: the last bar closes at 15:00.
  const std::string bars = test::read_file(dir.path() / "p_bars.csv");
  EXPECT_NE(bars.find("2024-01-02T15:00:00Z,X,"), std::string::npos) << bars;
  EXPECT_EQ(bars.find("T15:01"), std::string::npos);
}

// Every event of a data file, read the way a run reads it.
std::vector<MarketEvent> read_events(const std::filesystem::path& file, DataFormat kind,
                                     const InstrumentTable& table) {
  DataSpec spec;
  spec.path = file;
  spec.format = kind;
  auto source = open_market_data(spec, table);
  EXPECT_TRUE(source.is_ok()) << file << ": " << source.status().message();
  std::vector<MarketEvent> out;
  if (!source) return out;
  MarketEvent event;
  for (;;) {
    Result<bool> got = (*source)->next(event);
    EXPECT_TRUE(got.is_ok()) << file << ": " << got.status().message();
    if (!got || !*got) return out;
    out.push_back(event);
  }
}

bool same_events(const std::vector<MarketEvent>& a, const std::vector<MarketEvent>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const MarketEvent& x, const MarketEvent& y) {
           return x.kind == y.kind && std::memcmp(&x.as, &y.as, sizeof x.as) == 0;
         });
}

TEST(DataGenDataCommand, DepthWritesTheBookAndItsTradesAsCsvOrBinary) {
  test::ScratchDir dir;
  const std::vector<std::string> common = {
      "gen-data", "--instruments",  "AAPL", "--days",           "1",   "--kind", "depth", "--seed",
      "5",        "--depth-levels", "4",    "--quotes-per-day", "1500"};
  std::string output;
  std::vector<std::string> csv = common;
  csv.insert(csv.end(), {"--out", (dir.path() / "cli").string()});
  ASSERT_EQ(run_keel(csv, &output), 0) << output;
  EXPECT_NE(output.find("AAPL_depth.csv"), std::string::npos) << output;
  EXPECT_NE(output.find("AAPL_trades.csv"), std::string::npos) << output;
  EXPECT_NE(output.find("rows in 2 files"), std::string::npos) << output;

  SyntheticSpec spec;
  spec.instruments = {"AAPL"};
  spec.days = 1;
  spec.kinds = {DataFormat::depth};
  spec.seed = 5;
  spec.depth_levels = 4;
  spec.quotes_per_day = 1500;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "api").is_ok());
  for (const char* name : {"AAPL_depth.csv", "AAPL_trades.csv"}) {
    EXPECT_EQ(test::read_file(dir.path() / "cli" / name),
              test::read_file(dir.path() / "api" / name))
        << name;
  }

  std::vector<std::string> binary = common;
  binary.insert(binary.end(), {"--out", (dir.path() / "bin").string(), "--binary"});
  ASSERT_EQ(run_keel(binary, &output), 0) << output;
  InstrumentTable table;
  Instrument aapl;
  aapl.symbol = "AAPL";
  table.add(aapl);
  for (DataFormat kind : {DataFormat::depth, DataFormat::trades}) {
    const std::string stem = std::string("AAPL_") + data_format_name(kind);
    const std::vector<MarketEvent> from_csv =
        read_events(dir.path() / "cli" / (stem + ".csv"), kind, table);
    EXPECT_GT(from_csv.size(), 100u) << stem;
    EXPECT_TRUE(
        same_events(from_csv, read_events(dir.path() / "bin" / (stem + ".kmd"), kind, table)))
        << stem;
  }
}

TEST(DataGenDataCommand, BadArgumentsExitWithTwo) {
  test::ScratchDir dir;
  const std::string out = dir.path().string();
  std::string err;
  EXPECT_EQ(run_keel({"gen-data", "--instruments", "A"}, &err), cli::kExitUsage);  // no --out
  EXPECT_EQ(run_keel({"gen-data", "--out", out}, &err), cli::kExitUsage);  // no --instruments
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A", "--kind", "candles"}, &err),
            cli::kExitUsage);
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A", "--days", "x"}, &err),
            cli::kExitUsage);
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A", "--days", "0"}, &err),
            cli::kExitUsage);
  EXPECT_EQ(err, "keel gen-data: days must be 1..100000 (see keel gen-data --help)\n");
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A,A"}, &err), cli::kExitUsage);
  EXPECT_EQ(err, "keel gen-data: instrument 'A' given twice (see keel gen-data --help)\n");
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A", "--session", "9-17"}, &err),
            cli::kExitUsage);
  EXPECT_EQ(err,
            "keel gen-data: --session '9-17' is not HH:MM-HH:MM (UTC), e.g. 14:30-21:00 (see keel "
            "gen-data --help)\n");
  EXPECT_EQ(
      run_keel({"gen-data", "--out", out, "--instruments", "A", "--start", "2024-02-30"}, &err),
      cli::kExitUsage);
  EXPECT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "A", "--ts", "unix"}, &err),
            cli::kExitUsage);
  EXPECT_EQ(
      run_keel({"gen-data", "--out", out, "--instruments", "A", "--kind", "depth,bars"}, &err),
      cli::kExitUsage);
  EXPECT_EQ(err,
            "keel gen-data: depth is generated on its own (it comes with its own trades file): "
            "give the kind depth alone (see keel gen-data --help)\n");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing written
  EXPECT_EQ(run_keel({"gen-data", "--help"}, &err), cli::kExitOk);
  EXPECT_NE(err.find("--quotes-per-day"), std::string::npos);
}

TEST(DataGenDataCommand, UnwritableOutputIsAnError) {
  test::ScratchDir dir;
  const auto file = dir.write("not_a_dir", "x");
  std::string err;
  EXPECT_EQ(run_keel({"gen-data", "--out", (file / "sub").string(), "--instruments", "A", "--days",
                      "1", "--quotes-per-day", "10"},
                     &err),
            cli::kExitUsage);
  EXPECT_EQ(err.rfind("keel gen-data: cannot create ", 0), 0u) << err;
}

// examples/data/README.md names the command that regenerates each bundled
// file; running it must reproduce the committed bytes.
TEST(DataGenDataCommand, RegeneratesTheBundledDemoData) {
  const std::filesystem::path examples = std::filesystem::path(KEEL_SOURCE_DIR) / "examples/data";
  test::ScratchDir dir;
  const std::string out = dir.path().string();
  ASSERT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "AAPL,MSFT", "--days", "5",
                      "--kind", "bars", "--seed", "20240102", "--merge", "--prefix", "demo_"}),
            0);
  ASSERT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "AAPL", "--days", "1", "--kind",
                      "quotes", "--seed", "20240102", "--session", "14:30-15:30",
                      "--quotes-per-day", "3000", "--merge", "--prefix", "demo_"}),
            0);
  ASSERT_EQ(run_keel({"gen-data", "--out", out, "--instruments", "ESX", "--days", "1", "--kind",
                      "depth", "--quotes-per-day", "1500", "--trades-per-day", "500", "--session",
                      "14:30-15:00", "--price", "50", "--vol", "0.2", "--depth-levels", "5",
                      "--seed", "7", "--ts", "ns", "--merge", "--prefix", "demo_"}),
            0);
  for (const char* name : {"demo_bars.csv", "demo_quotes.csv", "demo_depth.csv", "demo_trades.csv"}) {
    const std::string committed = test::read_file(examples / name);
    ASSERT_FALSE(committed.empty()) << name;
    EXPECT_TRUE(committed == test::read_file(dir.path() / name))
        << name << " differs from what its README command writes";
  }
  const std::string readme = test::read_file(examples / "README.md");
  EXPECT_NE(readme.find("keel gen-data --out examples/data --instruments AAPL,MSFT --days 5 "
                        "--kind bars --seed 20240102 --merge --prefix demo_"),
            std::string::npos);
  EXPECT_NE(readme.find("keel gen-data --out examples/data --instruments AAPL --days 1 --kind "
                        "quotes --seed 20240102 --session 14:30-15:30 --quotes-per-day 3000 "
                        "--merge --prefix demo_"),
            std::string::npos);
  EXPECT_NE(readme.find("keel gen-data --out examples/data --instruments ESX --days 1 --kind depth "
                        "--quotes-per-day 1500 --trades-per-day 500 --session 14:30-15:00 --price "
                        "50 --vol 0.2 --depth-levels 5 --seed 7 --ts ns --merge --prefix demo_"),
            std::string::npos);
}

}  // namespace
}  // namespace keel
