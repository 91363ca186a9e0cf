// The Rust SDK's order-book depth (ABI 1.2) through the host: in a `keel run`
// with depth data, keel_test.rust_book (tests/rust/book, WANTS_BOOK) gets
// every book update in on_book and reads the venue's book as of each with
// Host::book_levels (the two updates at ts 100 arrive together: the second
// sees the first, not the later ones).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel {
namespace {

TEST(RustBookRun, AStrategySeesTheBookOfADepthRun) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("keel_rust_depth_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "50,AAPL,99.4,1,100.6,1\n"
                                       "250,AAPL,99.4,1,100.6,1\n";
  std::ofstream(dir / "depth.csv") << "ts,instrument,side,price,size,exch_ts\n"
                                      "100,AAPL,bid,99.5,10,95\n"
                                      "100,AAPL,ask,100.5,5,96\n"
                                      "200,AAPL,bid,99.75,3,190\n"
                                      "300,AAPL,BID,99.75,0,290\n";
  std::ofstream(dir / "run.json") << R"({
  "run": {"name": "rust_depth"},
  "instruments": [{"id": "AAPL", "kind": "equity"}],
  "data": [{"path": "quotes.csv", "format": "quotes"}, {"path": "depth.csv", "format": "depth"}],
  "strategies": [{"name": "b", "factory": "keel_test.rust_book", "instruments": ["AAPL"]}],
  "output": {"dir": "out"}
})";
  const cli_test::KeelRun r =
      cli_test::run_keel({"--log-level", "info", "--plugin-path", KEEL_TEST_RUST_PLUGIN_DIR, "run",
                          (dir / "run.json").string()});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> seen;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("[strategy 'b'] ");
    if (at != std::string::npos) seen.push_back(line.substr(at + 15));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "book ts=100 bid 99.5 x 10 exch_ts=95",
                      "bids 99.5x10",
                      "book ts=100 ask 100.5 x 5 exch_ts=96",
                      "bids 99.5x10",
                      "book ts=200 bid 99.75 x 3 exch_ts=190",
                      "bids 99.75x3 99.5x10",
                      "book ts=300 bid 99.75 x 0 exch_ts=290",
                      "bids 99.5x10",
                  }))
      << r;
}

}  // namespace
}  // namespace keel
