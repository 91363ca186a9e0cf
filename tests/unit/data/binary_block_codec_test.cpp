// One block of binary format version 2 (engine/data/binary_block_codec.hpp):
// every value decodes to the bits it was encoded from, whatever it is (the
// encoder falls back to raw doubles, never rounds), and each column takes
// the narrow encoding the values allow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "engine/data/binary_block_codec.hpp"
#include "engine/data/binary_format.hpp"
#include "engine/market/timestamp.hpp"

namespace keel::binary_format {
namespace {

// A PRNG of our own (splitmix64): the same values on every platform.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

MarketEvent quote(int64_t ts, uint32_t index, double bid, double bid_size, double ask,
                  double ask_size) {
  MarketEvent e;
  e.kind = MarketEventKind::quote;
  e.as.quote = keel_quote_t{ts, index, 0, bid, bid_size, ask, ask_size};
  return e;
}

struct Encoded {
  std::vector<unsigned char> bytes;
  BlockHeader block;
  std::vector<ColumnHeader> columns;
};

Encoded encode(Kind kind, const std::vector<MarketEvent>& events) {
  BlockEncoder encoder(kind);
  for (const MarketEvent& e : events) encoder.add(e);
  Encoded out;
  encoder.encode(out.bytes);
  EXPECT_TRUE(encoder.empty());
  std::memcpy(&out.block, out.bytes.data(), sizeof out.block);
  out.columns.resize(column_count_of(kind));
  std::memcpy(out.columns.data(), out.bytes.data() + sizeof(BlockHeader),
              out.columns.size() * sizeof(ColumnHeader));
  return out;
}

// Decodes `encoded` in runs of `run` events.
std::vector<MarketEvent> decode(Kind kind, const Encoded& encoded, size_t run) {
  BlockDecoder decoder(kind);
  EXPECT_EQ(decoder.check_headers(encoded.bytes.data(), encoded.block.record_count), "");
  EXPECT_EQ(encoded.bytes.size(), decoder.headers_size() + decoder.payload_size());
  decoder.start(encoded.bytes.data() + decoder.headers_size());
  std::vector<MarketEvent> events(encoded.block.record_count);
  for (size_t at = 0; at < events.size(); at += run) {
    decoder.decode(std::min(run, events.size() - at), events.data() + at);
  }
  return events;
}

// Kind, ts, instrument and every payload byte the kind uses, bit for bit.
void expect_same(const std::vector<MarketEvent>& a, const std::vector<MarketEvent>& b,
                 size_t payload_bytes) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].kind, b[i].kind) << "event " << i;
    ASSERT_EQ(std::memcmp(&a[i].as, &b[i].as, payload_bytes), 0)
        << "event " << i << ": ts " << a[i].ts() << " vs " << b[i].ts() << ", bid "
        << a[i].as.quote.bid << " vs " << b[i].as.quote.bid;
  }
}

void expect_round_trip(const std::vector<MarketEvent>& events) {
  const Encoded encoded = encode(Kind::quotes, events);
  for (size_t run : {size_t{1}, size_t{7}, size_t{256}, events.size()}) {
    expect_same(events, decode(Kind::quotes, encoded, run), sizeof(keel_quote_t));
  }
}

TEST(BinaryBlockCodec, DecimalPricesBecomeNarrowTicks) {
  std::vector<MarketEvent> events;
  for (int i = 0; i < 1000; ++i) {
    const int cents = 10000 + (i * 7) % 23;  // 100.00 .. 100.22, a cent tick
    events.push_back(quote(1'700'000'000'000'000'000 + i * 1000, 0, cents / 100.0,
                           100.0 * (1 + i % 5), (cents + 1) / 100.0, 300));
  }
  const Encoded encoded = encode(Kind::quotes, events);
  const std::vector<ColumnHeader>& c = encoded.columns;
  EXPECT_EQ(c[0].encoding, uint8_t(Encoding::delta));  // ts: every delta 1000 = one step
  EXPECT_EQ(c[0].step, 1000u);
  EXPECT_EQ(c[0].width, 1);
  EXPECT_EQ(c[1].width, 0);  // one instrument
  EXPECT_EQ(c[2].scale, 2);  // bid in cents
  EXPECT_EQ(c[2].width, 1);
  EXPECT_EQ(c[3].scale, 0);  // sizes: whole hundreds
  EXPECT_EQ(c[3].step, 100u);
  EXPECT_EQ(c[3].width, 1);
  EXPECT_EQ(c[5].width, 0);  // a constant column costs nothing
  // 4 bytes a quote against 48 in version 1.
  EXPECT_LE(encoded.bytes.size(), 1000u * 4 + 16 + 6 * 24);
  expect_round_trip(events);
}

