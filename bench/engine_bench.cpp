// Engine throughput: whole runs through `keel run`'s code path — a run file
// parsed by the config API, the Engine (plugins loaded, data opened, the
// loop), the report written to a temporary folder — over keel's binary
// market-data format, and the peak memory of `keel run` itself over 10M and
// 100M events.
//
// What each figure is compared with (measured in the same process):
//   1 stream, no-op       a raw pass over the same memory-mapped records
//                         (data_bench.cpp): the ceiling set by reading the
//                         bytes, so the ratio is the share of it the engine
//                         reaches.
//   8 streams, sma_cross  the same 8 binary files merged by the EventMerger
//                         with no engine: what the loop adds to the data path.
//   market_maker          the same run over the CSV files: what the binary
//                         format buys in a run with orders and fills.
//   depth, no-op        keel.bench.noop_cpp taking book events over a 10-level
//                         book and its trades (binary), against the same
//                         strategy over top-of-book quotes (target >= 20M/s).
//   depth, market maker  keel.market_maker in depth mode (power queue model)
//                         against it on quotes.
//   batched, an order     keel.bench.every10_batched (spans, a batch cursor)
//   every 10 quotes       against keel.bench.every10, the same strategy per
//                         event: what batch delivery costs (target <= 1.2x).
//   peak RSS, 100M        peak RSS of the same run over 10M events: flat
//                         memory means a ratio near 1.
// Times are CPU time (bench_data.hpp: cpu_seconds), so other load on a
// shared machine does not count.
// The in-process runs leave out what `keel run` does once per file and not
// per event: the manifest's SHA-256 of each data file (the RSS runs, which
// are `keel run` itself, include it).
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_data.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/event_merger.hpp"
#include "engine_run.hpp"
#include "report.hpp"

extern char** environ;

namespace keel::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json instrument(const std::string& symbol) {
  return {{"id", symbol}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}};
}

json data_entry(const fs::path& path, const char* format) {
  return {{"path", path.string()}, {"format", format}};
}

// A run file in the bench data folder: `name`.json, output in out_`name`.
fs::path write_run_file(const std::string& name, json instruments, json data, json strategies,
                        json risk = json::object(), const char* end = nullptr) {
  const BenchData& d = bench_data();
  json run = {
      {"run", {{"name", name}, {"seed", 1}, {"initial_cash", 1e7}, {"equity_interval", "1m"}}},
      {"plugin_paths", {KEEL_BENCH_PLUGIN_DIR, KEEL_BENCH_NOOP_PLUGIN_DIR}},
      {"instruments", std::move(instruments)},
      {"data", std::move(data)},
      {"venue",
       {{"order_latency_ns", 500000},
        {"report_latency_ns", 100000},
        {"maker_fee_bps", -0.2},
        {"taker_fee_bps", 0.5}}},
      {"risk", std::move(risk)},
      {"strategies", std::move(strategies)},
      {"output", {{"dir", (d.dir / ("out_" + name)).string()}}}};
  if (end != nullptr) run["run"]["end"] = end;
  const fs::path file = d.dir / (name + ".json");
  std::ofstream(file) << run.dump(2) << "\n";
  return file;
}

fs::path noop_run(const std::string& name, const std::vector<fs::path>& copies) {
  json data = json::array();
  for (const fs::path& file : copies) data.push_back(data_entry(file, "binary"));
  return write_run_file(
      name, {instrument("AAA")}, std::move(data),
      {{{"name", "noop"}, {"factory", "keel.bench.noop_cpp"}, {"instruments", {"AAA"}}}});
}

