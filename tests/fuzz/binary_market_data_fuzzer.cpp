// tests/fuzz/binary_market_data_fuzzer.cpp — the binary market-data reader
// (keel::BinaryMarketData), format versions 1 (fixed-size records) and 2
// (blocks of columns: its block and column headers, every encoding and
// width), and `keel data convert` from binary.
//
// Each input is opened raw (the file's own instrument table, one event per
// next()) and against a run's instrument table (AAPL, MSFT, SPY; batches
// of 5 through next_batch()). Properties: no crash, hang or leak; open()
// accepts exactly the files open_raw() does whose symbols the run has; every
// event obeys the rules the reader promises (require_event_rules); a
// stream that ends without an error has record_count() events; both opens
// agree on the header and the records, event for event.
//
// And for a file the reader accepts whole, `keel data convert` to CSV
// either refuses with a message or writes a CSV that converts back to the
// same records and symbols (binary -> CSV -> binary is lossless); a
// refused conversion leaves no output file.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/binary_format.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/market_data_files.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using keel::BinaryMarketData;
using keel::MarketEventKind;
using keel::fuzz::describe;
using keel::fuzz::payload_bytes;
using keel::fuzz::require;

const keel::InstrumentTable& instruments() {
  static const keel::InstrumentTable table = [] {
    keel::InstrumentTable t;
    for (const char* symbol : {"AAPL", "MSFT", "SPY"}) {
      keel::Instrument i;
      i.symbol = symbol;
      t.add(std::move(i));
    }
    return t;
  }();
  return table;
}

MarketEventKind kind_of(keel::DataFormat format) {
  switch (format) {
    case keel::DataFormat::quotes:
      return MarketEventKind::quote;
    case keel::DataFormat::trades:
      return MarketEventKind::trade;
    case keel::DataFormat::bars:
      return MarketEventKind::bar;
    case keel::DataFormat::depth:
      return MarketEventKind::book;
  }
  return MarketEventKind::quote;
}

// The event with its instrument as a symbol, for comparing files whose
// instrument ids differ.
std::string keyed(const keel::MarketEvent& event, const std::string& symbol) {
  keel::MarketEvent copy = event;
  copy.as.quote.instrument = 0;
  return symbol + '\n' + std::string(payload_bytes(copy));
}

// binary -> CSV -> binary, for a file `raw` read whole.
void round_trip(const std::filesystem::path& in, const BinaryMarketData& raw,
                const std::vector<keel::MarketEvent>& events) {
  const std::filesystem::path csv = keel::fuzz::scratch_dir() / "back.csv";
  const std::filesystem::path again = keel::fuzz::scratch_dir() / "back.kmd";
  require(keel::fuzz::remove_scratch("back.csv") && keel::fuzz::remove_scratch("back.kmd"),
          "cannot clear the scratch files");
  keel::ConvertStats stats;
  if (keel::Status s = keel::convert_market_data(in, csv, {}, &stats); !s) {
    require(!s.message().empty(), "binary -> CSV refused without a message");
    require(!std::filesystem::exists(csv), "binary -> CSV refused but left " + csv.string());
    require(!std::filesystem::exists(csv.string() + ".partial"),
            "binary -> CSV refused but left " + csv.string() + ".partial");
    return;
  }
  require(!stats.to_binary && stats.records == events.size(),
          "binary -> CSV reported " + std::to_string(stats.records) + " records of " +
              std::to_string(events.size()));
  keel::ConvertOptions options;
  options.kind = raw.format();
  if (keel::Status s = keel::convert_market_data(csv, again, options); !s) {
    keel::fuzz::finding("keel wrote a CSV it cannot read back: " + s.message());
  }
  auto back = BinaryMarketData::open_raw(again);
  require(back.is_ok(), "cannot reopen the converted file: " + back.status().message());
  const keel::fuzz::Stream stream = keel::fuzz::read_stream(**back, 0, events.size());
  require(!stream.error, "the converted file does not read back: " + stream.error.value_or(""));
  require(stream.events.size() == events.size(),
          "binary -> CSV -> binary: " + std::to_string(events.size()) + " records became " +
              std::to_string(stream.events.size()));
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string& before = raw.symbols()[events[i].instrument()];
    const std::string& after = (*back)->symbols()[stream.events[i].instrument()];
    require(keyed(events[i], before) == keyed(stream.events[i], after),
            "binary -> CSV -> binary changed record " + std::to_string(i) + ": " +
                describe(events[i]) + " '" + before + "' became " + describe(stream.events[i]) +
                " '" + after + "'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path path = keel::fuzz::write_input("in.kmd", data, size);
  // A version 1 record has at least 32 bytes; a version 2 block holds at
  // most kMaxBlockRecords records behind at least 112 bytes of headers.
  const size_t limit = size / 32 + (size / 112 + 1) * keel::binary_format::kMaxBlockRecords;

  auto raw = BinaryMarketData::open_raw(path);
  auto run = BinaryMarketData::open(path, instruments());
  if (!raw) {
    require(!raw.status().message().empty(), "open_raw failed without a message");
    require(!run, "open() accepted what open_raw() refused: " + raw.status().message());
    return 0;
  }
  const BinaryMarketData& file = **raw;
  bool all_known = true;
  for (const std::string& symbol : file.symbols()) {
    all_known = all_known && instruments().find(symbol).has_value();
  }
  require(run.is_ok() == all_known,
          all_known
              ? "open() refused a file whose symbols are all the run's: " + run.status().message()
              : std::string("open() accepted a file with a symbol the run does not have"));
  const keel::fuzz::Stream stream = keel::fuzz::read_stream(**raw, 0, limit);
  keel::fuzz::require_event_rules(stream, kind_of(file.format()), file.symbols().size(),
                                  "open_raw");
  if (!stream.error) {
    require(stream.events.size() == file.record_count(),
            "the stream ended after " + std::to_string(stream.events.size()) + " of " +
                std::to_string(file.record_count()) + " records, with no error");
  }

  if (run) {
    const keel::fuzz::Stream mapped = keel::fuzz::read_stream(**run, 5, limit);
    keel::fuzz::require_event_rules(mapped, kind_of(file.format()), instruments().size(), "open");
    require(mapped.events.size() == stream.events.size() && mapped.error == stream.error,
            "open() and open_raw() read differently: " + std::to_string(mapped.events.size()) +
                " vs " + std::to_string(stream.events.size()) + " events, error '" +
                mapped.error.value_or("none") + "' vs '" + stream.error.value_or("none") + "'");
    for (size_t i = 0; i < stream.events.size(); ++i) {
      const std::string& symbol = file.symbols()[stream.events[i].instrument()];
      require(instruments().find(symbol) == mapped.events[i].instrument() &&
                  keyed(stream.events[i], symbol) == keyed(mapped.events[i], symbol),
              "open() and open_raw() differ at record " + std::to_string(i));
    }
  }

  if (!stream.error) round_trip(path, file, stream.events);
  return 0;
}
