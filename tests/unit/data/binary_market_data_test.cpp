// keel's binary market-data format (engine/data/binary_format.hpp),
// versions 1 and 2: the reader and writer, `keel data convert`'s conversion
// both ways (lossless to the bit), and the errors a corrupt or truncated
// file gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data_test_support.hpp"
#include "engine/data/binary_format.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/csv_market_data.hpp"
#include "engine/data/market_data_files.hpp"
#include "engine/data/synthetic.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

using test::read_file;
using test::ScratchDir;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Every event of a source (stops the test on an error).
std::vector<MarketEvent> drain(MarketDataSource& source) {
  std::vector<MarketEvent> events;
  MarketEvent event;
  for (;;) {
    Result<bool> got = source.next(event);
    EXPECT_TRUE(got.is_ok()) << got.status().message();
    if (!got || !*got) break;
    events.push_back(event);
  }
  return events;
}

std::vector<MarketEvent> read_csv(const fs::path& file, DataFormat kind) {
  auto source = CsvMarketData::open_any_symbols(file, kind, std::nullopt);
  EXPECT_TRUE(source.is_ok()) << source.status().message();
  return source ? drain(**source) : std::vector<MarketEvent>{};
}

std::vector<MarketEvent> read_binary(const fs::path& file) {
  auto source = BinaryMarketData::open_raw(file);
  EXPECT_TRUE(source.is_ok()) << source.status().message();
  return source ? drain(**source) : std::vector<MarketEvent>{};
}

// Two event lists are the same bit for bit (kind, ts, instrument, every double).
void expect_identical(const std::vector<MarketEvent>& a, const std::vector<MarketEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].kind, b[i].kind) << "event " << i;
    ASSERT_EQ(std::memcmp(&a[i].as, &b[i].as, sizeof a[i].as), 0) << "event " << i;
  }
}

Status convert(const fs::path& in, const fs::path& out, ConvertStats* stats = nullptr,
               uint16_t version = binary_format::kVersion2) {
  ConvertOptions options;
  options.binary_version = version;
  return convert_market_data(in, out, options, stats);
}

uint16_t version_of(const std::string& bytes) {
  uint16_t version = 0;
  std::memcpy(&version, bytes.data() + offsetof(binary_format::FileHeader, version_major), 2);
  return version;
}

TEST(BinaryMarketData, GeneratedDataRoundTripsExactly) {
  ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"AAPL", "MSFT", "BRK.B"};
  spec.days = 2;
  spec.quotes_per_day = 3000;
  spec.merge = true;
  spec.seed = 5;
  for (TimestampStyle style : {TimestampStyle::iso, TimestampStyle::nanoseconds}) {
    spec.timestamps = style;
    spec.prefix = style == TimestampStyle::iso ? "iso_" : "ns_";
    ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
    for (DataFormat kind : spec.kinds) {
      const fs::path csv = dir.path() / synthetic_file_name(spec, "", kind);
      const std::vector<MarketEvent> original = read_csv(csv, kind);
      ASSERT_GT(original.size(), 100u);
      std::string canonical_csv;
      uint64_t v1_size = 0;
      for (const uint16_t version : {binary_format::kVersion1, binary_format::kVersion2}) {
        const std::string stem = csv.stem().string() + ".v" + std::to_string(version);
        const fs::path bin = dir.path() / (stem + ".kmd");
        const fs::path csv2 = dir.path() / (stem + ".back.csv");
        const fs::path bin2 = dir.path() / (stem + ".back.kmd");
        const fs::path csv3 = dir.path() / (stem + ".back2.csv");
        ConvertStats stats;
        ASSERT_TRUE(convert(csv, bin, &stats, version).is_ok());
        EXPECT_TRUE(stats.to_binary);
        EXPECT_EQ(stats.kind, kind);
        EXPECT_EQ(stats.instruments, 3u);
        EXPECT_EQ(stats.binary_version, version);
        EXPECT_EQ(stats.bytes, fs::file_size(bin));
        EXPECT_EQ(version_of(read_file(bin)), version);
        ASSERT_TRUE(convert(bin, csv2, &stats).is_ok());
        EXPECT_FALSE(stats.to_binary);
        EXPECT_EQ(stats.binary_version, version);
        ASSERT_TRUE(convert(csv2, bin2, nullptr, version).is_ok());
        ASSERT_TRUE(convert(bin2, csv3).is_ok());

        expect_identical(original, read_binary(bin));
        expect_identical(original, read_csv(csv2, kind));
        // binary -> CSV -> binary is the identity on bytes, and so is the
        // canonical CSV keel writes; both versions give the same CSV.
        EXPECT_EQ(read_file(bin), read_file(bin2));
        EXPECT_EQ(read_file(csv2), read_file(csv3));
        if (canonical_csv.empty()) canonical_csv = read_file(csv2);
        EXPECT_EQ(read_file(csv2), canonical_csv);
        if (version == binary_format::kVersion1) {
          v1_size = fs::file_size(bin);
          EXPECT_EQ(v1_size,
                    binary_format::kHeaderSize +
                        original.size() * binary_format::record_size_of(binary_kind_of(kind)) +
                        3 * 2 + 4 + 4 + 5);  // the table: AAPL MSFT BRK.B
        } else {
          // Cent prices, round lots: quotes in under a third of the bytes,
          // trades and bars (wider time steps, odd lots) in under half.
          // Three instruments merged in one file cost more than one would
          // (a block's prices span all three).
          EXPECT_LT(fs::file_size(bin) * (kind == DataFormat::quotes ? 3 : 2), v1_size)
              << data_format_name(kind);
        }
      }
    }
  }
}

