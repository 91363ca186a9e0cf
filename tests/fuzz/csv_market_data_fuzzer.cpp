// tests/fuzz/csv_market_data_fuzzer.cpp — the CSV market-data reader
// (keel::CsvMarketData) over quotes, trades and bars.
//
// Each input is read as each kind, with and without a data-entry
// instrument, against a run's instrument table (AAPL, MSFT, SPY). Each of
// those is read twice: in 64 KiB blocks one event per next(), and in
// 7-byte blocks (every row straddles blocks, the buffer grows) in batches
// of 5 through next_batch(). Properties: no crash, hang or leak; both
// reads give the same events and the same error, message for message;
// every event obeys the rules the reader promises (require_event_rules),
// with the data entry's instrument when one is given.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/data/csv_market_data.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using keel::CsvMarketData;
using keel::DataFormat;
using keel::MarketEventKind;
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

MarketEventKind kind_of(DataFormat format) {
  switch (format) {
    case DataFormat::quotes:
      return MarketEventKind::quote;
    case DataFormat::trades:
      return MarketEventKind::trade;
    case DataFormat::bars:
      return MarketEventKind::bar;
    case DataFormat::depth:
      return MarketEventKind::book;
  }
  return MarketEventKind::quote;
}

struct Read {
  std::optional<std::string> open_error;
  keel::fuzz::Stream stream;
};

Read read(const std::filesystem::path& path, DataFormat format,
          std::optional<keel_instrument_id_t> instrument, size_t block_size, size_t batch,
          size_t limit) {
  Read out;
  auto source = CsvMarketData::open(path, format, instrument, instruments(), block_size);
  if (!source) {
    out.open_error = source.status().message();
    require(!out.open_error->empty(), "open failed without a message");
    return out;
  }
  out.stream = keel::fuzz::read_stream(**source, batch, limit);
  require((*source)->rows() == out.stream.events.size(),
          "rows() " + std::to_string((*source)->rows()) + " differs from the events returned (" +
              std::to_string(out.stream.events.size()) + ")");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path path = keel::fuzz::write_input("in.csv", data, size);
  const std::optional<keel_instrument_id_t> aapl = instruments().find("AAPL");
  for (DataFormat format :
       {DataFormat::quotes, DataFormat::trades, DataFormat::bars, DataFormat::depth}) {
    for (std::optional<keel_instrument_id_t> instrument :
         {std::optional<keel_instrument_id_t>(), aapl}) {
      const std::string who =
          std::string(keel::data_format_name(format)) + (instrument ? " with instrument AAPL" : "");
      // An event takes at least a byte of the file ("0" + newline at the least).
      const Read big = read(path, format, instrument, size_t{1} << 16, 0, size);
      const Read small = read(path, format, instrument, 7, 5, size);
      require(big.open_error == small.open_error, who + ": open differs with the block size: '" +
                                                      big.open_error.value_or("ok") + "' vs '" +
                                                      small.open_error.value_or("ok") + "'");
      if (big.open_error) continue;
      require(big.stream.error == small.stream.error,
              who + ": the stream's error differs with the block size: '" +
                  big.stream.error.value_or("none") + "' vs '" +
                  small.stream.error.value_or("none") + "'");
      require(big.stream.events.size() == small.stream.events.size(),
              who + ": " + std::to_string(big.stream.events.size()) + " events in 64 KiB blocks, " +
                  std::to_string(small.stream.events.size()) + " in 7-byte blocks");
      for (size_t i = 0; i < big.stream.events.size(); ++i) {
        const keel::MarketEvent& a = big.stream.events[i];
        const keel::MarketEvent& b = small.stream.events[i];
        require(a.kind == b.kind && keel::fuzz::payload_bytes(a) == keel::fuzz::payload_bytes(b),
                who + ": event " + std::to_string(i) + " differs with the block size: " +
                    keel::fuzz::describe(a) + " vs " + keel::fuzz::describe(b));
      }
      keel::fuzz::require_event_rules(big.stream, kind_of(format), instruments().size(), who);
      if (instrument) {
        for (const keel::MarketEvent& e : big.stream.events) {
          require(e.instrument() == *instrument,
                  who + ": an event of another instrument: " + keel::fuzz::describe(e));
        }
      }
    }
  }
  return 0;
}
