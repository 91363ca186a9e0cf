// engine/data/binary_format.hpp — keel's binary market-data format (".kmd"),
// version 1.0: the specification.
//
// A compact file of one kind of event (quotes, trades or bars), read with no
// parsing — memory-mapped, or in blocks: each record has the layout of the ABI struct the
// strategies receive (keel/market.h), so reading an event is one copy and
// one instrument lookup. `keel data convert` turns CSV into this format and
// back, losslessly (every timestamp and every double bit for bit).
//
// All integers and doubles are little-endian; doubles are IEEE-754 binary64.
//
//   offset 0                    header, 64 bytes (FileHeader below)
//   offset header.record_offset records: record_count x record_size bytes,
//                               sorted by ts (non-decreasing; ties keep the
//                               order of the source rows)
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
// The table comes after the records so that a writer can stream records
// whose symbols it learns as it goes. A record names its instrument by index
// into the table (0-based); a reader maps each table entry to the run's
// instrument id once, on open.
//
// Records (the `reserved` words are written 0 and ignored by readers):
//   quotes  48 bytes: i64 ts, u32 instrument, u32 reserved,
//                     f64 bid, f64 bid_size, f64 ask, f64 ask_size
//   trades  32 bytes: i64 ts, u32 instrument, u32 reserved, f64 price, f64 size
//   bars    56 bytes: i64 ts (the bar's close), u32 instrument, u32 reserved,
//                     f64 open, f64 high, f64 low, f64 close, f64 volume
// ts is nanoseconds since 1970-01-01T00:00:00Z (UTC).
//
// A record obeys the same rules as a CSV row: every double finite and not
// negative, bid <= ask, low <= min(open, close), high >= max(open, close),
// ts not before the previous record's, and ts within 1970-01-01T00:00:00Z to
// 2200-01-01T00:00:00Z (0 to 7258118400000000000; engine/market/timestamp.hpp
// says why). A reader checks the header, the
// sizes and the table when it opens the file, and each record when it
// reads it; an error names the file and the byte offset (header, table) or
// the record index and its byte offset. Files are not checksummed.
//
// Versioning: a reader accepts any file whose major version it knows,
// whatever the minor; a minor version may only add meaning to reserved
// bytes (written 0) or append header fields within header_size. A new major
// version is a new format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "keel/market.h"

namespace keel::binary_format {

// "KEELMD" followed by "\r\n": a file mangled by text-mode line-end
// conversion no longer matches.
inline constexpr unsigned char kMagic[8] = {'K', 'E', 'E', 'L', 'M', 'D', '\r', '\n'};
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr uint32_t kHeaderSize = 64;
inline constexpr size_t kMaxSymbolLength = 255;

// The kind field; the same values as KEEL_EVENT_* (keel/market.h).
enum class Kind : uint32_t {
  quotes = KEEL_EVENT_QUOTE,
  trades = KEEL_EVENT_TRADE,
  bars = KEEL_EVENT_BAR
};

struct FileHeader {
  unsigned char magic[8];     //  0: kMagic
  uint16_t version_major;     //  8: kVersionMajor
  uint16_t version_minor;     // 10: kVersionMinor
  uint32_t kind;              // 12: Kind
  uint32_t header_size;       // 16: 64 in version 1.0 (a reader reads what it knows)
  uint32_t record_size;       // 20: 48 (quotes), 32 (trades), 56 (bars)
  uint64_t record_offset;     // 24: where the records start (64 in files keel writes)
  uint64_t record_count;      // 32
  uint64_t table_offset;      // 40: record_offset + record_count * record_size
  uint32_t table_size;        // 48: bytes of the instrument table
  uint32_t instrument_count;  // 52: entries in the table
  int64_t first_ts;           // 56: the first record's ts (0 when there are none)
};
static_assert(sizeof(FileHeader) == kHeaderSize);
static_assert(offsetof(FileHeader, record_offset) == 24);
static_assert(offsetof(FileHeader, first_ts) == 56);

// The records are the ABI structs; their layout is fixed by keel/market.h.
static_assert(sizeof(keel_quote_t) == 48 && offsetof(keel_quote_t, bid) == 16 &&
              offsetof(keel_quote_t, ask_size) == 40);
static_assert(sizeof(keel_trade_t) == 32 && offsetof(keel_trade_t, price) == 16);
static_assert(sizeof(keel_bar_t) == 56 && offsetof(keel_bar_t, open) == 16 &&
              offsetof(keel_bar_t, volume) == 48);
static_assert(offsetof(keel_quote_t, instrument) == 8 && offsetof(keel_trade_t, instrument) == 8 &&
              offsetof(keel_bar_t, instrument) == 8);

constexpr uint32_t record_size_of(Kind kind) {
  switch (kind) {
    case Kind::quotes:
      return sizeof(keel_quote_t);
    case Kind::trades:
      return sizeof(keel_trade_t);
    case Kind::bars:
      return sizeof(keel_bar_t);
  }
  return 0;
}

inline bool has_magic(const void* bytes, size_t size) {
  return size >= sizeof kMagic && std::memcmp(bytes, kMagic, sizeof kMagic) == 0;
}

// This implementation reads and writes the format with plain loads and
// stores, so it only builds on little-endian machines.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the binary market-data reader assumes a little-endian machine");

}  // namespace keel::binary_format