TEST(BinaryMarketData, NastyDoublesAndTimestampsRoundTripExactly) {
  ScratchDir dir;
  // Sizes and prices that a fixed-precision printer would lose: the
  // smallest subnormal, the largest double, the smallest normal, 0.1 + 0.2,
  // integers past 2^53, long decimal expansions, a negative zero, exponents;
  // times with nanoseconds, in ISO and as integers.
  const std::string csv =
      "ts,instrument,bid,bid_size,ask,ask_size\n"
      "2024-01-02T14:30:00.000000001Z,X,0.1,5e-324,0.30000000000000004,1.7976931348623157e308\n"
      "1704205800000000002,X,2.2250738585072014e-308,9007199254740993,2.2250738585072019e-308,"
      "1e23\n"
      "2024-01-02T14:30:00.123456789Z,X,-0,123456789012345678901234567890,0,4.9406564584124654e-"
      "324\n"
      "2024-01-02T14:30:00.5Z,X,0.1000000000000000055511151231257827,1e22,"
      "100.00000000000001,3.141592653589793238462643383279\n"
      "2199-12-31T23:59:59.999999999Z,Y,1e-7,0.000001,123456.78901234567,2e-310\n";
  const fs::path in = dir.write("nasty.csv", csv);
  const fs::path bin = dir.path() / "nasty.kmd";
  const fs::path back = dir.path() / "nasty.back.csv";
  ASSERT_TRUE(convert(in, bin).is_ok());
  ASSERT_TRUE(convert(bin, back).is_ok());
  const std::vector<MarketEvent> original = read_csv(in, DataFormat::quotes);
  ASSERT_EQ(original.size(), 5u);
  expect_identical(original, read_binary(bin));
  expect_identical(original, read_csv(back, DataFormat::quotes));
  // The negative zero survives as a negative zero.
  EXPECT_TRUE(std::signbit(read_binary(bin)[2].as.quote.bid));
  EXPECT_EQ(original[4].ts(), kMaxDataTimestampNs - 1);  // the latest time but one
  EXPECT_THAT(read_file(back), HasSubstr("2024-01-02T14:30:00.000000001Z,X,0.1,5e-324,"));
}

// Depth, with and without exch_ts, through both binary versions and back
// to CSV: every event the same bit for bit (side, exch_ts too); the kind
// comes from the header (side + price).
TEST(BinaryMarketData, DepthRoundTripsExactly) {
  ScratchDir dir;
  const std::string with_exch =
      "ts,instrument,side,price,size,exch_ts\n"
      "2024-01-02T14:30:00.000000001Z,X,bid,100.25,300,2024-01-02T14:29:59.999Z\n"
      "2024-01-02T14:30:00.000000001Z,Y,ASK,0.30000000000000004,0,2024-01-02T14:30:00.000000001Z\n"
      "2024-01-02T14:30:01Z,X,ask,100.5,1e-300,1970-01-01T00:00:00Z\n"
      "2024-01-02T14:30:02Z,X,bid,100,7,2024-01-02T14:30:01.987654321Z\n";
  const std::string without =
      "ts,side,price,size\n"
      "2024-01-02T14:30:00Z,bid,10,1\n"
      "2024-01-02T14:30:00Z,ask,10.01,2\n"
      "2024-01-02T14:30:03Z,bid,10,0\n";
  for (const uint16_t version : {binary_format::kVersion1, binary_format::kVersion2}) {
    SCOPED_TRACE("version " + std::to_string(version));
    for (const bool has_exch : {true, false}) {
      SCOPED_TRACE(has_exch ? "with exch_ts" : "without exch_ts");
      const fs::path in = dir.write("d.csv", has_exch ? with_exch : without);
      const fs::path bin = dir.path() / "d.kmd";
      const fs::path back = dir.path() / "d.back.csv";
      ConvertOptions options;
      options.binary_version = version;
      if (!has_exch) options.instrument = "ES";
      ConvertStats stats;
      const Status to_binary = convert_market_data(in, bin, options, &stats);
      ASSERT_TRUE(to_binary.is_ok()) << to_binary.message();
      EXPECT_EQ(stats.kind, DataFormat::depth);  // from the header
      ASSERT_TRUE(convert(bin, back).is_ok());
      auto source = has_exch ? CsvMarketData::open_any_symbols(in, DataFormat::depth, std::nullopt)
                             : CsvMarketData::open_any_symbols(in, DataFormat::depth, "ES");
      ASSERT_TRUE(source.is_ok()) << source.status().message();
      const std::vector<MarketEvent> original = drain(**source);
      ASSERT_EQ(original.size(), has_exch ? 4u : 3u);
      EXPECT_EQ(original[0].kind, MarketEventKind::book);
      expect_identical(original, read_binary(bin));
      expect_identical(original, read_csv(back, DataFormat::depth));
      if (has_exch) {
        EXPECT_EQ(original[2].as.book.exch_ts, 0);
        EXPECT_EQ(original[1].as.book.side, KEEL_BOOK_ASK);
      }
      // The CSV written back always has the exch_ts column (= ts when the
      // source had none), so nothing is lost either way.
      EXPECT_THAT(read_file(back),
                  HasSubstr(has_exch ? "ts,instrument,side,price,size,exch_ts\n"
                                       "2024-01-02T14:30:00.000000001Z,X,bid,100.25,300,"
                                       "2024-01-02T14:29:59.999Z\n"
                                     : "ts,instrument,side,price,size,exch_ts\n"
                                       "2024-01-02T14:30:00Z,ES,bid,10,1,2024-01-02T14:30:00Z\n"));
    }
  }
}

