// Python speed (issue 14): whole engine runs of Python strategies
// (bench/python/speed.py, examples/python/sma_cross.py) over generated
// data, each against a plain Python loop doing the same arithmetic over the
// same values, timed in the same embedded interpreter in the same process.
//
// The rows and what each subtracts:
//   python_quote_overhead    per event: the keel run of speed.QuoteSum
//                            (on_quote: total += bid + ask) less
//                            speed.plain_quotes (the same statement over two
//                            lists of floats), per quote.
//   python_batched_overhead  the same for speed.QuoteSumBatched (on_quotes:
//                            two numpy sums per span) less
//                            speed.plain_quotes_batched (the same two sums
//                            over the whole of the same quotes), per quote.
//   python_order_round_trip  per order: the run of speed.OrderEvery sending
//                            a market order every 20 quotes less the same
//                            run with send=false (the same Python work, no
//                            order), divided by the fills; includes the
//                            order's and fill's report rows.
//   python_sma_batched/_per_bar  examples/python/sma_cross.py's SmaCrossBatch
//                            (the example's class) and SmaCross over ~2M bars,
//                            against python_sma_plain: SmaCross.handle_close
//                            itself called in a loop over lists of ids and
//                            closes (no subtraction: the ratio is the target).
// Times are the process's CPU time (bench_data.hpp: cpu_seconds) for the
// runs and the loops alike.
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>
#include <pybind11/numpy.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_data.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/event_merger.hpp"
#include "engine/python/python_strategy.hpp"
#include "engine_run.hpp"
#include "report.hpp"

namespace keel::bench {
namespace {

namespace fs = std::filesystem;
namespace py = pybind11;
using nlohmann::json;

const char* const kSpeedScript = KEEL_BENCH_PYTHON_DIR "/speed.py";
const char* const kSmaScript = KEEL_BENCH_EXAMPLES_DIR "/python/sma_cross.py";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "keel_bench (python): %s\n", what.c_str());
  std::exit(1);
}

// ---- data: one quote stream and two bar streams, and their values ------------------

// The folder of this process's generated data, removed at exit.
struct DataDir {
  fs::path path = fs::temp_directory_path() / ("keel_bench_python_" + std::to_string(::getpid()));
  DataDir() { fs::create_directories(path); }
  ~DataDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
const fs::path& data_dir() {
  static const DataDir dir;
  return dir.path;
}

struct QuoteData {
  fs::path file;                   // binary, instrument AAA
  std::vector<double> bids, asks;  // in file order
};

struct BarData {
  std::vector<std::string> symbols;
  std::vector<fs::path> files;      // binary, one per symbol
  std::vector<double> instruments;  // ids as the run numbers them (run file order)
  std::vector<double> closes;       // merged in time order, as the run sees them
};

fs::path to_binary(const fs::path& csv) {
  fs::path bin = csv;
  bin.replace_extension(".kmd");
  if (Status s = convert_market_data(csv, bin, ConvertOptions{}); !s) fail(s.message());
  return bin;
}

// Reads `files` (instruments `symbols`, ids in that order) merged, as a run reads them.
std::vector<MarketEvent> read_events(const std::vector<fs::path>& files,
                                     const std::vector<std::string>& symbols) {
  InstrumentTable table;
  for (const std::string& symbol : symbols) {
    Instrument i;
    i.symbol = symbol;
    table.add(std::move(i));
  }
  EventMerger merger;
  for (const fs::path& file : files) {
    auto source = BinaryMarketData::open(file, table);
    if (!source) fail(source.status().message());
    merger.add(std::move(*source));
  }
  std::vector<MarketEvent> out, batch(256);
  while (true) {
    Result<size_t> got = merger.next_batch(batch.data(), batch.size());
    if (!got) fail(got.status().message());
    if (*got == 0) break;
    out.insert(out.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(*got));
  }
  return out;
}

// 500k quotes in one session (generated on first use).
const QuoteData& quote_data() {
  static const QuoteData d = [] {
    QuoteData out;
    SyntheticSpec quotes;
    quotes.instruments = {"AAA"};
    quotes.days = 1;
    quotes.kinds = {DataFormat::quotes};
    quotes.quotes_per_day = 500'000;
    quotes.seed = 21;
    if (Status s = write_synthetic(quotes, data_dir()); !s) fail(s.message());
    out.file = to_binary(data_dir() / synthetic_file_name(quotes, "AAA", DataFormat::quotes));
    for (const MarketEvent& e : read_events({out.file}, quotes.instruments)) {
      out.bids.push_back(e.as.quote.bid);
      out.asks.push_back(e.as.quote.ask);
    }
    return out;
  }();
  return d;
}

// 1-second bars over 24-hour sessions: ~2M bars over two instruments.
const BarData& bar_data() {
  static const BarData d = [] {
    BarData out;
    SyntheticSpec bars;
    bars.instruments = {"B1", "B2"};
    bars.days = 14;
    bars.kinds = {DataFormat::bars};
    bars.bar_seconds = 1;
    bars.quotes_per_day = 1'000;
    bars.trades_per_day = 150'000;
    bars.session_open_minute = 0;
    bars.session_close_minute = 24 * 60;
    bars.seed = 22;
    if (Status s = write_synthetic(bars, data_dir()); !s) fail(s.message());
    out.symbols = bars.instruments;
    for (const std::string& symbol : bars.instruments) {
      out.files.push_back(
          to_binary(data_dir() / synthetic_file_name(bars, symbol, DataFormat::bars)));
    }
    for (const MarketEvent& e : read_events(out.files, out.symbols)) {
      out.instruments.push_back(e.as.bar.instrument);
      out.closes.push_back(e.as.bar.close);
    }
    return out;
  }();
  return d;
}

// ---- run files ---------------------------------------------------------------------------

json instrument(const std::string& symbol) {
  return {{"id", symbol}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}};
}

