// engine/data/binary_block_codec.hpp — encoding and decoding one block of
// version 2 of keel's binary market-data format (engine/data/binary_format.hpp
// is the specification; engine/data/binary_market_data.hpp reads and writes
// whole files with these).
//
// BlockEncoder collects up to kBlockRecords events and encodes them, picking
// for each column the narrowest encoding that gives back every value bit
// for bit; it never rounds (a value no tick scale holds makes its column
// raw). BlockDecoder checks a block's headers and decodes its records into
// market events, in order, in runs of any length: the reader hands it the
// caller's own event array, so events are written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/binary_format.hpp"
#include "engine/market/market_event.hpp"

namespace keel::binary_format {

class BlockEncoder {
 public:
  explicit BlockEncoder(Kind kind);

  // Adds one event of the encoder's kind; its instrument field is a table
  // index. The caller keeps events in ts order and at most kBlockRecords.
  void add(const MarketEvent& event);
  size_t size() const { return ts_.size(); }
  bool empty() const { return ts_.empty(); }

  // Appends the block (BlockHeader, ColumnHeaders, column data) to `out`
  // and empties the encoder; nothing when it is empty.
  void encode(std::vector<unsigned char>& out);

 private:
  Kind kind_;
  uint32_t columns_;
  std::vector<int64_t> ts_;
  std::vector<uint32_t> index_;
  std::vector<double> values_[kMaxColumns - 2];     // by value column: doubles
  std::vector<int64_t> integers_[kMaxColumns - 2];  // depth's side and exch_lag
  std::vector<uint64_t> scratch_;
};

class BlockDecoder {
 public:
  explicit BlockDecoder(Kind kind);

  // Bytes of a block's BlockHeader and ColumnHeaders.
  size_t headers_size() const { return sizeof(BlockHeader) + columns_ * sizeof(ColumnHeader); }

  // Checks the headers at `headers` (headers_size() bytes) for a block that
  // must hold `expected_records` records. Returns "" or what is wrong; on
  // success payload_size() is the bytes of column data that follow.
  std::string check_headers(const unsigned char* headers, uint32_t expected_records);
  uint32_t payload_size() const { return payload_size_; }
  uint32_t record_count() const { return records_; }

  // Starts decoding the checked block's column data, payload_size() bytes
  // at `payload` (which must stay valid while decoding).
  void start(const unsigned char* payload);

  // The ts of the block's first record (after start()).
  int64_t first_ts() const;

  // Decodes the next `n` records of the block into out[0..n): ts, the
  // instrument as a table index (saturated at UINT32_MAX), the doubles and
  // the event's kind. The caller checks the events (the decoder promises
  // nothing about their values).
  void decode(size_t n, MarketEvent* out);

 private:
  struct Column {
    const unsigned char* data = nullptr;  // the next record's integer
    Encoding encoding = Encoding::offset;
    uint8_t width = 0;
    uint8_t scale = 0;
    uint64_t base = 0;
    uint64_t step = 1;
    uint64_t running = 0;  // delta columns: the previous value (ts, or ticks)
  };

  Kind kind_;
  MarketEventKind event_kind_;
  uint32_t columns_;
  uint32_t records_ = 0;
  uint32_t payload_size_ = 0;
  Column column_[kMaxColumns];
};

}  // namespace keel::binary_format