// A trades file stays trades when it has no side column; a side column with
// price is depth (what `keel data convert` guesses without --kind).
TEST(BinaryMarketData, HeaderSniffingTellsDepthFromTrades) {
  ScratchDir dir;
  ConvertStats stats;
  const fs::path trades = dir.write("t.csv", "ts,instrument,price,size\n2024-01-02,X,1,1\n");
  ASSERT_TRUE(convert(trades, dir.path() / "t.kmd", &stats).is_ok());
  EXPECT_EQ(stats.kind, DataFormat::trades);
  const fs::path depth =
      dir.write("d.csv", "Side,ts,instrument,size,price\nbid,2024-01-02,X,1,1\n");
  ASSERT_TRUE(convert(depth, dir.path() / "d.kmd", &stats).is_ok());
  EXPECT_EQ(stats.kind, DataFormat::depth);
}

// Corrupt depth files are refused with where: a v1 record whose side is
// neither 0 nor 1; a v2 side column with a bad encoding (a block error) or
// a base giving side 5 (a record error).
TEST(BinaryMarketData, CorruptDepthIsRefusedWithTheOffset) {
  ScratchDir dir;
  const fs::path in = dir.write("d.csv",
                                "ts,instrument,side,price,size\n"
                                "2024-01-02T14:30:00Z,X,bid,10,1\n"
                                "2024-01-02T14:30:01Z,X,ask,10.5,2\n");
  const fs::path v1 = dir.path() / "d1.kmd";
  const fs::path v2 = dir.path() / "d2.kmd";
  ASSERT_TRUE(convert(in, v1, nullptr, binary_format::kVersion1).is_ok());
  ASSERT_TRUE(convert(in, v2, nullptr, binary_format::kVersion2).is_ok());
  const auto error_of = [&](const std::string& bytes) {
    const fs::path bad = dir.write("bad.kmd", bytes);
    auto source = BinaryMarketData::open_raw(bad);
    if (!source) return source.status().message();
    MarketEvent e;
    for (;;) {
      Result<bool> got = (*source)->next(e);
      if (!got) return got.status().message();
      if (!*got) return std::string();
    }
  };
  const std::string prefix = (dir.path() / "bad.kmd").string() + ": ";
  EXPECT_EQ(error_of(read_file(v1)), "");
  EXPECT_EQ(error_of(read_file(v2)), "");

  std::string bytes = read_file(v1);
  bytes[64 + 40 + 12] = 2;  // record 1's side
  EXPECT_EQ(error_of(bytes),
            prefix + "record 1 (byte offset 104): side 2 is not 0 (bid) or 1 (ask)");

  // v2: block 0 at 64; its side column header after the BlockHeader and two ColumnHeaders.
  constexpr size_t kSideHeader = 64 + 16 + 2 * 24;
  bytes = read_file(v2);
  bytes[kSideHeader] = 1;  // delta
  EXPECT_EQ(error_of(bytes),
            prefix +
                "byte offset 64: block 0: column side: encoding 1, scale 0 (integer columns "
                "are offset, 0, with scale 0)");
  bytes = read_file(v2);
  bytes[kSideHeader + 8] = 5;  // base 5: sides 5 and 6
  EXPECT_EQ(error_of(bytes),
            prefix + "record 0 (block 0 at byte offset 64): side 5 is not 0 (bid) or 1 (ask)");
}