TEST(BinaryBlockCodec, IrregularTicksTakeTheirCommonStep) {
  // A 0.05 tick: scale 2, step 5; a price move of one tick is one unit.
  std::vector<MarketEvent> events;
  for (int i = 0; i < 300; ++i) {
    const double bid = (2000 + 5 * (i % 40)) / 100.0;
    events.push_back(quote(i, 0, bid, 1, bid + 0.05, 1));
  }
  const Encoded encoded = encode(Kind::quotes, events);
  EXPECT_EQ(encoded.columns[2].scale, 2);
  EXPECT_EQ(encoded.columns[2].step, 5u);
  EXPECT_EQ(encoded.columns[2].width, 1);
  expect_round_trip(events);
}

TEST(BinaryBlockCodec, ValuesNoTickHoldsAreRawNeverRounded) {
  const double denormal = std::numeric_limits<double>::denorm_min();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double cases[] = {-0.0,
                          denormal,
                          nan,
                          -1.25,
                          1e300,
                          0.1 + 0.2,
                          9007199254740994.0,
                          1.0 / 3.0,
                          std::numeric_limits<double>::infinity()};
  for (const double odd : cases) {
    std::vector<MarketEvent> events = {quote(0, 0, 1.5, 1, 2.5, 1), quote(1, 0, odd, 1, 2.5, 1),
                                       quote(2, 0, 1.75, 1, 2.5, 1)};
    const Encoded encoded = encode(Kind::quotes, events);
    EXPECT_EQ(encoded.columns[2].encoding, uint8_t(Encoding::raw)) << odd;
    EXPECT_EQ(encoded.columns[2].width, 8) << odd;
    EXPECT_NE(encoded.columns[4].encoding, uint8_t(Encoding::raw)) << odd;  // only that column
    expect_round_trip(events);
    // The -0 stays a -0, the NaN keeps its bits.
    const std::vector<MarketEvent> back = decode(Kind::quotes, encoded, 3);
    EXPECT_EQ(std::bit_cast<uint64_t>(back[1].as.quote.bid), std::bit_cast<uint64_t>(odd));
  }
}

TEST(BinaryBlockCodec, AdversarialValuesRoundTripBitForBit) {
  // Random mixes of what data holds and what it should not: decimals of 0
  // to 17 digits, values near 2^53, huge and tiny doubles, any bit pattern,
  // negative prices, runs of equal values; timestamps from 0 to the data
  // range's end with gaps of any size.
  Random random{42};
  for (int round = 0; round < 200; ++round) {
    const size_t n = 1 + random.below(kBlockRecords);
    std::vector<MarketEvent> events;
    int64_t ts = static_cast<int64_t>(random.below(2) == 0 ? 0 : random.below(kMaxDataTimestampNs));
    const auto value = [&]() -> double {
      switch (random.below(8)) {
        case 0:
          return static_cast<double>(random.below(1'000'000)) / 100.0;
        case 1: {
          const int digits = static_cast<int>(random.below(18));
          return static_cast<double>(random.below(uint64_t{1} << 53)) / std::pow(10.0, digits);
        }
        case 2:
          return std::bit_cast<double>(random.next());  // NaNs and negatives too
        case 3:
          return static_cast<double>((uint64_t{1} << 53) - random.below(4));
        case 4:
          return -static_cast<double>(random.below(1000)) / 4.0;
        case 5:
          return std::ldexp(static_cast<double>(random.below(1000)), -1070);  // subnormals
        case 6:
          return 1e308 * static_cast<double>(random.below(2));
        default:
          return 42.0;
      }
    };
    const uint64_t mode = random.below(3);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t room = static_cast<uint64_t>(kMaxDataTimestampNs - ts);
      const uint64_t gap = mode == 0   ? random.below(3)
                           : mode == 1 ? random.below(1'000'000'000)
                                       : random.next();
      ts += static_cast<int64_t>(room == 0 ? 0 : gap % (room / (n - i) + 1));
      events.push_back(quote(ts, static_cast<uint32_t>(random.below(mode == 2 ? 70000 : 3)),
                             value(), value(), value(), value()));
    }
    expect_round_trip(events);
    if (HasFatalFailure()) return;
  }
}

