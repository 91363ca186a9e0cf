// engine/data/binary_format.hpp — keel's binary market-data format (".kmd"):
// the specification of versions 1.0 and 2.0.
//
// A file of one kind of event (quotes, trades, bars or depth), read with no
// parsing. Version 1 stores each record as the ABI struct the strategies
// receive (keel/market.h): 48 bytes a quote. Version 2 stores the same
// events in blocks of columns — timestamps as deltas, prices and sizes as
// integer ticks, each column as narrow as its block allows — about a fifth
// of the bytes for typical quotes, and decodes them exactly: every event
// read from either version equals, bit for bit, the one the CSV gave. keel
// writes version 2 and reads both. `keel data convert` turns CSV into this
// format and back, losslessly (every timestamp and every double bit for bit).
//
// All integers and doubles are little-endian; doubles are IEEE-754 binary64.
//
// ---- What both versions share ---------------------------------------------
//
//   offset 0                    header, 64 bytes (FileHeader below; the
//                               fields after `header_size` differ by version)
//   offset header.record_offset the events (v1: records, v2: blocks), sorted
//                               by ts (non-decreasing; ties keep the order
//                               of the source rows)
//   offset header.table_offset  instrument table: instrument_count entries,
//                               each a u16 byte length (1..255) followed by
//                               that many bytes of symbol (no terminator);
//                               symbols are distinct. keel writes only
//                               symbols a CSV field can carry (no comma, CR
//                               or LF, no leading or trailing space or tab;
//                               engine/data/data_file.hpp), and refuses to
//                               convert a file holding another to CSV
//   end of file                 table_offset + table_size == the file size
//
// The table comes after the events so that a writer can stream events
// whose symbols it learns as it goes. An event names its instrument by index
// into the table (0-based); a reader maps each table entry to the run's
// instrument id once, on open.
//
// An event obeys the same rules as a CSV row: every double finite and not
// negative (-0 is allowed, as in CSV), bid <= ask, low <= min(open, close),
// high >= max(open, close); depth: side 0 (bid) or 1 (ask), price above 0,
// exch_ts not after ts and within the range below; ts not before the
// previous event's, and ts
// within 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z (0 to
// 7258118400000000000; engine/market/timestamp.hpp says why). ts is
// nanoseconds since 1970-01-01T00:00:00Z (UTC). A reader checks the header,
// the sizes and the table when it opens the file, and each block and event
// when it reads it; an error names the file and the byte offset (header,
// table, block) or the record index and its byte offset. Files are not
// checksummed.
//
// Versioning: a reader accepts any file whose major version it knows,
// whatever the minor; a minor version may only add meaning to reserved
// bytes (written 0) or append header fields within header_size. A new major
// version is a new format.
//
// ---- Version 1.0: fixed-size records ---------------------------------------
//
// Header: record_size is the record's size, record_offset a multiple of 8,
// table_offset = record_offset + record_count * record_size. Records (the
// `reserved` words are written 0 and ignored by readers):
//   quotes  48 bytes: i64 ts, u32 instrument, u32 reserved,
//                     f64 bid, f64 bid_size, f64 ask, f64 ask_size
//   trades  32 bytes: i64 ts, u32 instrument, u32 reserved, f64 price, f64 size
//   bars    56 bytes: i64 ts (the bar's close), u32 instrument, u32 reserved,
//                     f64 open, f64 high, f64 low, f64 close, f64 volume
//   depth   40 bytes: i64 ts, u32 instrument, i32 side (0 bid, 1 ask),
//                     f64 price, f64 size, i64 exch_ts   (keel_book_update_t;
//                     the word after instrument is side, not reserved)
// A reader may use the records in place (they are the ABI structs).
//
// ---- Version 2.0: blocks of columns ----------------------------------------
//
// Header: record_size is block_records, the records a block holds (1 to
// kMaxBlockRecords; keel writes kBlockRecords): every block holds that many
// but the last, which holds the rest, so there are
// ceil(record_count / block_records) blocks. The blocks lie back to back
// from record_offset (any offset at or after the header) to table_offset.
//
// A block is a BlockHeader (16 bytes), then one ColumnHeader (24 bytes) per
// column of the kind, then each column's data in column order: the block's
// record_count unsigned integers of the column's `width` bytes (0, 1, 2, 4
// or 8; width 0 = no bytes, every integer is 0). payload_size is the bytes
// of all the columns' data. Columns, in order:
//   quotes  ts, instrument, bid, bid_size, ask, ask_size
//   trades  ts, instrument, price, size
//   bars    ts, instrument, open, high, low, close, volume
//   depth   ts, instrument, side, price, size, exch_lag
// u[i] is record i's integer in the block; arithmetic is modulo 2^64, then
// read as two's complement where a signed value is meant:
//   ts          encoding delta:  ts[i] = ts[i-1] + u[i] * step, ts[-1] = base
//   instrument  encoding offset: index[i] = base + u[i] * step
//   the doubles encoding offset: k[i] = base + u[i] * step, then
//                                value[i] = (double)k[i] / 10^scale
//               encoding delta:  k[i] = k[i-1] + zigzag(u[i]) * step,
//                                k[-1] = base, value as above
//               encoding raw:    width 8, u[i] is the double's bits (base 0,
//                                step 1, scale 0, not used)
//   side        encoding offset: side[i] = base + u[i] * step (0 or 1; scale 0)
//   exch_lag    encoding offset: lag[i] = base + u[i] * step (scale 0), and
//                                exch_ts[i] = ts[i] - lag[i]: the feed latency,
//                                a small integer, so usually 1 or 2 bytes; a
//                                file without exchange times has lag 0 (width 0)
// where zigzag(u) = (u >> 1) ^ -(u & 1) (0, -1, 1, -2, ... for 0, 1, 2, 3),
// k is a signed 64-bit integer converted to the nearest double, and
// 10^scale (scale 0 to 22) is exact, so the division is IEEE-754's
// correctly rounded one. A price column's tick is step / 10^scale: 0.01 is
// scale 2, step 1; 0.05 is scale 2, step 5. step is at least 1.
// The writer picks each column's encoding per block and keeps one only if
// every value of the block decodes from it to the same bits (a -0, a NaN
// from a hostile source, a value with more digits than any scale holds:
// that column of that block is raw), so encoding never rounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "keel/market.h"