TEST(BinaryMarketData, FileWithoutInstrumentColumnTakesTheGivenSymbol) {
  ScratchDir dir;
  const fs::path in = dir.write("t.csv", "ts,price,size\n2024-01-02T14:30:00Z,10.5,100\n");
  const fs::path bin = dir.path() / "t.kmd";
  ConvertOptions options;
  options.instrument = "ESZ4";
  ConvertStats stats;
  ASSERT_TRUE(convert_market_data(in, bin, options, &stats).is_ok());
  EXPECT_EQ(stats.kind, DataFormat::trades);
  auto source = BinaryMarketData::open_raw(bin);
  ASSERT_TRUE(source.is_ok());
  EXPECT_EQ((*source)->symbols(), std::vector<std::string>{"ESZ4"});
  // Without the symbol the conversion says what to do.
  Status s = convert_market_data(in, dir.path() / "u.kmd", {});
  EXPECT_THAT(s.message(), HasSubstr("no 'instrument' column"));
  EXPECT_FALSE(fs::exists(dir.path() / "u.kmd"));
  EXPECT_FALSE(fs::exists(dir.path() / "u.kmd.partial"));
}

// keel's CSV has no quoting, so a symbol a CSV field cannot carry is refused
// wherever symbols go to CSV: converting to CSV (naming the table entry),
// and the binary writer (so every file keel writes converts back).
TEST(BinaryMarketData, SymbolsCsvCannotCarryAreRefused) {
  ScratchDir dir;
  const fs::path in = dir.write("q.csv",
                                "ts,instrument,price,size\n"
                                "2024-01-02T14:30:00Z,A_B,1,1\n"
                                "2024-01-02T14:30:01Z,X_Y,1,1\n");
  const fs::path good = dir.path() / "q.kmd";
  ASSERT_TRUE(convert(in, good).is_ok());
  const std::string bytes = read_file(good);
  uint64_t table = 0;
  std::memcpy(&table, bytes.data() + offsetof(binary_format::FileHeader, table_offset), 8);
  ASSERT_EQ(bytes.substr(table + 2, 3), "A_B");
  const fs::path out = dir.path() / "back.csv";
  const std::string tail =
      ", so it cannot be written to CSV (keel's CSV has no quoting: a symbol must hold no comma or "
      "line break and not start or end with a space or tab)";
  const std::pair<std::string, std::string> cases[] = {
      {"A,B", "instrument table entry 0: symbol 'A,B' holds a comma"},
      {"X\nY", "instrument table entry 1: symbol 'X\\nY' holds a line break"},
      {" AB", "instrument table entry 0: symbol ' AB' starts or ends with a space or tab"},
  };
  for (const auto& [symbol, what] : cases) {
    std::string patched = bytes;
    patched.replace(table + (symbol[0] == 'X' ? 2 + 3 + 2 : 2), 3, symbol);
    const fs::path bad = dir.write("bad.kmd", patched);
    ASSERT_TRUE(BinaryMarketData::open_raw(bad).is_ok());  // a valid binary file
    const Status s = convert(bad, out);
    EXPECT_EQ(s.message(), bad.string() + ": " + what + tail);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out.string() + ".partial"));
  }

  auto writer = BinaryMarketDataWriter::create(dir.path() / "w.kmd", DataFormat::trades);
  ASSERT_TRUE(writer.is_ok());
  Result<uint32_t> comma = (*writer)->symbol_index("A,B");
  ASSERT_FALSE(comma.is_ok());
  EXPECT_EQ(comma.status().message(), (dir.path() / "w.kmd").string() +
                                          ": symbol 'A,B' holds a comma: it could not be written "
                                          "back to CSV");
  EXPECT_FALSE((*writer)->symbol_index("X\nY").is_ok());
  EXPECT_TRUE((*writer)->symbol_index("A\"B").is_ok());  // no quoting: '"' is a plain character
}

// ---- corrupt files, version 1 ------------------------------------------------------

// Version 1 files (fixed-size records) still read, with the same checks.
class BinaryCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path in = dir_.write("q.csv",
                                   "ts,instrument,bid,bid_size,ask,ask_size\n"
                                   "2024-01-02T14:30:00Z,AAPL,10,100,10.01,200\n"
                                   "2024-01-02T14:30:01Z,MSFT,20,100,20.01,200\n"
                                   "2024-01-02T14:30:02Z,AAPL,10.01,100,10.02,200\n"
                                   "2024-01-02T14:30:03Z,AAPL,10.02,100,10.03,200\n");
    good_ = dir_.path() / "q.kmd";
    ASSERT_TRUE(convert(in, good_, nullptr, binary_format::kVersion1).is_ok());
    bytes_ = read_file(good_);
    for (const char* symbol : {"AAPL", "MSFT"}) {
      Instrument i;
      i.symbol = symbol;
      instruments_.add(std::move(i));
    }
  }

  // Writes `bytes` as a file and opens it; the open error, or the first
  // read error, or "" when the whole file reads.
  std::string error_of(const std::string& bytes) {
    const fs::path file = dir_.write("bad.kmd", bytes);
    auto source = BinaryMarketData::open(file, instruments_);
    if (!source) return source.status().message();
    MarketEvent event;
    for (;;) {
      Result<bool> got = (*source)->next(event);
      if (!got) {
        // Sticky: asked again, the same error.
        Result<bool> again = (*source)->next(event);
        EXPECT_FALSE(again.is_ok());
        if (!again.is_ok()) {
          EXPECT_EQ(again.status().message(), got.status().message());
        }
        return got.status().message();
      }
      if (!*got) return "";
    }
  }

  template <class T>
  std::string patched(size_t offset, T value) const {
    std::string bytes = bytes_;
    std::memcpy(bytes.data() + offset, &value, sizeof value);
    return bytes;
  }

  static size_t record(size_t i) { return binary_format::kHeaderSize + i * sizeof(keel_quote_t); }

  void read_a_large_file(uint16_t version);

  ScratchDir dir_;
  fs::path good_;
  std::string bytes_;
  InstrumentTable instruments_;
};