// A run of one Python strategy; `name`.json in the data folder.
fs::path python_run(const std::string& name, json instruments, json data_files, const char* script,
                    const char* class_name, json strategy_instruments, json params) {
  json run = {
      {"run", {{"name", name}, {"seed", 1}, {"initial_cash", 1e7}, {"equity_interval", "5m"}}},
      {"instruments", std::move(instruments)},
      {"data", std::move(data_files)},
      {"venue",
       {{"order_latency_ns", 250000},
        {"report_latency_ns", 0},
        {"maker_fee_bps", -0.2},
        {"taker_fee_bps", 0.5}}},
      {"risk", {{"max_order_quantity", 5000}, {"max_position", 10000}, {"max_open_orders", 20}}},
      {"strategies",
       {{{"name", name},
         {"python", {{"script", script}, {"class", class_name}}},
         {"instruments", std::move(strategy_instruments)},
         {"params", std::move(params)}}}},
      {"output", {{"dir", (data_dir() / ("out_" + name)).string()}}}};
  const fs::path file = data_dir() / (name + ".json");
  std::ofstream(file) << run.dump(2) << "\n";
  return file;
}

fs::path quote_run(const std::string& name, const char* class_name, json params = json::object()) {
  return python_run(name, {instrument("AAA")},
                    {{{"path", quote_data().file.string()}, {"format", "binary"}}}, kSpeedScript,
                    class_name, {"AAA"}, std::move(params));
}

fs::path sma_run(const std::string& name, const char* class_name) {
  const BarData& d = bar_data();
  json instruments = json::array(), files = json::array();
  for (size_t i = 0; i < d.symbols.size(); ++i) {
    instruments.push_back(instrument(d.symbols[i]));
    files.push_back({{"path", d.files[i].string()}, {"format", "binary"}});
  }
  return python_run(name, std::move(instruments), std::move(files), kSmaScript, class_name,
                    d.symbols, {{"fast", 10}, {"slow", 30}, {"quantity", 1000}});
}

// The registry's resolver of "python" strategies, as `keel`'s main sets it.
void with_python(Host& host) {
  host.registry().set_python_resolver([](PluginRegistry& registry, const fs::path& script,
                                         const std::string& class_name) {
    return python::python_strategy_factory(registry, PythonStrategySpec{script, class_name, ""});
  });
}

// CPU seconds of one run; its counts in `count`.
double timed_run(benchmark::State& state, const fs::path& run, RunCount& count) {
  const double start = cpu_seconds();
  count = run_once(state, run, with_python);
  return cpu_seconds() - start;
}

