// engine/data/market_data_files.hpp — opening a run file's data entry
// whatever its encoding, and converting between CSV and keel's binary format
// (`keel data convert`).
//
// A data file is binary when it starts with the binary format's magic
// (engine/data/binary_format.hpp), CSV otherwise. A data entry's "format"
// is the kind ("quotes", "trades", "bars", "depth"), which a binary file must match,
// or "binary", which takes the kind from the file's header (and insists on
// a binary file). Data files are opened with open_data_file()
// (engine/data/data_file.hpp): only regular files are read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/core/status.hpp"
#include "engine/data/data_spec.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/instrument.hpp"

namespace keel {

// True when `path` is a regular file that starts with the binary format's
// magic (false if it cannot be opened or is not a regular file).
bool is_binary_market_data(const std::filesystem::path& path);

// Opens a run file's data entry, CSV or binary.
Result<std::unique_ptr<MarketDataSource>> open_market_data(const DataSpec& spec,
                                                           const InstrumentTable& instruments);

struct ConvertOptions {
  // CSV input: the kind; unset = from the header's columns (bid: quotes,
  // open: bars, side and price: depth, price: trades).
  std::optional<DataFormat> kind;
  // CSV input without an instrument column: the symbol of every row.
  std::optional<std::string> instrument;
  // CSV input: the binary format version written, 2 (compact, the
  // default) or 1 (fixed-size records, for readers older than version 2).
  uint16_t binary_version = 2;
};

struct ConvertStats {
  bool to_binary = false;  // the direction taken
  DataFormat kind = DataFormat::quotes;
  uint64_t records = 0;
  uint64_t instruments = 0;
  uint16_t binary_version = 0;  // of the binary side, written or read
  uint64_t bytes = 0;           // of the output file
};

// Converts `in` to `out`: CSV to binary, or binary (version 1 or 2) to CSV,
// by `in`'s magic. Lossless both ways: a binary file holds the doubles and nanosecond
// timestamps the CSV parser produced; the CSV written from it prints each
// double in its shortest round-trip form (std::to_chars) and each ts as
// ISO-8601 UTC with as many fraction digits as it needs, so it parses back
// to the same bits. Symbols are written as they are (keel's CSV has no
// quoting), so a binary file whose instrument table holds a symbol a CSV
// field cannot carry (a comma, a line break, a leading or trailing blank:
// csv_symbol_problem()) is refused before anything is written, naming the
// table entry. The output is written as "<out>.partial" and renamed when
// complete. Errors name the file and the line or record.
Status convert_market_data(const std::filesystem::path& in, const std::filesystem::path& out,
                           const ConvertOptions& options, ConvertStats* stats = nullptr);

}  // namespace keel