TEST_F(BinaryCorruption, TheGoodFileReads) { EXPECT_EQ(error_of(bytes_), ""); }

TEST_F(BinaryCorruption, TruncatedAnywhereSaysTruncatedWithTheOffset) {
  for (size_t length :
       {size_t{0}, size_t{10}, size_t{63}, size_t{64}, size_t{100}, record(4), bytes_.size() - 1}) {
    const std::string message = error_of(bytes_.substr(0, length));
    EXPECT_THAT(message, HasSubstr("bad.kmd: byte offset ")) << "length " << length;
    EXPECT_THAT(message, HasSubstr("truncated")) << "length " << length;
  }
}

TEST_F(BinaryCorruption, HeaderErrorsNameTheField) {
  std::string bad_magic = bytes_;
  bad_magic[0] = 'X';
  EXPECT_THAT(error_of(bad_magic), HasSubstr("byte offset 0: not a keel binary market-data file"));
  EXPECT_THAT(error_of(patched<uint16_t>(8, 3)),
              HasSubstr("byte offset 8: format version 3.0 is not supported (this keel reads "
                        "1.x and 2.x)"));
  EXPECT_THAT(error_of(patched<uint32_t>(12, 9)), HasSubstr("byte offset 12: unknown kind 9"));
  EXPECT_THAT(error_of(patched<uint32_t>(20, 32)),
              HasSubstr("byte offset 20: record_size 32 does not match the kind"));
  EXPECT_THAT(error_of(patched<uint64_t>(40, 65)), HasSubstr("byte offset 40: table_offset 65"));
  EXPECT_THAT(error_of(patched<int64_t>(56, 7)),
              HasSubstr("byte offset 56: first_ts 7 is not the first record's ts"));
  EXPECT_THAT(error_of(bytes_ + "junk"), HasSubstr("unexpected bytes after the instrument table"));
}

TEST_F(BinaryCorruption, TableErrorsNameTheEntryAndOffset) {
  const size_t table = record(4);
  EXPECT_THAT(error_of(patched<uint16_t>(table, 0)),
              HasSubstr("byte offset " + std::to_string(table) +
                        ": instrument table entry 0: bad symbol length 0"));
  std::string renamed = bytes_;
  renamed.replace(table + 2 + 4 + 2, 4, "AAPL");  // MSFT -> AAPL
  EXPECT_THAT(error_of(renamed), HasSubstr("instrument table entry 1: duplicate symbol 'AAPL'"));
  std::string unknown = bytes_;
  unknown.replace(table + 2 + 4 + 2, 4, "MSFX");
  EXPECT_THAT(error_of(unknown),
              HasSubstr("instrument table entry 1: 'MSFX' is not in the run file's instruments"));
}

TEST_F(BinaryCorruption, RecordErrorsNameTheRecordAndOffset) {
  const auto at = [](size_t i) {
    return "record " + std::to_string(i) + " (byte offset " + std::to_string(record(i)) + "): ";
  };
  // ts of record 2 before record 1's.
  EXPECT_THAT(error_of(patched<int64_t>(record(2), 0)),
              HasSubstr(at(2) + "ts 1970-01-01T00:00:00Z is before the previous record's"));
  EXPECT_THAT(error_of(patched<uint32_t>(record(1) + 8, 7)),
              HasSubstr(at(1) + "instrument index 7 is outside the instrument table (2 entries)"));
  EXPECT_THAT(error_of(patched<double>(record(3) + 16, std::nan(""))),
              HasSubstr(at(3) + "bid nan is not a finite number"));
  EXPECT_THAT(error_of(patched<double>(record(3) + 24, -5.0)),
              HasSubstr(at(3) + "bid_size -5 is negative"));
  EXPECT_THAT(error_of(patched<double>(record(0) + 16, 11.0)),
              HasSubstr(at(0) + "crossed quote: bid 11 is above ask 10.01"));
}

