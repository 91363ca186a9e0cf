// engine/data/csv_market_data.hpp — a CSV file of quotes, trades, bars or depth,
// streamed as market events.
//
// The file starts with a header naming its columns, in any order:
//   quotes  ts,instrument,bid,bid_size,ask,ask_size
//   trades  ts,instrument,price,size
//   bars    ts,instrument,open,high,low,close,volume   (ts = the bar's close time)
//   depth   ts,instrument,side,price,size[,exch_ts]    (one book level's new size)
// Column names are matched case-insensitively; other columns are ignored.
// Depth rows: side is "bid" or "ask" (any case); price is above 0; size is
// the level's new total (0 removes it); exch_ts, when the column is there,
// is when the venue made the update and must not be after ts (when we
// received it); without the column an event's exch_ts is its ts.
// `ts` is ISO-8601 UTC ("2024-01-02T14:30:00.25Z") or integer nanoseconds
// since the epoch. The instrument column may be left out when the data
// entry names the instrument; when both are given every row must name that
// instrument. Empty lines are skipped, CRLF line ends are accepted, fields
// are not quoted (no field of these formats needs quoting). A file with only
// a header is an empty stream. Every line, the last one too, must end with a
// line ending: a last line without one is refused (it may be a row cut short
// mid-number; engine/data/data_file.hpp). Times must lie in the data range
// (engine/market/timestamp.hpp). Only a regular file is read.
//
// The file is read in blocks (1 MiB by default) into one buffer that is
// reused for the whole file; a row is parsed in place (std::from_chars, the
// symbol looked up without allocating), so memory stays flat however large
// the file. The buffer only grows if a single line is longer than a block,
// and a line longer than kMaxLineBytes is refused (a file with no line
// breaks would otherwise be read whole into memory).
//
// A malformed row ends the stream with an error
// "path:line:column: what was wrong" (column = the 1-based field number);
// the same error is returned again by every later next().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/data_spec.hpp"
#include "engine/data/data_file.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/instrument.hpp"

namespace keel {

class CsvMarketData final : public MarketDataSource {
 public:
  // What a column holds; `ignored` for columns the format does not use.
  enum class Field : uint8_t {
    ignored,
    ts,
    instrument,
    bid,
    bid_size,
    ask,
    ask_size,
    price,
    size,
    open,
    high,
    low,
    close,
    volume,
    side,     // depth: "bid" or "ask"
    exch_ts,  // depth, optional: when the venue made the update
    count
  };
  static constexpr size_t kFieldCount = static_cast<size_t>(Field::count);

  static constexpr size_t kDefaultBlockSize = size_t{1} << 20;
  static constexpr size_t kMaxLineBytes = size_t{64} << 20;

  // Opens `path` and checks its header. `instrument` is the data entry's
  // instrument (required when the file has no instrument column);
  // `instruments` is only read during open(). `block_size` is the read size
  // and initial buffer size (tests use tiny blocks so rows straddle them).
  static Result<std::unique_ptr<CsvMarketData>> open(const std::filesystem::path& path,
                                                     DataFormat format,
                                                     std::optional<keel_instrument_id_t> instrument,
                                                     const InstrumentTable& instruments,
                                                     size_t block_size = kDefaultBlockSize);
  // The same over a file already opened with open_data_file(); `path`
  // names it in messages.
  static Result<std::unique_ptr<CsvMarketData>> open(DataFile file,
                                                     const std::filesystem::path& path,
                                                     DataFormat format,
                                                     std::optional<keel_instrument_id_t> instrument,
                                                     const InstrumentTable& instruments,
                                                     size_t block_size = kDefaultBlockSize);

  // For conversion (`keel data convert`), where there is no run file: every
  // symbol is accepted and given the next id in order of first appearance
  // (learned_symbols()). `fixed_symbol` plays the data entry's instrument.
  // A symbol must fit keel's binary format (1 to 255 bytes) and convert back
  // to CSV (csv_symbol_problem(): no line break); a row whose symbol does
  // not is an error at its file:line:column, and the symbol is not copied.
  static Result<std::unique_ptr<CsvMarketData>> open_any_symbols(
      const std::filesystem::path& path, DataFormat format,
      const std::optional<std::string>& fixed_symbol, size_t block_size = kDefaultBlockSize);
  static Result<std::unique_ptr<CsvMarketData>> open_any_symbols(
      DataFile file, const std::filesystem::path& path, DataFormat format,
      const std::optional<std::string>& fixed_symbol, size_t block_size = kDefaultBlockSize);
  // The symbols seen so far, by id (open_any_symbols only).
  const std::vector<std::string>& learned_symbols() const { return learned_; }

  ~CsvMarketData() override;
  CsvMarketData(const CsvMarketData&) = delete;
  CsvMarketData& operator=(const CsvMarketData&) = delete;

  Result<bool> next(MarketEvent& out) override;
  const std::string& name() const override { return name_; }

  DataFormat format() const { return format_; }
  // Rows returned so far, and the line number of the last line read.
  uint64_t rows() const { return rows_; }
  uint64_t line() const { return line_; }
  // Bytes the read buffer holds: the block size unless a line was longer.
  size_t buffer_capacity() const { return capacity_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using SymbolMap =
      std::unordered_map<std::string, keel_instrument_id_t, StringHash, std::equal_to<>>;

  CsvMarketData(std::filesystem::path path, DataFormat format,
                std::optional<keel_instrument_id_t> instrument, size_t block_size);

  enum class LineResult { line, end, error };
  LineResult next_line(std::string_view& line);
  Status read_header();
  // The row functions return false after storing the error in error_ (so
  // the per-row path builds no Status).
  bool parse_row(std::string_view line, MarketEvent& out);
  bool parse_number(std::string_view text, Field field, double& out);
  bool lookup_instrument(std::string_view symbol, keel_instrument_id_t& id);
  bool fail(Field field, const std::string& message);
  bool fail_at(size_t column, const std::string& message);
  Status row_error_at(size_t column, const std::string& message) const;

  std::filesystem::path path_;
  std::string name_;
  DataFormat format_;
  std::optional<keel_instrument_id_t> fixed_instrument_;
  std::string fixed_symbol_;

  // Reader state: buf_[begin_, end_) is unconsumed; '\n' was searched up to scan_.
  DataFile file_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t begin_ = 0, end_ = 0, scan_ = 0;
  bool eof_ = false;
  uint64_t line_ = 0;
  uint64_t rows_ = 0;
  Status io_error_;

  // Header: the role of each column, and each role's 1-based column.
  std::vector<Field> roles_;
  size_t column_of_[kFieldCount] = {};
  std::vector<std::string_view> fields_;  // the current row, split (reused)
  double values_[kFieldCount] = {};

  SymbolMap symbols_;
  std::string_view last_symbol_;  // a key of symbols_ (stable), "" when none yet
  // The first few symbols seen in this file (keys of symbols_), searched
  // before hashing: a file rarely holds more than a handful of instruments.
  static constexpr size_t kRecentSymbols = 8;
  std::vector<std::pair<std::string_view, keel_instrument_id_t>> recent_;
  keel_instrument_id_t last_id_ = KEEL_NO_INSTRUMENT;

  int64_t previous_ts_ = std::numeric_limits<int64_t>::min();
  std::optional<Status> error_;  // sticky once a row failed
  bool learn_symbols_ = false;   // open_any_symbols
  std::vector<std::string> learned_;
};

}  // namespace keel