// ---- the plain loops -----------------------------------------------------------------------

py::module_ import_file(const char* module_name, const char* path) {
  py::module_ util = py::module_::import("importlib.util");
  py::object spec = util.attr("spec_from_file_location")(module_name, path);
  py::module_ module = util.attr("module_from_spec")(spec);
  spec.attr("loader").attr("exec_module")(module);
  return module;
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& values) {
  return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

// Builds a plain loop's inputs once, with the GIL held. They are never
// destroyed: the interpreter is never finalized, so nothing decrefs them.
template <class Inputs, class Build>
const Inputs& built_once(Build build) {
  static const Inputs* const inputs = [&] {
    if (Status s = python::start_interpreter(); !s) fail(s.message());
    py::gil_scoped_acquire gil;
    try {
      return new Inputs(build());
    } catch (py::error_already_set& e) {
      fail(std::string("cannot set up the plain loops: ") + e.what());
    }
  }();
  return *inputs;
}

// speed.py, as the loops' module.
struct SpeedModule {
  py::object module;
};
const py::object& speed_module() {
  return built_once<SpeedModule>(
             [] { return SpeedModule{import_file("keel_bench_speed", kSpeedScript)}; })
      .module;
}

// The quotes as two lists of floats (the per-event loop) and two arrays.
struct QuoteInputs {
  py::object bid_array, ask_array, bid_list, ask_list;
};
const QuoteInputs& quote_inputs() {
  return built_once<QuoteInputs>([] {
    QuoteInputs in;
    in.bid_array = array_of(quote_data().bids);
    in.ask_array = array_of(quote_data().asks);
    in.bid_list = in.bid_array.attr("tolist")();
    in.ask_list = in.ask_array.attr("tolist")();
    return in;
  });
}

// The bars as lists of instrument ids (Python ints, as Bar.instrument
// gives them) and closes, and the example's module.
struct BarInputs {
  py::object sma, instrument_list, close_list;
};
const BarInputs& bar_inputs() {
  return built_once<BarInputs>([] {
    BarInputs in;
    in.sma = import_file("keel_bench_sma_cross", kSmaScript);
    in.instrument_list = array_of(bar_data().instruments).attr("astype")("int64").attr("tolist")();
    in.close_list = array_of(bar_data().closes).attr("tolist")();
    return in;
  });
}

// CPU seconds of one call of a plain loop: speed.`function`(args...).
template <class... Args>
double timed_plain(const char* function, const Args&... args) {
  py::gil_scoped_acquire gil;
  try {
    const py::object loop = speed_module().attr(function);
    const double start = cpu_seconds();
    benchmark::DoNotOptimize(loop(args...).ptr());
    return cpu_seconds() - start;
  } catch (py::error_already_set& e) {
    fail(std::string("the plain loop ") + function + " failed: " + e.what());
  }
}

// ---- the rows ----------------------------------------------------------------------------

// Per iteration: the keel run, then the plain loop over the same quotes.
// Manual time: the run's. Counters per quote: plain_ns (the loop) and
// overhead_ns (the run less the loop).
template <class Plain>
void overhead_row(benchmark::State& state, const fs::path& run, Plain plain) {
  RunCount count;
  double keel = 0, loop = 0;
  for (auto _ : state) {
    const double run_seconds = timed_run(state, run, count);
    keel += run_seconds;
    loop += plain();
    state.SetIterationTime(run_seconds);
  }
  const double n = static_cast<double>(state.iterations()) * static_cast<double>(count.events);
  state.counters[kItemsPerIteration] = static_cast<double>(count.events);
  if (n > 0) {
    state.counters["plain_ns"] = loop * 1e9 / n;
    state.counters["overhead_ns"] = (keel - loop) * 1e9 / n;
  }
}

void BM_python_quote_overhead(benchmark::State& state) {
  const QuoteInputs& in = quote_inputs();
  overhead_row(state, quote_run("quote_sum", "QuoteSum"),
               [&] { return timed_plain("plain_quotes", in.bid_list, in.ask_list); });
}
BENCHMARK(BM_python_quote_overhead)
    ->Name("python_quote_overhead")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_python_batched_overhead(benchmark::State& state) {
  const QuoteInputs& in = quote_inputs();
  overhead_row(state, quote_run("quote_sum_batched", "QuoteSumBatched"),
               [&] { return timed_plain("plain_quotes_batched", in.bid_array, in.ask_array); });
}
BENCHMARK(BM_python_batched_overhead)
    ->Name("python_batched_overhead")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// Per iteration: the run with orders and the same run without. Counters:
// order_ns (the difference per fill) and no_order_ns (the run without
// orders, per quote, for scale).
void BM_python_order_round_trip(benchmark::State& state) {
  const fs::path with = quote_run("orders", "OrderEvery", {{"every", 20}});
  const fs::path without = quote_run("no_orders", "OrderEvery", {{"every", 20}, {"send", false}});
  RunCount sent, quiet;
  double with_seconds = 0, without_seconds = 0;
  for (auto _ : state) {
    const double t = timed_run(state, with, sent);
    with_seconds += t;
    without_seconds += timed_run(state, without, quiet);
    state.SetIterationTime(t);
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters[kItemsPerIteration] = static_cast<double>(sent.events);
  state.counters["fills"] = static_cast<double>(sent.fills);
  if (sent.fills > 0 && quiet.events > 0) {
    state.counters["order_ns"] =
        (with_seconds - without_seconds) * 1e9 / (iterations * static_cast<double>(sent.fills));
    state.counters["no_order_ns"] =
        without_seconds * 1e9 / (iterations * static_cast<double>(quiet.events));
  }
}
BENCHMARK(BM_python_order_round_trip)
    ->Name("python_order_round_trip")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void sma_row(benchmark::State& state, const char* class_name) {
  const fs::path run = sma_run(std::string("sma_") + class_name, class_name);
  RunCount count;
  for (auto _ : state) state.SetIterationTime(timed_run(state, run, count));
  state.counters[kItemsPerIteration] = static_cast<double>(count.events);
  state.counters["fills"] = static_cast<double>(count.fills);
}
void BM_python_sma_batched(benchmark::State& state) { sma_row(state, "SmaCrossBatch"); }
BENCHMARK(BM_python_sma_batched)
    ->Name("python_sma_batched")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
void BM_python_sma_per_bar(benchmark::State& state) { sma_row(state, "SmaCross"); }
BENCHMARK(BM_python_sma_per_bar)
    ->Name("python_sma_per_bar")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_python_sma_plain(benchmark::State& state) {
  const BarInputs& in = bar_inputs();
  for (auto _ : state) {
    state.SetIterationTime(
        timed_plain("plain_sma", in.sma, in.instrument_list, in.close_list, 10, 30, 1000.0));
  }
  state.counters[kItemsPerIteration] = static_cast<double>(bar_data().closes.size());
}
BENCHMARK(BM_python_sma_plain)
    ->Name("python_sma_plain")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

const bool kPythonFiguresRegistered = add_figures({
    {"Python on_quote overhead per event (whole run)", "python_quote_overhead:overhead_ns",
     "python_quote_overhead:plain_ns", "ns", "<= 150 ns/event over the plain loop", 0, 150, true,
     "the plain loop's own time per quote (the run less it is the figure)"},
    {"Python on_quotes overhead per event, batched", "python_batched_overhead:overhead_ns",
     "python_batched_overhead:plain_ns", "ns", "<= 20 ns/event over the plain numpy sums", 0, 20,
     true, "the same numpy sums over all quotes at once, per quote"},
    {"Python order, round trip to on_fill", "python_order_round_trip:order_ns",
     "python_order_round_trip:no_order_ns", "ns", "<= 2 us per order", 0, 2000, true,
     "the same run without orders, per quote (the run less it, per fill, is the figure)"},
    {"Python SMA(10/30) example (SmaCrossBatch), ~2M bars", "python_sma_batched",
     "python_sma_plain", "ns", "within 1.5x of the plain loop (ratio >= 0.67)", 1 / 1.5, 0, false,
     "SmaCross.handle_close in a plain loop over lists"},
    {"Python SMA(10/30), per bar (SmaCross)", "python_sma_per_bar", "python_sma_plain", "ns",
     "within 1.5x of the plain loop (ratio >= 0.67)", 1 / 1.5, 0, false,
     "SmaCross.handle_close in a plain loop over lists"},
});

}  // namespace
}  // namespace keel::bench