// A time outside the data range (engine/market/timestamp.hpp) is refused:
// the engine adds latencies to it.
TEST_F(BinaryCorruption, TimesOutsideTheDataRangeAreRefused) {
  const auto at = [](size_t i) {
    return "record " + std::to_string(i) + " (byte offset " + std::to_string(record(i)) + "): ";
  };
  const std::string range =
      " is outside the range keel accepts for market data (1970-01-01T00:00:00Z to "
      "2200-01-01T00:00:00Z)";
  EXPECT_EQ(error_of(patched<int64_t>(record(3), INT64_MAX)),
            good_.parent_path().string() + "/bad.kmd: " + at(3) +
                "ts 9223372036854775807 (2262-04-11T23:47:16.854775807Z)" + range);
  EXPECT_THAT(error_of(patched<int64_t>(record(3), kMaxDataTimestampNs + 1)),
              HasSubstr(at(3) + "ts 7258118400000000001 (2200-01-01T00:00:00.000000001Z)" + range));
  EXPECT_EQ(error_of(patched<int64_t>(record(3), kMaxDataTimestampNs)), "");
  // Before the epoch (the header's first_ts must agree with the first record).
  std::string early = patched<int64_t>(record(0), -1);
  const int64_t minus_one = -1;
  std::memcpy(early.data() + offsetof(binary_format::FileHeader, first_ts), &minus_one, 8);
  EXPECT_THAT(error_of(early), HasSubstr(at(0) + "ts -1 (1969-12-31T23:59:59.999999999Z)" + range));
  // The writer refuses such a time too.
  auto writer = BinaryMarketDataWriter::create(dir_.path() / "w.kmd", DataFormat::trades);
  ASSERT_TRUE(writer.is_ok());
  ASSERT_TRUE((*writer)->symbol_index("AAPL").is_ok());
  MarketEvent event;
  event.kind = MarketEventKind::trade;
  event.as.trade = keel_trade_t{INT64_MAX, 0, 0, 1.0, 1.0};
  EXPECT_THAT(
      (*writer)->append(event).message(),
      HasSubstr("record 0: ts 9223372036854775807 (2262-04-11T23:47:16.854775807Z)" + range));
}

TEST_F(BinaryCorruption, TheDataEntryMustAgreeWithTheFile) {
  DataSpec spec;
  spec.path = good_;
  spec.format = DataFormat::bars;
  auto wrong_kind = open_market_data(spec, instruments_);
  ASSERT_FALSE(wrong_kind.is_ok());
  EXPECT_THAT(wrong_kind.status().message(),
              HasSubstr("the data entry says \"bars\" but the file holds quotes"));
  spec.binary = true;  // "format": "binary": the kind from the header
  auto any_kind = open_market_data(spec, instruments_);
  ASSERT_TRUE(any_kind.is_ok()) << any_kind.status().message();
  EXPECT_EQ(drain(**any_kind).size(), 4u);
  spec.instrument = "AAPL";  // the file holds MSFT too
  auto fixed = open_market_data(spec, instruments_);
  ASSERT_FALSE(fixed.is_ok());
  EXPECT_THAT(
      fixed.status().message(),
      HasSubstr("instrument table entry 1: 'MSFT' is not the data entry's instrument 'AAPL'"));
  // "binary" insists on a binary file.
  spec.instrument.reset();
  spec.path = dir_.path() / "q.csv";
  auto csv = open_market_data(spec, instruments_);
  ASSERT_FALSE(csv.is_ok());
  EXPECT_THAT(csv.status().message(), HasSubstr("is not in keel's binary market-data format"));
  // A CSV entry naming its kind still opens as CSV.
  spec.binary = false;
  spec.format = DataFormat::quotes;
  auto as_csv = open_market_data(spec, instruments_);
  ASSERT_TRUE(as_csv.is_ok());
  expect_identical(drain(**as_csv), read_binary(good_) /* raw ids: AAPL 0, MSFT 1 as here */);
}

TEST_F(BinaryCorruption, LargeFilesReadAcrossReleasedPages) {
  for (const uint16_t version : {binary_format::kVersion1, binary_format::kVersion2}) {
    SCOPED_TRACE("version " + std::to_string(version));
    read_a_large_file(version);
  }
}

void BinaryCorruption::read_a_large_file(uint16_t version) {
  // The reader drops the pages it has read (every few MiB); a file larger
  // than that still reads every record, in order.
  const fs::path big = dir_.path() / "big.kmd";
  auto writer = BinaryMarketDataWriter::create(big, DataFormat::trades, version);
  ASSERT_TRUE(writer.is_ok());
  ASSERT_TRUE((*writer)->symbol_index("AAPL").is_ok());
  MarketEvent event;
  event.kind = MarketEventKind::trade;
  const uint64_t n = 400'000;  // 12.8 MB of records
  for (uint64_t i = 0; i < n; ++i) {
    event.as.trade = keel_trade_t{static_cast<int64_t>(i), 0, 0, 10.0 + (i % 100) * 0.01, 1.0};
    ASSERT_TRUE((*writer)->append(event).is_ok());
  }
  ASSERT_TRUE((*writer)->finish().is_ok());
  auto source = BinaryMarketData::open(big, instruments_);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  uint64_t count = 0;
  while (true) {
    Result<bool> got = (*source)->next(event);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    if (!*got) break;
    ASSERT_EQ(event.ts(), static_cast<int64_t>(count));
    ++count;
  }
  EXPECT_EQ(count, n);
}

