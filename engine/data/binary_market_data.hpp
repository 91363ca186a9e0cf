// engine/data/binary_market_data.hpp — reading and writing keel's binary
// market-data format, versions 1 and 2 (engine/data/binary_format.hpp is
// the specification).
//
// BinaryMarketData checks the header and instrument table through a
// read-only mapping of the file, then reads the events in blocks (pread)
// into one buffer reused for the whole file, and streams them as market
// events, nothing allocated; memory stays flat however large the file.
//   version 1  256 KiB of fixed-size records a read: one copy of the record
//              and one instrument lookup per event;
//   version 2  one block of columns a read (binary_block_codec.hpp): its
//              headers are checked, then its columns are decoded straight
//              into the caller's events, a run at a time.
// Why not read through the mapping: every page of a mapping costs a
// page-table update when first touched, and on the VMs keel was measured
// on (paravirtualised page tables) that is ~4 us per 4 KiB page — 55 ns per
// version 1 quote record, five times the cost of copying the same bytes
// with pread into a buffer whose pages are mapped once (keel_bench's
// binary_read_quotes).
//
// The header, the sizes and the instrument table are checked on open
// (version 2: the first block's headers too); each block's headers when it
// is read, and each event as it is read (the same rules as a CSV row).
// Errors name the file and the byte offset, or the record index and its
// byte offset (version 1) or its block's (version 2):
//   "data/q.kmd: record 17 (byte offset 880): ts 2024-01-02T14:30:00Z is
//    before the previous record's 2024-01-02T14:30:01Z: ..."
//   "data/q.kmd: block 3 (byte offset 41960): column bid: width 3 is not
//    0, 1, 2, 4 or 8"
// A record error ends the stream; the same error is returned again by every
// later next().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/binary_block_codec.hpp"
#include "engine/data/binary_format.hpp"
#include "engine/data/data_file.hpp"
#include "engine/data/data_spec.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/instrument.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {

// The file's kind as the run file names it, and back.
DataFormat data_format_of(binary_format::Kind kind);
binary_format::Kind binary_kind_of(DataFormat format);

class BinaryMarketData final : public MarketDataSource {
 public:
  // Opens and checks `path`. Every symbol of its instrument table must be
  // in `instruments` (only read during open()); `instrument`, when set, is
  // the data entry's instrument, and then the table may hold only that one.
  // `expected`, when set, is the kind the run file says the file holds.
  static Result<std::unique_ptr<BinaryMarketData>> open(
      const std::filesystem::path& path, const InstrumentTable& instruments,
      std::optional<keel_instrument_id_t> instrument = std::nullopt,
      std::optional<DataFormat> expected = std::nullopt);
  // The same over a file already opened with open_data_file(); `path`
  // names it in messages.
  static Result<std::unique_ptr<BinaryMarketData>> open(
      DataFile file, const std::filesystem::path& path, const InstrumentTable& instruments,
      std::optional<keel_instrument_id_t> instrument = std::nullopt,
      std::optional<DataFormat> expected = std::nullopt);

  // Opens `path` keeping the file's own instrument table: event instrument
  // ids are table indices (symbols()). For conversion and inspection.
  static Result<std::unique_ptr<BinaryMarketData>> open_raw(const std::filesystem::path& path);
  static Result<std::unique_ptr<BinaryMarketData>> open_raw(DataFile file,
                                                            const std::filesystem::path& path);

  ~BinaryMarketData() override;
  BinaryMarketData(const BinaryMarketData&) = delete;
  BinaryMarketData& operator=(const BinaryMarketData&) = delete;

  Result<bool> next(MarketEvent& out) override;
  Result<size_t> next_batch(MarketEvent* out, size_t capacity) override;
  const std::string& name() const override { return name_; }

  DataFormat format() const { return data_format_of(kind_); }
  uint64_t record_count() const { return count_; }
  uint64_t records_read() const { return index_; }
  // The file's instrument table, in file order.
  const std::vector<std::string>& symbols() const { return symbols_; }
  // Bytes of the file (header, records, table).
  uint64_t file_size() const { return size_; }
  // The format's major version: 1 or 2.
  uint16_t version() const { return version_; }

