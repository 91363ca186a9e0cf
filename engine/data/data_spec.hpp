// engine/data/data_spec.hpp — what a run file's data entry says: which file,
// which kind of events it holds, and the instrument when the file has no
// instrument column. The data readers take these; engine/config fills them
// from a run file (config depends on data, never the other way round).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace keel {

// depth: one order-book level change per row (keel_book_update_t).
enum class DataFormat { quotes, trades, bars, depth };
// "quotes", "trades", "bars" or "depth": the name in run files and on the command line.
const char* data_format_name(DataFormat format);
// The CSV header keel writes for a kind (no newline), e.g. "ts,instrument,price,size".
const char* csv_header(DataFormat format);

struct DataSpec {
  std::filesystem::path path;  // resolved against the run file's folder
  DataFormat format = DataFormat::quotes;
  // "format": "binary": a keel binary file (engine/data/binary_format.hpp)
  // whose header gives the kind; `format` is then not used. A binary file
  // is also recognised by its magic when "format" names the kind.
  bool binary = false;
  std::optional<std::string> instrument;  // when the file has no instrument column
};

}  // namespace keel