TEST(BinaryBlockCodec, TimestampsAtTheEndsOfTheRange) {
  std::vector<MarketEvent> events = {quote(0, 0, 1, 1, 1, 1), quote(0, 0, 1, 1, 1, 1),
                                     quote(kMaxDataTimestampNs - 1, 0, 1, 1, 1, 1),
                                     quote(kMaxDataTimestampNs, 0, 1, 1, 1, 1)};
  const Encoded encoded = encode(Kind::quotes, events);
  EXPECT_EQ(encoded.columns[0].width, 8);
  expect_round_trip(events);
}

TEST(BinaryBlockCodec, BarsAndTradesToo) {
  MarketEvent bar;
  bar.kind = MarketEventKind::bar;
  bar.as.bar = keel_bar_t{60'000'000'000, 3, 0, 10.5, 11.25, 10.125, 11, 12345.5};
  MarketEvent bar2 = bar;
  bar2.as.bar.ts += 60'000'000'000;
  bar2.as.bar.close = 0.1 + 0.2;
  const Encoded bars = encode(Kind::bars, {bar, bar2});
  expect_same({bar, bar2}, decode(Kind::bars, bars, 1), sizeof(keel_bar_t));

  MarketEvent trade;
  trade.kind = MarketEventKind::trade;
  trade.as.trade = keel_trade_t{5, 1, 0, 99.99, 1e-8};
  const Encoded trades = encode(Kind::trades, {trade, trade});
  expect_same({trade, trade}, decode(Kind::trades, trades, 2), sizeof(keel_trade_t));
}

TEST(BinaryBlockCodec, BadHeadersAreRefusedWithTheColumn) {
  const Encoded good =
      encode(Kind::quotes, {quote(0, 0, 1.5, 1, 2.5, 1), quote(9, 0, 1.25, 1, 2.5, 1)});
  BlockDecoder decoder(Kind::quotes);
  EXPECT_EQ(decoder.check_headers(good.bytes.data(), 2), "");
  EXPECT_EQ(decoder.check_headers(good.bytes.data(), 3),
            "record_count 2 where the file header says 3 (block_records, or the records left for "
            "the last block)");
  const auto with = [&](size_t column, size_t field, uint64_t value, size_t size) {
    std::vector<unsigned char> bytes = good.bytes;
    std::memcpy(bytes.data() + sizeof(BlockHeader) + column * sizeof(ColumnHeader) + field, &value,
                size);
    return decoder.check_headers(bytes.data(), 2);
  };
  EXPECT_EQ(with(2, 1, 3, 1), "column bid: width 3 is not 0, 1, 2, 4 or 8");
  EXPECT_EQ(with(3, 16, 0, 8), "column bid_size: step 0 (it must be at least 1)");
  EXPECT_EQ(with(0, 0, 0, 1), "column ts: encoding 0 (ts columns are delta, 1)");
  EXPECT_EQ(with(1, 0, 2, 1), "column instrument: encoding 2 (instrument columns are offset, 0)");
  EXPECT_EQ(with(4, 0, 7, 1), "column ask: unknown encoding 7 (0 offset, 1 delta, 2 raw)");
  EXPECT_EQ(with(5, 2, 23, 1), "column ask_size: scale 23 is above 22");
  std::vector<unsigned char> raw_narrow = good.bytes;
  raw_narrow[sizeof(BlockHeader) + 2 * sizeof(ColumnHeader)] = uint8_t(Encoding::raw);
  raw_narrow[sizeof(BlockHeader) + 2 * sizeof(ColumnHeader) + 1] = 2;
  EXPECT_EQ(decoder.check_headers(raw_narrow.data(), 2),
            "column bid: a raw column has width 2, not 8");
  std::vector<unsigned char> payload = good.bytes;
  payload[4] ^= 1;
  EXPECT_THAT(decoder.check_headers(payload.data(), 2),
              ::testing::HasSubstr("bytes its columns' widths give"));
}

}  // namespace
}  // namespace keel::binary_format