void run_engine(benchmark::State& state, const fs::path& run_file) {
  RunCount count;
  for (auto _ : state) {
    const double start = cpu_seconds();
    count = run_once(state, run_file);
    state.SetIterationTime(cpu_seconds() - start);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(count.events);
  state.counters["fills"] = static_cast<double>(count.fills);
  state.counters["orders"] = static_cast<double>(count.orders);
}

void BM_engine_noop_1stream_binary(benchmark::State& state) {
  run_engine(state, noop_run("noop_1", {bench_data().quotes_bin}));
}
BENCHMARK(BM_engine_noop_1stream_binary)
    ->Name("engine_noop_1stream_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// The same over binary format version 1 (fixed 48-byte records).
void BM_engine_noop_1stream_binary_v1(benchmark::State& state) {
  run_engine(state, noop_run("noop_1_v1", {bench_data().quotes_bin_v1}));
}
BENCHMARK(BM_engine_noop_1stream_binary_v1)
    ->Name("engine_noop_1stream_binary_v1")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_engine_sma_8streams_binary(benchmark::State& state) {
  const BenchData& d = bench_data();
  json instruments = json::array(), data = json::array();
  for (size_t i = 0; i < d.bar_symbols.size(); ++i) {
    instruments.push_back(instrument(d.bar_symbols[i]));
    data.push_back(data_entry(d.bars_bin[i], "binary"));
  }
  const fs::path run =
      write_run_file("sma_8", std::move(instruments), std::move(data),
                     {{{"name", "sma"},
                       {"factory", "keel.sma_cross"},
                       {"instruments", d.bar_symbols},
                       {"params", {{"fast", 10}, {"slow", 30}, {"quantity", 100}}}}});
  run_engine(state, run);
}
BENCHMARK(BM_engine_sma_8streams_binary)
    ->Name("engine_sma_cross_8streams_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// An order every 10 quotes, per event and taking spans (bench/plugins/every10_cpp).
fs::path every10_run(const std::string& name, const char* factory) {
  return write_run_file(name, {instrument("AAA")}, {data_entry(bench_data().quotes_bin, "binary")},
                        {{{"name", "every10"}, {"factory", factory}, {"instruments", {"AAA"}}}});
}
void BM_engine_every10_per_event(benchmark::State& state) {
  run_engine(state, every10_run("every10", "keel.bench.every10"));
}
BENCHMARK(BM_engine_every10_per_event)
    ->Name("engine_every10_per_event_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
void BM_engine_every10_batched(benchmark::State& state) {
  run_engine(state, every10_run("every10_batched", "keel.bench.every10_batched"));
}
BENCHMARK(BM_engine_every10_batched)
    ->Name("engine_every10_batched_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// The data path alone: the 8 bar files merged, no engine.
void BM_merge_8streams_binary(benchmark::State& state) {
  const BenchData& d = bench_data();
  InstrumentTable table;
  for (const std::string& symbol : d.bar_symbols) {
    Instrument i;
    i.symbol = symbol;
    table.add(std::move(i));
  }
  uint64_t events = 0;
  for (auto _ : state) {
    const double start = cpu_seconds();
    EventMerger merger;
    for (const fs::path& file : d.bars_bin) {
      auto source = BinaryMarketData::open(file, table);
      if (!source) {
        state.SkipWithError(source.status().message().c_str());
        return;
      }
      merger.add(std::move(*source));
    }
    std::vector<MarketEvent> batch(256);  // read as the engine reads
    events = 0;
    double sum = 0;
    while (true) {
      Result<size_t> got = merger.next_batch(batch.data(), batch.size());
      if (!got || *got == 0) break;
      for (size_t i = 0; i < *got; ++i) sum += batch[i].as.bar.close;
      events += *got;
    }
    benchmark::DoNotOptimize(sum);
    state.SetIterationTime(cpu_seconds() - start);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(events);
}
BENCHMARK(BM_merge_8streams_binary)
    ->Name("merge_8streams_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

fs::path market_maker_run(const std::string& name, const fs::path& quotes, const fs::path& trades) {
  return write_run_file(name, {instrument("AAA")},
                        {data_entry(quotes, "quotes"), data_entry(trades, "trades")},
                        {{{"name", "mm"},
                          {"factory", "keel.market_maker"},
                          {"instruments", {"AAA"}},
                          {"params", {{"spread_bps", 2}, {"quantity", 100}, {"max_position", 500}}},
                          {"account", {{"type", "margin"}}}}},  // it quotes both sides from flat
                        {{"max_position", 2000}, {"max_open_orders", 4}, {"price_collar_pct", 2}},
                        // The first trading day (~1.1M events, ~1M orders): the market maker
                        // requotes on most quotes, and every order is kept for orders.csv.
                        "2024-01-03");
}

void BM_engine_market_maker_binary(benchmark::State& state) {
  run_engine(state, market_maker_run("mm_bin", bench_data().quotes_bin, bench_data().trades_bin));
}
BENCHMARK(BM_engine_market_maker_binary)
    ->Name("engine_market_maker_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// Depth: a no-op strategy that takes book events (on_book), over 4 days of
// a 10-level book and its trades, binary: the data path, the venue's book
// and delivery.
void BM_engine_noop_depth_binary(benchmark::State& state) {
  const BenchData& d = bench_data();
  run_engine(state, write_run_file("noop_depth", {instrument("DDD")},
                                   {data_entry(d.depth_bin, "binary"),
                                    data_entry(d.depth_trades_bin, "binary")},
                                   {{{"name", "noop"},
                                     {"factory", "keel.bench.noop_cpp"},
                                     {"instruments", {"DDD"}}}}));
}
BENCHMARK(BM_engine_noop_depth_binary)
    ->Name("engine_noop_depth_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// keel.market_maker in depth mode over the same book: it reads the touch
// (book_levels) on every book event, requotes by queue position, and its
// orders walk the book and queue under the power model.
void BM_engine_market_maker_depth_binary(benchmark::State& state) {
  const BenchData& d = bench_data();
  fs::path run = write_run_file(
      "mm_depth", {instrument("DDD")},
      {data_entry(d.depth_bin, "binary"), data_entry(d.depth_trades_bin, "binary")},
      {{{"name", "mm"},
        {"factory", "keel.market_maker"},
        {"instruments", {"DDD"}},
        {"params", {{"mode", "depth"}, {"quantity", 100}, {"max_position", 500}}},
        {"account", {{"type", "margin"}}}}},
      {{"max_position", 2000}, {"max_open_orders", 4}}, "2024-01-03");
  json doc = json::parse(std::ifstream(run));
  doc["venue"]["queue_model"] = {{"model", "power"}, {"exponent", 3}};
  std::ofstream(run) << doc.dump(2) << "\n";
  run_engine(state, run);
}
BENCHMARK(BM_engine_market_maker_depth_binary)
    ->Name("engine_market_maker_depth_binary")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_engine_market_maker_csv(benchmark::State& state) {
  run_engine(state, market_maker_run("mm_csv", bench_data().quotes_csv, bench_data().trades_csv));
}
BENCHMARK(BM_engine_market_maker_csv)
    ->Name("engine_market_maker_csv")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// ---- peak memory of `keel run` ------------------------------------------------------

// Runs `keel run -q` on a no-op run over `copies` copies of the quotes file
// (each streamed on its own, merged), and reports the peak RSS of the keel
// process. keel is started by a small Python parent that reports its
// child's ru_maxrss: started straight from this process (vfork + exec),
// keel's ru_maxrss would include this process's own peak, which the
// in-process runs above (4M orders in memory) make large.
void peak_rss(benchmark::State& state, uint64_t events_wanted) {
  const BenchData& d = bench_data();
  const uint64_t copies = (events_wanted + d.quotes - 1) / d.quotes;
  const fs::path run =
      noop_run("rss_" + std::to_string(copies), std::vector<fs::path>(copies, d.quotes_bin));
  const fs::path report = d.dir / ("rss_" + std::to_string(copies) + ".txt");
  const std::string script =
      "import resource, subprocess, sys\n"
      "code = subprocess.run(sys.argv[2:]).returncode\n"
      "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
      "open(sys.argv[1], 'w').write('%d %.6f' % (u.ru_maxrss, u.ru_utime + u.ru_stime))\n"
      "sys.exit(code)\n";
  double rss_mb = 0;
  for (auto _ : state) {
    const std::string python = "/usr/bin/python3";
    std::vector<std::string> args = {
        python, "-c", script, report.string(), KEEL_BENCH_KEEL_BINARY, "run", "-q", run.string()};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      state.SkipWithError("cannot start /usr/bin/python3");
      return;
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("keel run failed");
      return;
    }
    std::ifstream in(report);
    double maxrss_kib = 0, cpu = 0;
    if (!(in >> maxrss_kib >> cpu)) {
      state.SkipWithError("no rusage report from the python parent");
      return;
    }
    rss_mb = maxrss_kib / 1024.0;
    // keel's CPU time (user + system), as the in-process runs report theirs.
    state.SetIterationTime(cpu);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(copies * d.quotes);
  state.counters["peak_rss_mb"] = rss_mb;
}

uint64_t big_run_events() {
  const char* text = std::getenv("KEEL_BENCH_RSS_EVENTS");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 100'000'000;
}

void BM_keel_run_rss_small(benchmark::State& state) { peak_rss(state, 10'000'000); }
BENCHMARK(BM_keel_run_rss_small)
    ->Name("keel_run_rss_10M")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

void BM_keel_run_rss_big(benchmark::State& state) { peak_rss(state, big_run_events()); }
BENCHMARK(BM_keel_run_rss_big)
    ->Name("keel_run_rss_big")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

const bool kFiguresRegistered = add_figures({
    {"Engine, 1 stream, no-op C++ strategy (binary)", "engine_noop_1stream_binary",
     "raw_mmap_pass_quotes", "events/s", ">= 50M events/s", 0, 50e6, false,
     "raw pass over the same mmapped records (memory-bound ceiling)"},

    {"Engine, 8 merged streams, keel.sma_cross (binary)", "engine_sma_cross_8streams_binary",
     "merge_8streams_binary", "events/s", ">= 20M events/s", 0, 20e6, false,
     "the 8 files merged with no engine (data path alone)"},
    {"Engine, batched strategy, an order every 10 quotes (binary)", "engine_every10_batched_binary",
     "engine_every10_per_event_binary", "events/s", "ratio >= 0.83 (within 1.2x)", 0.83, 0, false,
     "the same strategy per event (C++)"},
    {"Engine, keel.market_maker, orders + fills (binary)", "engine_market_maker_binary",
     "engine_market_maker_csv", "events/s", ">= 5M events/s", 0, 5e6, false,
     "the same run over the CSV files"},
    {"Engine, depth: no-op strategy taking book events (binary)", "engine_noop_depth_binary",
     "engine_noop_1stream_binary", "events/s", ">= 20M events/s", 0, 20e6, false,
     "the no-op strategy over top-of-book quotes (binary)"},
    {"Engine, depth: keel.market_maker depth mode, power queue (binary)",
     "engine_market_maker_depth_binary", "engine_market_maker_binary", "events/s", "", 0, 0,
     false, "keel.market_maker on quotes (binary)"},
    {"keel run peak RSS, big run (no-op, binary)", "keel_run_rss_big:peak_rss_mb",
     "keel_run_rss_10M:peak_rss_mb", "MB", "<= 200 MB, flat", 0, 200, true,
     "peak RSS of the same run over 10M events"},
    {"keel run throughput, big run (whole process)", "keel_run_rss_big", "keel_run_rss_10M",
     "events/s", "", 0, 0, false, "the same over 10M events"},
});

}  // namespace
}  // namespace keel::bench
