// Data ingest: the CSV reader and the binary reader over the same quotes
// (bench_data.hpp), in events/s and MB/s.
//
// References, measured in the same process:
//   CSV parse      reading the same file's bytes with read() in the reader's
//                  block size and finding its newlines (memchr): the I/O and
//                  scanning floor under any CSV parser.
//   binary read    a raw pass over the same memory-mapped records, touching
//                  every record's ts and prices: the memory-bandwidth ceiling
//                  of any reader of the format.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>

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

// Reads every quote of `file` through the reader `open` returns, per
// iteration (CPU time), summing bids so nothing is optimised away.
template <class Open>
void time_reader(benchmark::State& state, const fs::path& file, Open open) {
  const InstrumentTable table = aaa_table();
  uint64_t events = 0;
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
    while (true) {
      Result<bool> got = (*source)->next(event);
      if (!got || !*got) break;
      sum += event.as.quote.bid;
      ++events;
    }
    benchmark::DoNotOptimize(sum);
    state.SetIterationTime(cpu_seconds() - start);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(events);
  state.counters[kBytesPerIteration] = static_cast<double>(fs::file_size(file));
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
  time_reader(state, d.quotes_bin, [&](const InstrumentTable& table) {
    return BinaryMarketData::open(d.quotes_bin, table);
  });
}
BENCHMARK(BM_binary_read_quotes)
    ->Name("binary_read_quotes")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

// Every record's ts and four prices summed, straight from the mapping.
void BM_raw_mmap_pass(benchmark::State& state) {
  const BenchData& d = bench_data();
  const int fd = ::open(d.quotes_bin.c_str(), O_RDONLY | O_CLOEXEC);
  const size_t size = fs::file_size(d.quotes_bin);
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
    {"Binary ingest, quotes (MB/s)", "binary_read_quotes:bytes", "raw_mmap_pass_quotes:bytes",
     "MB/s", "", 0, 0, false, "raw pass over the same mmapped records"},
    {"Binary ingest, quotes (events/s)", "binary_read_quotes", "raw_mmap_pass_quotes", "events/s",
     "", 0, 0, false, "raw pass over the same mmapped records"},
});

}  // namespace
}  // namespace keel::bench