// ---- corrupt files, version 2 ------------------------------------------------------

// A version 2 file of three blocks (4096 + 4096 + 808 trades), patched.
class BinaryV2Corruption : public ::testing::Test {
 protected:
  static constexpr uint64_t kRecords = 2 * binary_format::kBlockRecords + 808;

  void SetUp() override {
    good_ = dir_.path() / "t.kmd";
    auto writer = BinaryMarketDataWriter::create(good_, DataFormat::trades);
    ASSERT_TRUE(writer.is_ok());
    ASSERT_TRUE((*writer)->symbol_index("AAPL").is_ok());
    ASSERT_TRUE((*writer)->symbol_index("MSFT").is_ok());
    MarketEvent event;
    event.kind = MarketEventKind::trade;
    for (uint64_t i = 0; i < kRecords; ++i) {
      event.as.trade = keel_trade_t{1'704'205'800'000'000'000 + static_cast<int64_t>(i) * 1000,
                                    static_cast<uint32_t>(i % 2), 0,
                                    static_cast<double>(1000 + i % 50) / 100, 100};
      ASSERT_TRUE((*writer)->append(event).is_ok());
    }
    ASSERT_TRUE((*writer)->finish().is_ok());
    bytes_ = read_file(good_);
    ASSERT_EQ(version_of(bytes_), binary_format::kVersion2);
    for (const char* symbol : {"AAPL", "MSFT"}) {
      Instrument i;
      i.symbol = symbol;
      instruments_.add(std::move(i));
    }
  }

  // The open error, or the first read error, or "" when the whole file
  // reads (in batches of 1000, as the engine reads).
  std::string error_of(const std::string& bytes) {
    const fs::path file = dir_.write("bad.kmd", bytes);
    auto source = BinaryMarketData::open(file, instruments_);
    if (!source) return source.status().message();
    std::vector<MarketEvent> events(1000);
    uint64_t read = 0;
    for (;;) {
      Result<size_t> got = (*source)->next_batch(events.data(), events.size());
      if (!got) {
        Result<size_t> again = (*source)->next_batch(events.data(), events.size());
        EXPECT_FALSE(again.is_ok());  // sticky
        return got.status().message();
      }
      if (*got == 0) break;
      read += *got;
    }
    EXPECT_EQ(read, kRecords);
    return "";
  }

  // Byte offset of block i (walking the blocks' headers).
  size_t block(size_t i) const {
    size_t at = binary_format::kHeaderSize;
    for (size_t b = 0; b < i; ++b) {
      binary_format::BlockHeader h;
      std::memcpy(&h, bytes_.data() + at, sizeof h);
      at += sizeof h + 4 * sizeof(binary_format::ColumnHeader) + h.payload_size;
    }
    return at;
  }
  // Byte offset of column c's header in block i.
  size_t column(size_t i, size_t c) const {
    return block(i) + sizeof(binary_format::BlockHeader) + c * sizeof(binary_format::ColumnHeader);
  }
  uint64_t table() const {
    uint64_t at = 0;
    std::memcpy(&at, bytes_.data() + offsetof(binary_format::FileHeader, table_offset), 8);
    return at;
  }

  template <class T>
  std::string patched(size_t offset, T value) const {
    std::string bytes = bytes_;
    std::memcpy(bytes.data() + offset, &value, sizeof value);
    return bytes;
  }

  std::string in_block(size_t i) const {
    return "bad.kmd: byte offset " + std::to_string(block(i)) + ": block " + std::to_string(i) +
           ": ";
  }
  std::string at_record(uint64_t r) const {
    const size_t b = r / binary_format::kBlockRecords;
    return "bad.kmd: record " + std::to_string(r) + " (block " + std::to_string(b) +
           " at byte offset " + std::to_string(block(b)) + "): ";
  }

  ScratchDir dir_;
  fs::path good_;
  std::string bytes_;
  InstrumentTable instruments_;
};

TEST_F(BinaryV2Corruption, TheGoodFileReadsAndIsSmall) {
  EXPECT_EQ(error_of(bytes_), "");
  // ts step 1000 ns and alternating instruments: 1 byte each; prices 1 byte; sizes 0.
  EXPECT_LT(bytes_.size(), kRecords * 3 + 3 * 112 + 100);
}

TEST_F(BinaryV2Corruption, TruncatedAnywhereSaysTruncatedWithTheOffset) {
  for (size_t length :
       {size_t{0}, size_t{10}, size_t{63}, size_t{64}, size_t{100}, block(1) - 1, block(1),
        block(1) + 50, block(2) + 200, static_cast<size_t>(table()), bytes_.size() - 1}) {
    const std::string message = error_of(bytes_.substr(0, length));
    EXPECT_THAT(message, HasSubstr("bad.kmd: byte offset ")) << "length " << length;
    EXPECT_THAT(message, HasSubstr("truncated")) << "length " << length;
  }
}

