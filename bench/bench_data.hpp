// bench/bench_data.hpp — the market data the engine and data benchmarks
// run over: generated once per process with `keel gen-data`'s generator
// (engine/data/synthetic.hpp) into a temporary folder, each CSV file also
// converted to keel's binary format (`keel data convert`'s code), version 2
// (what keel writes); the quotes also to version 1, for comparison.
//
//   quotes   AAA: ~4M quotes (one stream), ~0.4M trades, 4 trading days
//   bars     B1..B8: 1-second bars over 24-hour sessions, ~1.7M in all
// The folder is removed at exit.
#pragma once

#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/data/market_data_files.hpp"
#include "engine/data/synthetic.hpp"

namespace keel::bench {

struct BenchData {
  std::filesystem::path dir;
  std::filesystem::path quotes_csv, quotes_bin, trades_csv, trades_bin;  // instrument AAA
  std::filesystem::path quotes_bin_v1;  // the same quotes in binary format version 1
  // Order-book depth (10 levels a side, with exch_ts) and its trades, instrument DDD.
  std::filesystem::path depth_bin, depth_trades_bin;
  uint64_t depth = 0, depth_trades = 0;  // events
  std::vector<std::string> bar_symbols;
  std::vector<std::filesystem::path> bars_csv, bars_bin;  // one file per instrument
  uint64_t quotes = 0, trades = 0, bars = 0;              // events

  ~BenchData() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

// Generated on first use; aborts the process if generation fails (the
// benchmarks cannot mean anything without their data).
// CPU time of this process (user + system, all threads), in seconds. The
// engine and data benchmarks report it as their time (UseManualTime): on a
// shared machine other processes' load then does not count, while
// everything this process does — the kernel mapping pages and copying file
// data included — does. Google Benchmark's "CPU" column is the same figure
// for the calling thread; wall time is what a dedicated machine would show.
inline double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline const BenchData& bench_data() {
  static BenchData data = [] {
    BenchData d;
    d.dir =
        std::filesystem::temp_directory_path() / ("keel_bench_data_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d.dir);
    const auto fail = [](const Status& s) {
      std::fprintf(stderr, "keel_bench: cannot generate benchmark data: %s\n", s.message().c_str());
      std::exit(1);
    };
    const auto convert = [&](const std::filesystem::path& csv, uint16_t version = 2) {
      std::filesystem::path bin = csv;
      bin.replace_extension(version == 2 ? ".kmd" : ".v1.kmd");
      ConvertOptions options;
      options.binary_version = version;
      ConvertStats stats;
      if (Status s = convert_market_data(csv, bin, options, &stats); !s) fail(s);
      return std::make_pair(bin, stats.records);
    };

    SyntheticSpec quotes;
    quotes.instruments = {"AAA"};
    quotes.days = 4;
    quotes.kinds = {DataFormat::quotes, DataFormat::trades};
    quotes.quotes_per_day = 1'000'000;
    quotes.trades_per_day = 100'000;
    quotes.seed = 11;
    if (Status s = write_synthetic(quotes, d.dir); !s) fail(s);
    d.quotes_csv = d.dir / synthetic_file_name(quotes, "AAA", DataFormat::quotes);
    d.trades_csv = d.dir / synthetic_file_name(quotes, "AAA", DataFormat::trades);
    std::tie(d.quotes_bin, d.quotes) = convert(d.quotes_csv);
    std::tie(d.trades_bin, d.trades) = convert(d.trades_csv);
    d.quotes_bin_v1 = convert(d.quotes_csv, 1).first;

    SyntheticSpec depth;
    depth.instruments = {"DDD"};
    depth.days = 4;
    depth.kinds = {DataFormat::depth};
    depth.quotes_per_day = 1'000'000;  // book updates
    depth.trades_per_day = 100'000;
    depth.seed = 13;
    if (Status s = write_synthetic(depth, d.dir); !s) fail(s);
    std::tie(d.depth_bin, d.depth) =
        convert(d.dir / synthetic_file_name(depth, "DDD", DataFormat::depth));
    std::tie(d.depth_trades_bin, d.depth_trades) =
        convert(d.dir / synthetic_file_name(depth, "DDD", DataFormat::trades));

    SyntheticSpec bars;
    bars.instruments = {"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"};
    bars.days = 3;
    bars.kinds = {DataFormat::bars};
    bars.bar_seconds = 1;
    bars.quotes_per_day = 1'000;
    bars.trades_per_day = 150'000;
    bars.session_open_minute = 0;
    bars.session_close_minute = 24 * 60;
    bars.seed = 12;
    if (Status s = write_synthetic(bars, d.dir); !s) fail(s);
    d.bar_symbols = bars.instruments;
    for (const std::string& symbol : bars.instruments) {
      d.bars_csv.push_back(d.dir / synthetic_file_name(bars, symbol, DataFormat::bars));
      auto [bin, records] = convert(d.bars_csv.back());
      d.bars_bin.push_back(bin);
      d.bars += records;
    }
    return d;
  }();
  return data;
}

}  // namespace keel::bench