 private:
  explicit BinaryMarketData(const std::filesystem::path& path);
  Status map_and_check(DataFile file);
  Status check_v1(const binary_format::FileHeader& h);
  Status check_v2(const binary_format::FileHeader& h);
  Status check_table(const binary_format::FileHeader& h);
  Status resolve(const InstrumentTable& instruments,
                 std::optional<keel_instrument_id_t> instrument);
  bool check_record(const MarketEvent& event);
  Status first_ts_error(int64_t header, int64_t first) const;
  // pread of `bytes` at `offset` into `into`; false (error_ set) on failure.
  bool read_at(unsigned char* into, uint64_t bytes, uint64_t offset);
  bool fill_block();  // v1: reads the records from index_; false (error_ set) on failure
  bool load_block();  // v2: reads and checks the block at index_; false (error_ set) on failure
  // Version 1: the record at index_ into `out`: true, or false at the end
  // or on an error (error_ set).
  bool read_record(MarketEvent& out);
  // Checks the event read as record index_, maps its instrument and moves
  // on: true, or false with error_ set.
  bool accept(MarketEvent& out);
  std::string record_where() const;  // "record 17 (byte offset 880)"
  Status error_at(uint64_t offset, const std::string& what) const;

  std::string name_;
  int fd_ = -1;
  const unsigned char* base_ = nullptr;  // the whole file, mapped read-only
  uint64_t size_ = 0;
  binary_format::Kind kind_ = binary_format::Kind::quotes;
  MarketEventKind event_kind_ = MarketEventKind::quote;
  uint16_t version_ = 0;
  uint32_t record_size_ = 0;  // v1
  uint64_t record_offset_ = 0;
  std::unique_ptr<unsigned char[]> block_;
  uint64_t block_records_ = 0;                // records per full block
  uint64_t block_start_ = 0, block_end_ = 0;  // record indices in block_
  uint64_t count_ = 0;
  uint64_t index_ = 0;
  std::vector<std::string> symbols_;
  std::vector<keel_instrument_id_t> ids_;  // table index -> run instrument id
  // Version 2: the block being read, and where the next one starts.
  std::optional<binary_format::BlockDecoder> decoder_;
  uint64_t table_offset_ = 0;
  uint64_t block_offset_ = 0, next_block_offset_ = 0;
  uint64_t block_number_ = 0;
  int64_t previous_ts_ = kMinDataTimestampNs;
  std::optional<Status> error_;  // sticky once a record failed
};

// Writes a binary file, version 2 unless asked for 1: events are streamed
// in (version 2 buffers one block), the instrument table is learned from
// the symbols used, and the header is written by finish(). The file is
// written as "<path>.partial" and renamed by finish(), so a failure leaves
// no half-written file under the final name.
class BinaryMarketDataWriter {
 public:
  static Result<std::unique_ptr<BinaryMarketDataWriter>> create(
      const std::filesystem::path& path, DataFormat format,
      uint16_t version = binary_format::kVersion2);
  ~BinaryMarketDataWriter();
  BinaryMarketDataWriter(const BinaryMarketDataWriter&) = delete;
  BinaryMarketDataWriter& operator=(const BinaryMarketDataWriter&) = delete;

  // The table index for `symbol`, added if new (1..255 bytes).
  Result<uint32_t> symbol_index(const std::string& symbol);
  // Appends one event of the writer's kind; its instrument field is a
  // table index (symbol_index). Events must come in ts order.
  Status append(const MarketEvent& event);
  Status finish();
  uint64_t records() const { return count_; }

 private:
  BinaryMarketDataWriter(std::filesystem::path path, DataFormat format, uint16_t version);
  Status write_bytes(const void* data, size_t size);
  Status flush_block();  // v2: encodes and writes the buffered events

  std::filesystem::path path_, partial_;
  binary_format::Kind kind_;
  uint16_t version_;
  uint32_t record_size_;                                // v1
  std::optional<binary_format::BlockEncoder> encoder_;  // v2
  std::vector<unsigned char> encoded_;                  // v2: one block's bytes (reused)
  uint64_t events_bytes_ = 0;                           // bytes written after the header
  std::FILE* file_ = nullptr;
  uint64_t count_ = 0;
  int64_t first_ts_ = 0;
  int64_t previous_ts_ = std::numeric_limits<int64_t>::min();
  std::vector<std::string> symbols_;
  bool finished_ = false;
};

}  // namespace keel