namespace keel::binary_format {

// "KEELMD" followed by "\r\n": a file mangled by text-mode line-end
// conversion no longer matches.
inline constexpr unsigned char kMagic[8] = {'K', 'E', 'E', 'L', 'M', 'D', '\r', '\n'};
inline constexpr uint16_t kVersion1 = 1;  // fixed-size records
inline constexpr uint16_t kVersion2 = 2;  // blocks of columns
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr uint32_t kHeaderSize = 64;
inline constexpr size_t kMaxSymbolLength = 255;

// The kind field; the same values as KEEL_EVENT_* (keel/market.h).
enum class Kind : uint32_t {
  quotes = KEEL_EVENT_QUOTE,
  trades = KEEL_EVENT_TRADE,
  bars = KEEL_EVENT_BAR,
  depth = KEEL_EVENT_BOOK
};

struct FileHeader {
  unsigned char magic[8];     //  0: kMagic
  uint16_t version_major;     //  8: kVersion1 or kVersion2
  uint16_t version_minor;     // 10: kVersionMinor
  uint32_t kind;              // 12: Kind
  uint32_t header_size;       // 16: 64 in versions 1.0 and 2.0 (a reader reads what it knows)
  uint32_t record_size;       // 20: v1: 48 (quotes), 32 (trades), 56 (bars), 40 (depth);
                              //     v2: block_records, 1..kMaxBlockRecords
  uint64_t record_offset;     // 24: where the events start (64 in files keel writes)
  uint64_t record_count;      // 32
  uint64_t table_offset;      // 40: where the events end
  uint32_t table_size;        // 48: bytes of the instrument table
  uint32_t instrument_count;  // 52: entries in the table
  int64_t first_ts;           // 56: the first record's ts (0 when there are none)
};
static_assert(sizeof(FileHeader) == kHeaderSize);
static_assert(offsetof(FileHeader, record_offset) == 24);
static_assert(offsetof(FileHeader, first_ts) == 56);

// ---- version 1 ----

// The records are the ABI structs; their layout is fixed by keel/market.h.
static_assert(sizeof(keel_quote_t) == 48 && offsetof(keel_quote_t, bid) == 16 &&
              offsetof(keel_quote_t, ask_size) == 40);
static_assert(sizeof(keel_trade_t) == 32 && offsetof(keel_trade_t, price) == 16);
static_assert(sizeof(keel_bar_t) == 56 && offsetof(keel_bar_t, open) == 16 &&
              offsetof(keel_bar_t, volume) == 48);
static_assert(sizeof(keel_book_update_t) == 40 && offsetof(keel_book_update_t, side) == 12 &&
              offsetof(keel_book_update_t, price) == 16 &&
              offsetof(keel_book_update_t, exch_ts) == 32);
static_assert(offsetof(keel_quote_t, instrument) == 8 && offsetof(keel_trade_t, instrument) == 8 &&
              offsetof(keel_bar_t, instrument) == 8 &&
              offsetof(keel_book_update_t, instrument) == 8);

// Version 1's record size of a kind.
constexpr uint32_t record_size_of(Kind kind) {
  switch (kind) {
    case Kind::quotes:
      return sizeof(keel_quote_t);
    case Kind::trades:
      return sizeof(keel_trade_t);
    case Kind::bars:
      return sizeof(keel_bar_t);
    case Kind::depth:
      return sizeof(keel_book_update_t);
  }
  return 0;
}

inline bool has_magic(const void* bytes, size_t size) {
  return size >= sizeof kMagic && std::memcmp(bytes, kMagic, sizeof kMagic) == 0;
}

// ---- version 2 ----

// Records a block holds: what keel writes, and the most a reader accepts
// (which bounds the records a small hostile file can promise).
inline constexpr uint32_t kBlockRecords = 4096;
inline constexpr uint32_t kMaxBlockRecords = 4096;
inline constexpr uint8_t kMaxScale = 22;  // 10^22 is the largest exact power of ten

struct BlockHeader {
  uint32_t record_count;  // 0: block_records, or the rest in the last block
  uint32_t payload_size;  // 4: bytes of column data after the column headers
  uint64_t reserved;      // 8: written 0, ignored
};
static_assert(sizeof(BlockHeader) == 16);

enum class Encoding : uint8_t { offset = 0, delta = 1, raw = 2 };

struct ColumnHeader {
  uint8_t encoding;     //  0: Encoding
  uint8_t width;        //  1: bytes per record: 0, 1, 2, 4 or 8
  uint8_t scale;        //  2: decimal places of the doubles (k / 10^scale); 0 otherwise
  uint8_t reserved[5];  //  3: written 0, ignored
  int64_t base;         //  8
  uint64_t step;        // 16: at least 1
};
static_assert(sizeof(ColumnHeader) == 24);

// Columns of a kind: ts, instrument, then its values.
constexpr uint32_t column_count_of(Kind kind) {
  switch (kind) {
    case Kind::quotes:
      return 6;
    case Kind::trades:
      return 4;
    case Kind::bars:
      return 7;
    case Kind::depth:
      return 6;
  }
  return 0;
}
inline constexpr uint32_t kMaxColumns = 7;

constexpr bool valid_width(uint8_t width) {
  return width == 0 || width == 1 || width == 2 || width == 4 || width == 8;
}

// This implementation reads and writes the format with plain loads and
// stores, so it only builds on little-endian machines.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the binary market-data reader assumes a little-endian machine");

}  // namespace keel::binary_format
