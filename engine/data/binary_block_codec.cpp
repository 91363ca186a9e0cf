#include "engine/data/binary_block_codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

namespace keel::binary_format {
namespace {

// 10^0 .. 10^22: every one exact in a double.
constexpr double kPow10[kMaxScale + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                          1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Ticks are kept below 2^53, where every integer is a double.
constexpr int64_t kMaxTicks = int64_t{1} << 53;

// What a value column (2 and after) holds, and where in the event's
// payload: ts is at 0 and the instrument at 8 in every ABI struct; the
// doubles follow from 16; a depth event also has its side (i32 at 12) and
// exch_ts (i64 at 32), stored as the lag ts - exch_ts.
enum class Value : uint8_t { real, side, lag };

Value value_of(Kind kind, uint32_t column) {
  if (kind != Kind::depth) return Value::real;
  return column == 2 ? Value::side : column == 5 ? Value::lag : Value::real;
}

size_t double_offset(Kind kind, uint32_t column) {
  return kind == Kind::depth ? 16 + 8 * (column - 3) : 16 + 8 * (column - 2);
}

uint8_t width_for(uint64_t largest) {
  if (largest == 0) return 0;
  if (largest <= 0xFF) return 1;
  if (largest <= 0xFFFF) return 2;
  if (largest <= 0xFFFFFFFF) return 4;
  return 8;
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// `value` as k / 10^scale, k an integer below 2^53, such that the division
// the reader does gives back `value` bit for bit. False for a negative,
// a -0, a NaN, an infinity, or a value needing more digits than `scale`.
bool ticks_at(double value, uint8_t scale, int64_t& k) {
  if (!(value >= 0) || std::signbit(value)) return false;
  const double p = kPow10[scale];
  const double scaled = value * p;
  if (!(scaled < static_cast<double>(kMaxTicks))) return false;
  // value * p is within an ulp or so of the right integer: try its neighbours.
  const auto nearest = static_cast<int64_t>(std::nearbyint(scaled));
  for (const int64_t candidate : {nearest, nearest - 1, nearest + 1}) {
    if (candidate < 0 || candidate > kMaxTicks) continue;
    // Not x * (1 / p): only the correctly rounded division is exact.
    if (static_cast<double>(candidate) / p == value) {
      k = candidate;
      return true;
    }
  }
  return false;
}

void append(std::vector<unsigned char>& out, const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  out.insert(out.end(), bytes, bytes + size);
}

// Appends each integer as `width` little-endian bytes.
void append_ints(std::vector<unsigned char>& out, const std::vector<uint64_t>& ints,
                 uint8_t width) {
  if (width == 0) return;
  const size_t at = out.size();
  out.resize(at + ints.size() * width);
  unsigned char* p = out.data() + at;
  for (const uint64_t v : ints) {
    std::memcpy(p, &v, width);  // little-endian: the low bytes first
    p += width;
  }
}

// The largest step dividing every v - base (1 when all are equal).
uint64_t common_step(const std::vector<uint64_t>& differences) {
  uint64_t g = 0;
  for (const uint64_t d : differences) g = std::gcd(g, d);
  return g == 0 ? 1 : g;
}

ColumnHeader header(Encoding encoding, uint8_t width, uint8_t scale, int64_t base, uint64_t step) {
  ColumnHeader h{};
  h.encoding = static_cast<uint8_t>(encoding);
  h.width = width;
  h.scale = scale;
  h.base = base;
  h.step = step;
  return h;
}

// An integer column: offsets from the smallest value (modulo 2^64).
ColumnHeader encode_integers(const std::vector<int64_t>& values, std::vector<uint64_t>& ints) {
  const size_t n = values.size();
  ints.resize(n);
  const int64_t low = *std::min_element(values.begin(), values.end());
  for (size_t i = 0; i < n; ++i) {
    ints[i] = static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(low);
  }
  const uint64_t step = common_step(ints);
  uint64_t largest = 0;
  for (uint64_t& v : ints) largest = std::max(largest, v /= step);
  return header(Encoding::offset, width_for(largest), 0, low, step);
}

// Chooses a double column's encoding; `ints` gets its integers.
ColumnHeader encode_doubles(const std::vector<double>& values, std::vector<uint64_t>& ints) {
  const size_t n = values.size();
  ints.resize(n);
  // The smallest scale at which every value is a whole number of ticks: a
  // value exact at scale s is exact at every larger scale whose ticks stay
  // below 2^53, so the scale only grows as values come.
  uint8_t scale = 0;
  bool ticks = true;
  int64_t k = 0;
  for (const double v : values) {
    if (ticks_at(v, scale, k)) continue;
    ticks = false;
    for (uint8_t s = scale + 1; s <= kMaxScale; ++s) {
      if (ticks_at(v, s, k)) {
        scale = s;
        ticks = true;
        break;
      }
    }
    if (!ticks) break;
  }
  // Every value again at the final scale, checked once more: the file holds
  // only what decodes to the same bits.
  std::vector<int64_t> k_of(n);
  for (size_t i = 0; ticks && i < n; ++i) ticks = ticks_at(values[i], scale, k_of[i]);
  if (!ticks) {
    for (size_t i = 0; i < n; ++i) ints[i] = std::bit_cast<uint64_t>(values[i]);
    return header(Encoding::raw, 8, 0, 0, 1);
  }

  const int64_t low = *std::min_element(k_of.begin(), k_of.end());
  for (size_t i = 0; i < n; ++i) ints[i] = static_cast<uint64_t>(k_of[i] - low);
  const uint64_t step = common_step(ints);
  uint64_t largest_offset = 0, largest_delta = 0;
  for (size_t i = 0; i < n; ++i) {
    largest_offset = std::max(largest_offset, ints[i] / step);
    const int64_t delta = (k_of[i] - k_of[i > 0 ? i - 1 : 0]) / static_cast<int64_t>(step);
    largest_delta = std::max(largest_delta, zigzag(delta));
  }
  const uint8_t offset_width = width_for(largest_offset);
  const uint8_t delta_width = width_for(largest_delta);
  if (delta_width < offset_width) {
    for (size_t i = 0; i < n; ++i) {
      ints[i] = zigzag((k_of[i] - k_of[i > 0 ? i - 1 : 0]) / static_cast<int64_t>(step));
    }
    return header(Encoding::delta, delta_width, scale, k_of[0], step);
  }
  for (uint64_t& v : ints) v /= step;
  return header(Encoding::offset, offset_width, scale, low, step);
}

template <unsigned W>
inline uint64_t load(const unsigned char* p) {
  if constexpr (W == 0) {
    (void)p;
    return 0;
  } else if constexpr (W == 1) {
    return p[0];
  } else if constexpr (W == 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  } else if constexpr (W == 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  } else {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
}

// Calls f(std::integral_constant<unsigned, width>) for a checked width.
template <class F>
inline void with_width(uint8_t width, F&& f) {
  switch (width) {
    case 0:
      f(std::integral_constant<unsigned, 0>{});
      break;
    case 1:
      f(std::integral_constant<unsigned, 1>{});
      break;
    case 2:
      f(std::integral_constant<unsigned, 2>{});
      break;
    case 4:
      f(std::integral_constant<unsigned, 4>{});
      break;
    default:
      f(std::integral_constant<unsigned, 8>{});
      break;
  }
}

const char* column_name(Kind kind, uint32_t column) {
  static constexpr const char* kQuotes[] = {"ts",       "instrument", "bid",
                                            "bid_size", "ask",        "ask_size"};
  static constexpr const char* kTrades[] = {"ts", "instrument", "price", "size"};
  static constexpr const char* kBars[] = {"ts",  "instrument", "open",  "high",
                                          "low", "close",      "volume"};
  static constexpr const char* kDepth[] = {"ts", "instrument", "side", "price", "size", "exch_lag"};
  switch (kind) {
    case Kind::quotes:
      return kQuotes[column];
    case Kind::trades:
      return kTrades[column];
    case Kind::bars:
      return kBars[column];
    case Kind::depth:
      return kDepth[column];
  }
  return "?";
}

}  // namespace

// ---- encoder --------------------------------------------------------------------------

BlockEncoder::BlockEncoder(Kind kind) : kind_(kind), columns_(column_count_of(kind)) {
  ts_.reserve(kBlockRecords);
  index_.reserve(kBlockRecords);
  for (uint32_t c = 2; c < columns_; ++c) {
    (value_of(kind_, c) == Value::real ? values_[c - 2].reserve(kBlockRecords)
                                       : integers_[c - 2].reserve(kBlockRecords));
  }
}

void BlockEncoder::add(const MarketEvent& event) {
  ts_.push_back(event.ts());
  index_.push_back(event.instrument());
  const auto* payload = reinterpret_cast<const unsigned char*>(&event.as);
  for (uint32_t c = 2; c < columns_; ++c) {
    switch (value_of(kind_, c)) {
      case Value::real: {
        double v;
        std::memcpy(&v, payload + double_offset(kind_, c), sizeof v);
        values_[c - 2].push_back(v);
        break;
      }
      case Value::side:
        integers_[c - 2].push_back(event.as.book.side);
        break;
      case Value::lag:  // modulo 2^64: any pair of times round-trips
        integers_[c - 2].push_back(
            static_cast<int64_t>(static_cast<uint64_t>(event.as.book.ts) -
                                 static_cast<uint64_t>(event.as.book.exch_ts)));
        break;
    }
  }
}

void BlockEncoder::encode(std::vector<unsigned char>& out) {
  const size_t n = ts_.size();
  if (n == 0) return;  // a block holds at least one record
  ColumnHeader headers[kMaxColumns];
  std::vector<uint64_t> ints[kMaxColumns];

  // ts: deltas from the previous record's (the first from base, 0).
  ints[0].resize(n);
  for (size_t i = 0; i < n; ++i) {
    ints[0][i] = static_cast<uint64_t>(ts_[i]) - static_cast<uint64_t>(ts_[i > 0 ? i - 1 : 0]);
  }
  uint64_t step = common_step(ints[0]);
  uint64_t largest = 0;
  for (uint64_t& d : ints[0]) largest = std::max(largest, d /= step);
  headers[0] = header(Encoding::delta, width_for(largest), 0, ts_[0], step);

  // instrument: offsets from the smallest index.
  const uint32_t low = *std::min_element(index_.begin(), index_.end());
  ints[1].resize(n);
  for (size_t i = 0; i < n; ++i) ints[1][i] = index_[i] - low;
  step = common_step(ints[1]);
  largest = 0;
  for (uint64_t& d : ints[1]) largest = std::max(largest, d /= step);
  headers[1] = header(Encoding::offset, width_for(largest), 0, low, step);

  for (uint32_t c = 2; c < columns_; ++c) {
    headers[c] = value_of(kind_, c) == Value::real ? encode_doubles(values_[c - 2], ints[c])
                                                   : encode_integers(integers_[c - 2], ints[c]);
  }

  BlockHeader block{};
  block.record_count = static_cast<uint32_t>(n);
  for (uint32_t c = 0; c < columns_; ++c) {
    block.payload_size += static_cast<uint32_t>(n * headers[c].width);
  }
  append(out, &block, sizeof block);
  append(out, headers, columns_ * sizeof(ColumnHeader));
  for (uint32_t c = 0; c < columns_; ++c) append_ints(out, ints[c], headers[c].width);

  ts_.clear();
  index_.clear();
  for (uint32_t c = 2; c < columns_; ++c) {
    values_[c - 2].clear();
    integers_[c - 2].clear();
  }
}

// ---- decoder --------------------------------------------------------------------------

BlockDecoder::BlockDecoder(Kind kind)
    : kind_(kind),
      event_kind_(static_cast<MarketEventKind>(kind)),
      columns_(column_count_of(kind)) {}

std::string BlockDecoder::check_headers(const unsigned char* headers, uint32_t expected_records) {
  BlockHeader block;
  std::memcpy(&block, headers, sizeof block);
  if (block.record_count != expected_records) {
    return "record_count " + std::to_string(block.record_count) + " where the file header says " +
           std::to_string(expected_records) +
           " (block_records, or the records left for the last block)";
  }
  uint64_t payload = 0;
  for (uint32_t c = 0; c < columns_; ++c) {
    ColumnHeader h;
    std::memcpy(&h, headers + sizeof block + c * sizeof h, sizeof h);
    const std::string what = std::string("column ") + column_name(kind_, c) + ": ";
    if (!valid_width(h.width)) {
      return what + "width " + std::to_string(h.width) + " is not 0, 1, 2, 4 or 8";
    }
    if (h.step == 0) return what + "step 0 (it must be at least 1)";
    const auto encoding = static_cast<Encoding>(h.encoding);
    if (c == 0 && encoding != Encoding::delta) {
      return what + "encoding " + std::to_string(h.encoding) + " (ts columns are delta, 1)";
    }
    if (c == 1 && encoding != Encoding::offset) {
      return what + "encoding " + std::to_string(h.encoding) +
             " (instrument columns are offset, 0)";
    }
    if (c >= 2 && value_of(kind_, c) != Value::real) {
      if (encoding != Encoding::offset || h.scale != 0) {
        return what + "encoding " + std::to_string(h.encoding) + ", scale " +
               std::to_string(h.scale) + " (integer columns are offset, 0, with scale 0)";
      }
    } else if (c >= 2) {
      if (h.encoding > static_cast<uint8_t>(Encoding::raw)) {
        return what + "unknown encoding " + std::to_string(h.encoding) +
               " (0 offset, 1 delta, 2 raw)";
      }
      if (encoding == Encoding::raw && h.width != 8) {
        return what + "a raw column has width " + std::to_string(h.width) + ", not 8";
      }
      if (h.scale > kMaxScale) {
        return what + "scale " + std::to_string(h.scale) + " is above " + std::to_string(kMaxScale);
      }
    }
    Column& column = column_[c];
    column.encoding = encoding;
    column.width = h.width;
    column.scale = h.scale;
    column.base = static_cast<uint64_t>(h.base);
    column.step = h.step;
    payload += uint64_t{expected_records} * h.width;
  }
  if (block.payload_size != payload) {
    return "payload_size " + std::to_string(block.payload_size) + " is not the " +
           std::to_string(payload) + " bytes its columns' widths give";
  }
  records_ = expected_records;
  payload_size_ = static_cast<uint32_t>(payload);
  return "";
}

void BlockDecoder::start(const unsigned char* payload) {
  for (uint32_t c = 0; c < columns_; ++c) {
    column_[c].data = payload;
    column_[c].running = column_[c].base;
    payload += size_t{records_} * column_[c].width;
  }
}

int64_t BlockDecoder::first_ts() const {
  const Column& ts = column_[0];
  uint64_t first = 0;
  with_width(ts.width, [&](auto w) { first = load<decltype(w)::value>(ts.data); });
  return static_cast<int64_t>(ts.base + first * ts.step);
}

void BlockDecoder::decode(size_t n, MarketEvent* out) {
  for (size_t i = 0; i < n; ++i) {
    out[i].kind = event_kind_;
    out[i].reserved = 0;
  }
  {
    Column& c = column_[0];
    with_width(c.width, [&](auto w) {
      constexpr unsigned W = decltype(w)::value;
      uint64_t t = c.running;
      for (size_t i = 0; i < n; ++i) {
        t += load<W>(c.data + i * W) * c.step;
        out[i].as.quote.ts = static_cast<int64_t>(t);
      }
      c.running = t;
      c.data += n * W;
    });
  }
  {
    Column& c = column_[1];
    with_width(c.width, [&](auto w) {
      constexpr unsigned W = decltype(w)::value;
      constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
      for (size_t i = 0; i < n; ++i) {
        const uint64_t index = c.base + load<W>(c.data + i * W) * c.step;
        out[i].as.quote.instrument = static_cast<uint32_t>(std::min(index, kMax));
        out[i].as.quote.reserved = 0;
      }
      c.data += n * W;
    });
  }
  for (uint32_t col = 2; col < columns_; ++col) {
    Column& c = column_[col];
    const Value value = value_of(kind_, col);
    if (value != Value::real) {
      with_width(c.width, [&](auto w) {
        constexpr unsigned W = decltype(w)::value;
        for (size_t i = 0; i < n; ++i) {
          const uint64_t v = c.base + load<W>(c.data + i * W) * c.step;
          keel_book_update_t& b = out[i].as.book;
          if (value == Value::side) {
            // Saturated, so that a hostile 2^32 is not read as 0 (bid).
            constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
            b.side = static_cast<int32_t>(std::min(v, kMax));
          } else {
            b.exch_ts = static_cast<int64_t>(static_cast<uint64_t>(b.ts) - v);
          }
        }
        c.data += n * W;
      });
      continue;
    }
    const size_t offset = double_offset(kind_, col);
    const auto store = [&](size_t i, double v) {
      std::memcpy(reinterpret_cast<unsigned char*>(&out[i].as) + offset, &v, sizeof v);
    };
    if (c.encoding == Encoding::raw) {
      for (size_t i = 0; i < n; ++i) store(i, std::bit_cast<double>(load<8>(c.data + i * 8)));
      c.data += n * 8;
      continue;
    }
    const double divisor = kPow10[c.scale];
    const bool scaled = c.scale != 0;
    with_width(c.width, [&](auto w) {
      constexpr unsigned W = decltype(w)::value;
      const auto run = [&](auto delta, auto divide) {
        uint64_t k = c.running;
        for (size_t i = 0; i < n; ++i) {
          const uint64_t u = load<W>(c.data + i * W);
          if constexpr (decltype(delta)::value) {
            k += ((u >> 1) ^ (0 - (u & 1))) * c.step;
          } else {
            k = c.base + u * c.step;
          }
          double v = static_cast<double>(static_cast<int64_t>(k));
          if constexpr (decltype(divide)::value) v /= divisor;
          store(i, v);
        }
        c.running = k;
      };
      using yes = std::true_type;
      using no = std::false_type;
      if (c.encoding == Encoding::delta) {
        scaled ? run(yes{}, yes{}) : run(yes{}, no{});
      } else {
        scaled ? run(no{}, yes{}) : run(no{}, no{});
      }
      c.data += n * W;
    });
  }
}

}  // namespace keel::binary_format
