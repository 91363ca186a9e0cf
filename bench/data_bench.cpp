// Data ingest: the CSV reader and the binary reader (format versions 2 and
// 1) over the same quotes (bench_data.hpp), in events/s and MB/s, with the
// bytes each format spends per event.
//
// References, measured in the same process:
//   CSV parse      reading the same file's bytes with read() in the reader's
//                  block size and finding its newlines (memchr): the I/O and
//                  scanning floor under any CSV parser.
//   binary read    a raw pass over the same quotes as version 1 records,
//                  memory-mapped, touching every record's ts and prices: the
//                  memory-bandwidth ceiling of a reader of version 1; and
//                  version 2 against version 1.
// The binary readers are read as the engine reads them: next_batch() into
// an array of kBatch events.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "bench_data.hpp"
#include "engine/data/binary_format.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/csv_market_data.hpp"
#include "report.hpp"

namespace keel::bench {
namespace {

namespace fs = std::filesystem;

InstrumentTable aaa_table() {
  InstrumentTable table;
  Instrument i;
  i.symbol = "AAA";
  table.add(std::move(i));
  return table;
}

// The engine's read size (engine/run/engine.cpp: kReadBatch).
constexpr size_t kBatch = 256;

// Reads every quote of `file` through the reader `open` returns, per
// iteration (CPU time), summing bids so nothing is optimised away: one
// event a next() call, or `batched` through next_batch().
template <class Open>
void time_reader(benchmark::State& state, const fs::path& file, Open open, bool batched = false) {
  const InstrumentTable table = aaa_table();
  uint64_t events = 0;
  std::vector<MarketEvent> batch(kBatch);
  for (auto _ : state) {
    const double start = cpu_seconds();
    auto source = open(table);
    if (!source) {
      state.SkipWithError(source.status().message().c_str());
      return;
    }
    MarketEvent event;
    double sum = 0;
    events = 0;
    while (!batched) {
      Result<bool> got = (*source)->next(event);
      if (!got || !*got) break;
      sum += event.as.quote.bid;
      ++events;
    }
    while (batched) {
      Result<size_t> got = (*source)->next_batch(batch.data(), batch.size());
      if (!got || *got == 0) break;
      for (size_t i = 0; i < *got; ++i) sum += batch[i].as.quote.bid;
      events += *got;
    }
    benchmark::DoNotOptimize(sum);
    state.SetIterationTime(cpu_seconds() - start);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(events);
  state.counters[kBytesPerIteration] = static_cast<double>(fs::file_size(file));
  state.counters["bytes_per_event"] =
      static_cast<double>(fs::file_size(file)) / static_cast<double>(std::max<uint64_t>(events, 1));
}

void BM_csv_parse_quotes(benchmark::State& state) {
  const BenchData& d = bench_data();
  time_reader(state, d.quotes_csv, [&](const InstrumentTable& table) {
    return CsvMarketData::open(d.quotes_csv, DataFormat::quotes, std::nullopt, table);
  });
}
BENCHMARK(BM_csv_parse_quotes)
    ->Name("csv_parse_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_csv_read_raw(benchmark::State& state) {
  const BenchData& d = bench_data();
  std::unique_ptr<char[]> buffer(new char[CsvMarketData::kDefaultBlockSize]);
  uint64_t lines = 0;
  for (auto _ : state) {
    const double start = cpu_seconds();
    const int fd = ::open(d.quotes_csv.c_str(), O_RDONLY | O_CLOEXEC);
    lines = 0;
    ssize_t got;
    while ((got = ::read(fd, buffer.get(), CsvMarketData::kDefaultBlockSize)) > 0) {
      const char* p = buffer.get();
      const char* end = p + got;
      while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) !=
             nullptr) {
        ++lines;
        ++p;
      }
    }
    ::close(fd);
    benchmark::DoNotOptimize(lines);
    state.SetIterationTime(cpu_seconds() - start);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(lines - 1);  // less the header
  state.counters[kBytesPerIteration] = static_cast<double>(fs::file_size(d.quotes_csv));
}
BENCHMARK(BM_csv_read_raw)
    ->Name("csv_read_raw_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_binary_read_quotes(benchmark::State& state) {
  const BenchData& d = bench_data();
  time_reader(
      state, d.quotes_bin,
      [&](const InstrumentTable& table) { return BinaryMarketData::open(d.quotes_bin, table); },
      true);
}
BENCHMARK(BM_binary_read_quotes)
    ->Name("binary_read_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

void BM_binary_v1_read_quotes(benchmark::State& state) {
  const BenchData& d = bench_data();
  time_reader(
      state, d.quotes_bin_v1,
      [&](const InstrumentTable& table) { return BinaryMarketData::open(d.quotes_bin_v1, table); },
      true);
}
BENCHMARK(BM_binary_v1_read_quotes)
    ->Name("binary_v1_read_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// Version 2 one event a next() call (tests, conversion): the price of not batching.
void BM_binary_read_quotes_one_by_one(benchmark::State& state) {
  const BenchData& d = bench_data();
  time_reader(state, d.quotes_bin, [&](const InstrumentTable& table) {
    return BinaryMarketData::open(d.quotes_bin, table);
  });
}
BENCHMARK(BM_binary_read_quotes_one_by_one)
    ->Name("binary_read_quotes_next")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// Every version 1 record's ts and four prices summed, straight from the mapping.
void BM_raw_mmap_pass(benchmark::State& state) {
  const BenchData& d = bench_data();
  const int fd = ::open(d.quotes_bin_v1.c_str(), O_RDONLY | O_CLOEXEC);
  const size_t size = fs::file_size(d.quotes_bin_v1);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) {
    state.SkipWithError("mmap failed");
    return;
  }
  binary_format::FileHeader header;
  std::memcpy(&header, mapped, sizeof header);
  const auto* records = reinterpret_cast<const unsigned char*>(mapped) + header.record_offset;
  for (auto _ : state) {
    const double start = cpu_seconds();
    int64_t ts = 0;
    double sum = 0;
    for (uint64_t i = 0; i < header.record_count; ++i) {
      keel_quote_t q;
      std::memcpy(&q, records + i * sizeof q, sizeof q);
      ts ^= q.ts;
      sum += q.bid + q.bid_size + q.ask + q.ask_size;
    }
    benchmark::DoNotOptimize(ts);
    benchmark::DoNotOptimize(sum);
    state.SetIterationTime(cpu_seconds() - start);
  }
  ::munmap(mapped, size);
  state.counters[kItemsPerIteration] = static_cast<double>(header.record_count);
  state.counters[kBytesPerIteration] = static_cast<double>(size);
}
BENCHMARK(BM_raw_mmap_pass)
    ->Name("raw_mmap_pass_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

const bool kFiguresRegistered = add_figures({
    {"CSV ingest, quotes (MB/s)", "csv_parse_quotes:bytes", "csv_read_raw_quotes:bytes", "MB/s",
     ">= 150 MB/s", 0, 150, false, "read() + memchr over the same file (I/O floor)"},
    {"CSV ingest, quotes (events/s)", "csv_parse_quotes", "csv_read_raw_quotes", "events/s", "", 0,
     0, false, "read() + memchr over the same file"},
    {"Binary ingest, quotes (events/s)", "binary_read_quotes", "raw_mmap_pass_quotes", "events/s",
     "", 0, 0, false, "raw pass over the same quotes as mmapped v1 records"},
    {"Binary ingest, quotes, v2 against v1 (events/s)", "binary_read_quotes",
     "binary_v1_read_quotes", "events/s", "", 0, 0, false, "the v1 reader over the same quotes"},
    {"Binary ingest, quotes, bytes per event (v2, v1)", "binary_read_quotes:bytes_per_event",
     "binary_v1_read_quotes:bytes_per_event", "bytes", "", 0, 0, true,
     "the same quotes in version 1"},
    {"Binary ingest, quotes, one next() per event (v2)", "binary_read_quotes_next",
     "binary_read_quotes", "events/s", "", 0, 0, false, "next_batch() of 256"},
    {"Engine, 1 stream, no-op C++ strategy (binary v1)", "engine_noop_1stream_binary_v1",
     "engine_noop_1stream_binary", "events/s", "", 0, 0, false,
     "the same run over binary format version 2"},
});

}  // namespace
}  // namespace keel::bench