TEST_F(BinaryV2Corruption, LyingHeadersAreRefused) {
  EXPECT_THAT(error_of(patched<uint32_t>(20, 0)),
              HasSubstr("byte offset 20: block_records 0 is not 1 to 4096"));
  EXPECT_THAT(error_of(patched<uint32_t>(20, 5000)),
              HasSubstr("byte offset 20: block_records 5000 is not 1 to 4096"));
  // A billion records in a few kilobytes: refused on open, nothing read.
  EXPECT_THAT(error_of(patched<uint64_t>(32, 1'000'000'000'000)),
              HasSubstr("truncated: the header promises 1000000000000 records in 244140625 "
                        "blocks of at least 112 bytes"));
  // More records than the blocks hold: the last block holds fewer than promised.
  EXPECT_THAT(error_of(patched<uint64_t>(32, kRecords + 1)),
              HasSubstr(in_block(2) + "record_count 808 where the file header says 809"));
  EXPECT_THAT(error_of(patched<uint64_t>(32, kRecords - 1)),
              HasSubstr(in_block(2) + "record_count 808 where the file header says 807"));
  EXPECT_THAT(error_of(patched<int64_t>(56, 7)),
              HasSubstr("byte offset 56: first_ts 7 is not the first record's ts"));
  EXPECT_THAT(error_of(patched<uint64_t>(24, 8)),
              HasSubstr("byte offset 24: record_offset 8 must be at or after the header"));
  // Bytes between the last block and the table.
  std::string gap = bytes_;
  gap.insert(table(), "junk");
  const uint64_t moved = table() + 4;
  std::memcpy(gap.data() + offsetof(binary_format::FileHeader, table_offset), &moved, 8);
  EXPECT_THAT(error_of(gap),
              HasSubstr(in_block(2) + "the last block ends at byte " + std::to_string(table()) +
                        " but the instrument table starts at byte " + std::to_string(table() + 4)));
}

TEST_F(BinaryV2Corruption, BlockErrorsNameTheBlockAndOffset) {
  EXPECT_THAT(error_of(patched<uint8_t>(column(1, 2) + 1, 3)),
              HasSubstr(in_block(1) + "column price: width 3 is not 0, 1, 2, 4 or 8"));
  EXPECT_THAT(error_of(patched<uint64_t>(column(2, 3) + 16, 0)),
              HasSubstr(in_block(2) + "column size: step 0 (it must be at least 1)"));
  EXPECT_THAT(error_of(patched<uint8_t>(column(0, 2) + 2, 40)),
              HasSubstr(in_block(0) + "column price: scale 40 is above 22"));
  EXPECT_THAT(error_of(patched<uint32_t>(block(1) + 4, 1)),
              HasSubstr(in_block(1) + "payload_size 1 is not the"));
}

TEST_F(BinaryV2Corruption, RecordErrorsNameTheRecordAndBlock) {
  // Block 1's prices start 2000 ticks lower: negative.
  binary_format::ColumnHeader price;
  std::memcpy(&price, bytes_.data() + column(1, 2), sizeof price);
  EXPECT_THAT(error_of(patched<int64_t>(column(1, 2) + 8, price.base - 2000)),
              HasSubstr(at_record(4096) + "price -9.54 is negative"));
  // Block 2's times start at 0: before block 1's.
  EXPECT_THAT(
      error_of(patched<int64_t>(column(2, 0) + 8, 0)),
      HasSubstr(at_record(8192) + "ts 1970-01-01T00:00:00Z is before the previous record's"));
  // Block 1's instruments start at index 5.
  EXPECT_THAT(error_of(patched<int64_t>(column(1, 1) + 8, 5)),
              HasSubstr(at_record(4096) +
                        "instrument index 5 is outside the instrument table (2 entries)"));
  // Block 0's ts deltas step past the end of the data range.
  const std::string wrapped = error_of(patched<uint64_t>(column(0, 0) + 16, uint64_t{1} << 63));
  EXPECT_THAT(wrapped, HasSubstr(at_record(1) + "ts -"));
  EXPECT_THAT(wrapped, HasSubstr("is outside the range keel accepts for market data"));
}

TEST_F(BinaryV2Corruption, OneEventAtATimeReadsTheSameAsBatches) {
  auto one = BinaryMarketData::open(good_, instruments_);
  auto batched = BinaryMarketData::open(good_, instruments_);
  ASSERT_TRUE(one.is_ok() && batched.is_ok());
  const std::vector<MarketEvent> by_one = drain(**one);
  std::vector<MarketEvent> by_batch(kRecords + 10);
  size_t count = 0;
  for (;;) {
    Result<size_t> got = (*batched)->next_batch(by_batch.data() + count, 333);
    ASSERT_TRUE(got.is_ok());
    if (*got == 0) break;
    count += *got;
  }
  by_batch.resize(count);
  expect_identical(by_one, by_batch);
  EXPECT_EQ(by_one.size(), kRecords);
  EXPECT_EQ(by_one[4097].as.trade.price, 10.47);
}

}  // namespace
}  // namespace keel
