// tests/fuzz/data_convert_fuzzer.cpp — `keel data convert` CSV -> binary ->
// CSV (keel::convert_market_data), which its documentation promises is
// lossless, through binary format version 2 (what keel writes: the encoder
// picks tick scales and falls back to raw doubles) and version 1, which
// must give back the same CSV bytes.
//
// Each input is converted as `keel data convert in.csv in.kmd` does (the
// kind from the header); when that is refused, again with --instrument
// FUZZ (for a file without an instrument column). For input the CSV reader
// accepts, the binary file converts back to CSV, and reading that CSV
// gives the same events as reading the input: every timestamp and every
// double bit for bit, the same symbols in the same order. A refused
// conversion must leave no output file (and no .partial). Properties
// besides: no crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/csv_market_data.hpp"
#include "engine/data/market_data_files.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using keel::fuzz::describe;
using keel::fuzz::payload_bytes;
using keel::fuzz::require;

void require_no_output(const std::filesystem::path& out, const keel::Status& refused) {
  require(!refused.message().empty(), "a refused conversion without a message");
  require(!std::filesystem::exists(out),
          "a refused conversion left " + out.string() + " (" + refused.message() + ")");
  require(!std::filesystem::exists(out.string() + ".partial"),
          "a refused conversion left " + out.string() + ".partial (" + refused.message() + ")");
}

struct Read {
  keel::fuzz::Stream stream;
  std::vector<std::string> symbols;
};

Read read_csv(const std::filesystem::path& path, keel::DataFormat kind,
              const std::optional<std::string>& instrument, size_t limit) {
  // Small blocks: a 1 MiB buffer per read costs more than the input under ASan.
  auto source = keel::CsvMarketData::open_any_symbols(path, kind, instrument, 4096);
  require(source.is_ok(),
          path.string() + " was converted but does not open: " + source.status().message());
  Read out;
  out.stream = keel::fuzz::read_stream(**source, 0, limit);
  out.symbols = (*source)->learned_symbols();
  return out;
}

std::string contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path in = keel::fuzz::write_input("in.csv", data, size);
  const std::filesystem::path binary = keel::fuzz::scratch_dir() / "in.kmd";
  const std::filesystem::path back = keel::fuzz::scratch_dir() / "back.csv";
  const std::filesystem::path binary_v1 = keel::fuzz::scratch_dir() / "in.v1.kmd";
  const std::filesystem::path back_v1 = keel::fuzz::scratch_dir() / "back.v1.csv";
  require(keel::fuzz::remove_scratch("in.kmd") && keel::fuzz::remove_scratch("back.csv") &&
              keel::fuzz::remove_scratch("in.v1.kmd") && keel::fuzz::remove_scratch("back.v1.csv"),
          "cannot clear the scratch files");

  keel::ConvertOptions options;
  keel::ConvertStats stats;
  keel::Status status = keel::convert_market_data(in, binary, options, &stats);
  if (!status) {
    require_no_output(binary, status);
    options.instrument = "FUZZ";
    stats = {};
    status = keel::convert_market_data(in, binary, options, &stats);
    if (!status) {
      require_no_output(binary, status);
      return 0;
    }
  }
  require(stats.to_binary, "a CSV input was converted as binary");

  keel::ConvertStats back_stats;
  if (keel::Status s = keel::convert_market_data(binary, back, {}, &back_stats); !s) {
    keel::fuzz::finding("the binary file keel just wrote does not convert back to CSV: " +
                        s.message());
  }
  require(
      !back_stats.to_binary && back_stats.kind == stats.kind && back_stats.records == stats.records,
      "binary -> CSV: " + std::to_string(back_stats.records) + " records of " +
          std::to_string(stats.records) + ", or another kind");

  // Version 1 holds the same events: the same CSV comes back, byte for byte.
  keel::ConvertOptions v1 = options;
  v1.binary_version = 1;
  if (keel::Status s = keel::convert_market_data(in, binary_v1, v1); !s) {
    keel::fuzz::finding("converted to version 2 but not to version 1: " + s.message());
  }
  if (keel::Status s = keel::convert_market_data(binary_v1, back_v1, {}); !s) {
    keel::fuzz::finding("the version 1 file does not convert back to CSV: " + s.message());
  }
  require(contents(back_v1) == contents(back),
          "binary versions 1 and 2 give different CSV for the same input");

  // The input, read as the conversion read it (kind, instrument), against
  // the CSV written back (which always has an instrument column).
  const Read before = read_csv(in, stats.kind, options.instrument, size);
  const Read after = read_csv(back, stats.kind, std::nullopt, size);
  require(!before.stream.error,
          "converted, but the CSV reader refuses the input: " + before.stream.error.value_or(""));
  require(!after.stream.error,
          "keel wrote a CSV it cannot read back: " + after.stream.error.value_or(""));
  require(before.stream.events.size() == stats.records,
          "converted " + std::to_string(stats.records) + " records from a CSV of " +
              std::to_string(before.stream.events.size()));
  require(after.stream.events.size() == before.stream.events.size(),
          "CSV -> binary -> CSV: " + std::to_string(before.stream.events.size()) +
              " events became " + std::to_string(after.stream.events.size()));
  for (size_t i = 0; i < before.stream.events.size(); ++i) {
    keel::MarketEvent a = before.stream.events[i];
    keel::MarketEvent b = after.stream.events[i];
    const std::string& symbol_a = before.symbols.at(a.instrument());
    const std::string& symbol_b = after.symbols.at(b.instrument());
    a.as.quote.instrument = b.as.quote.instrument = 0;
    require(symbol_a == symbol_b && a.kind == b.kind && payload_bytes(a) == payload_bytes(b),
            "CSV -> binary -> CSV changed row " + std::to_string(i) + ": " + describe(a) + " '" +
                symbol_a + "' became " + describe(b) + " '" + symbol_b + "'");
  }
  return 0;
}
