// CsvMarketData: the three formats, with and without the instrument column,
// header handling, block boundaries, and every row error with its exact
// "file:line:column: message".
#include "engine/data/csv_market_data.hpp"
#include "engine/data/market_data_files.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/market/timestamp.hpp"
#include "tests/unit/data/allocation_counter.hpp"
#include "tests/unit/data/data_test_support.hpp"

namespace keel {
namespace {

constexpr int64_t kT0 = 1'704'205'800'000'000'000;  // 2024-01-02T14:30:00Z
constexpr int64_t kSecond = 1'000'000'000;

InstrumentTable instruments() {
  InstrumentTable table;
  for (const char* symbol : {"AAPL", "MSFT", "SPY"}) {
    Instrument i;
    i.symbol = symbol;
    table.add(i);
  }
  return table;
}

struct ReadAll {
  std::vector<MarketEvent> events;
  Status status;  // ok, or the error that ended the stream
};

ReadAll read_all(MarketDataSource& source) {
  ReadAll out;
  MarketEvent event;
  for (;;) {
    Result<bool> got = source.next(event);
    if (!got) {
      out.status = got.status();
      return out;
    }
    if (!*got) return out;
    out.events.push_back(event);
  }
}

class DataCsv : public testing::Test {
 protected:
  DataCsv() : path_(dir_.path() / "data.csv") {}

  std::unique_ptr<CsvMarketData> open(const std::string& contents, DataFormat format,
                                      std::optional<keel_instrument_id_t> instrument = {},
                                      size_t block = CsvMarketData::kDefaultBlockSize) {
    dir_.write("data.csv", contents);
    auto source = CsvMarketData::open(path_, format, instrument, table_, block);
    EXPECT_TRUE(source.is_ok()) << source.status().message();
    if (!source) return nullptr;
    return std::move(source).value();
  }
  // The error opening `contents` (empty if it opened).
  std::string open_error(const std::string& contents, DataFormat format,
                         std::optional<keel_instrument_id_t> instrument = {}) {
    dir_.write("data.csv", contents);
    auto source = CsvMarketData::open(path_, format, instrument, table_);
    return source ? std::string() : source.status().message();
  }
  // The error reading `contents`, or "" if the whole file read cleanly.
  std::string read_error(const std::string& contents, DataFormat format,
                         std::optional<keel_instrument_id_t> instrument = {}) {
    auto source = open(contents, format, instrument);
    if (!source) return "(open failed)";
    ReadAll all = read_all(*source);
    return all.status.is_ok() ? std::string() : all.status.message();
  }
  std::string at(const std::string& where) const { return path_.string() + ":" + where + ": "; }

  test::ScratchDir dir_;
  InstrumentTable table_ = instruments();
  const std::filesystem::path path_;  // every test writes data.csv
};

// ---- reading -----------------------------------------------------------------

TEST_F(DataCsv, ReadsQuotesWithInstrumentColumn) {
  auto source = open(
      "ts,instrument,bid,bid_size,ask,ask_size\n"
      "2024-01-02T14:30:00Z,AAPL,185.1,300,185.12,200\n"
      "2024-01-02T14:30:00.5Z,MSFT,370.5,100,370.52,400\n"
      "2024-01-02T14:30:01Z,AAPL,185.11,100,185.11,100\n",  // locked is fine
      DataFormat::quotes);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 3u);
  const MarketEvent& e = all.events[1];
  EXPECT_EQ(e.kind, MarketEventKind::quote);
  EXPECT_EQ(e.ts(), kT0 + kSecond / 2);
  EXPECT_EQ(e.instrument(), 1u);
  EXPECT_EQ(e.as.quote.bid, 370.5);
  EXPECT_EQ(e.as.quote.bid_size, 100);
  EXPECT_EQ(e.as.quote.ask, 370.52);
  EXPECT_EQ(e.as.quote.ask_size, 400);
  EXPECT_EQ(all.events[0].instrument(), 0u);
  EXPECT_EQ(all.events[2].instrument(), 0u);
  EXPECT_EQ(source->rows(), 3u);
  EXPECT_EQ(source->name(), path_.string());
}

TEST_F(DataCsv, ReadsQuotesWithoutInstrumentColumn) {
  auto source = open(
      "ts,bid,bid_size,ask,ask_size\n"
      "2024-01-02T14:30:00Z,470,1000,470.01,900\n"
      "2024-01-02T14:30:02Z,470.01,500,470.02,800\n",
      DataFormat::quotes, 2u);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[0].instrument(), 2u);
  EXPECT_EQ(all.events[1].instrument(), 2u);
  EXPECT_EQ(all.events[1].ts(), kT0 + 2 * kSecond);
  EXPECT_EQ(all.events[1].as.quote.ask, 470.02);
}

TEST_F(DataCsv, ReadsTrades) {
  auto with = open(
      "ts,instrument,price,size\n"
      "1704205800000000000,MSFT,370.51,100\n"
      "1704205800000000001,MSFT,370.52,37\n",
      DataFormat::trades);
  ASSERT_TRUE(with);
  ReadAll all = read_all(*with);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[1].kind, MarketEventKind::trade);
  EXPECT_EQ(all.events[1].ts(), kT0 + 1);
  EXPECT_EQ(all.events[1].instrument(), 1u);
  EXPECT_EQ(all.events[1].as.trade.price, 370.52);
  EXPECT_EQ(all.events[1].as.trade.size, 37);

  auto without = open("ts,price,size\n2024-01-02T14:30:00Z,185.5,10\n", DataFormat::trades, 0u);
  ASSERT_TRUE(without);
  all = read_all(*without);
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].instrument(), 0u);
  EXPECT_EQ(all.events[0].as.trade.price, 185.5);
}

TEST_F(DataCsv, ReadsBars) {
  auto with = open(
      "ts,instrument,open,high,low,close,volume\n"
      "2024-01-02T14:31:00Z,AAPL,185,185.5,184.9,185.2,12000\n"
      "2024-01-02T14:31:00Z,MSFT,370,370,370,370,1\n",  // flat bar
      DataFormat::bars);
  ASSERT_TRUE(with);
  ReadAll all = read_all(*with);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  const keel_bar_t& bar = all.events[0].as.bar;
  EXPECT_EQ(all.events[0].kind, MarketEventKind::bar);
  EXPECT_EQ(bar.ts, kT0 + 60 * kSecond);
  EXPECT_EQ(bar.instrument, 0u);
  EXPECT_EQ(bar.open, 185);
  EXPECT_EQ(bar.high, 185.5);
  EXPECT_EQ(bar.low, 184.9);
  EXPECT_EQ(bar.close, 185.2);
  EXPECT_EQ(bar.volume, 12000);
  EXPECT_EQ(all.events[1].instrument(), 1u);

  auto without = open("ts,open,high,low,close,volume\n2024-01-02T14:31:00Z,1,2,0.5,1.5,7\n",
                      DataFormat::bars, 1u);
  ASSERT_TRUE(without);
  all = read_all(*without);
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].instrument(), 1u);
  EXPECT_EQ(all.events[0].as.bar.low, 0.5);
}

TEST_F(DataCsv, ColumnsByNameInAnyOrderExtraColumnsIgnored) {
  auto source = open(
      "Ask_Size, exchange ,ASK,bid,instrument,bid_size,TS,note\n"
      "200,XNAS,185.12,185.1,AAPL,300,2024-01-02T14:30:00Z,hello\n"
      " 100 ,XNAS, 185.13 ,185.11,  MSFT ,400,2024-01-02 14:30:01,\n",
      DataFormat::quotes);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[0].as.quote.bid, 185.1);
  EXPECT_EQ(all.events[0].as.quote.bid_size, 300);
  EXPECT_EQ(all.events[0].as.quote.ask, 185.12);
  EXPECT_EQ(all.events[0].as.quote.ask_size, 200);
  EXPECT_EQ(all.events[1].instrument(), 1u);
  EXPECT_EQ(all.events[1].as.quote.ask, 185.13);
  EXPECT_EQ(all.events[1].ts(), kT0 + kSecond);
}

TEST_F(DataCsv, ManyInstrumentsInOneFile) {
  // More symbols than the reader's small recent-symbol list, interleaved.
  for (int i = 0; i < 12; ++i) {
    Instrument extra;
    extra.symbol = "S" + std::to_string(i);
    table_.add(extra);
  }
  std::string contents = "ts,instrument,price,size\n";
  for (int round = 0; round < 3; ++round) {
    for (int i = 11; i >= 0; --i) contents += "7,S" + std::to_string(i) + ",1,1\n";
    contents += "7,MSFT,1,1\n";
  }
  auto source = open(contents, DataFormat::trades);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 39u);
  for (size_t row = 0; row < all.events.size(); ++row) {
    const size_t k = row % 13;
    const keel_instrument_id_t expected =
        k == 12 ? 1u : static_cast<keel_instrument_id_t>(3 + 11 - k);
    EXPECT_EQ(all.events[row].instrument(), expected) << row;
  }
}

TEST_F(DataCsv, FixedInstrumentAndMatchingColumn) {
  auto source = open(
      "ts,instrument,price,size\n"
      "2024-01-02T14:30:00Z,SPY,470,1\n"
      "2024-01-02T14:30:01Z,SPY,470,2\n",
      DataFormat::trades, 2u);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  EXPECT_EQ(all.events.size(), 2u);
}

TEST_F(DataCsv, CrlfEmptyLinesAndBlanksAfterTheLastLine) {
  auto source = open(
      "\xEF\xBB\xBFts,instrument,price,size\r\n"
      "\r\n"
      "2024-01-02T14:30:00Z,AAPL,185,1\r\n"
      "\n"
      "   \r\n"
      "2024-01-02T14:30:00Z,AAPL,185.01,2\r\n"
      "2024-01-02T14:30:01Z,AAPL,185.02,3\r\n"
      " \t",  // blanks with no line ending: not a row
      DataFormat::trades);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events[1].as.trade.price, 185.01);  // equal timestamps are in order
  EXPECT_EQ(all.events[2].as.trade.size, 3);
  EXPECT_EQ(source->line(), 7u);
}

TEST_F(DataCsv, HeaderOnlyIsAnEmptyStream) {
  for (const char* contents : {"ts,instrument,price,size\n", "ts,instrument,price,size\r\n\r\n\n",
                               "ts,instrument,price,size\n\r"}) {
    auto source = open(contents, DataFormat::trades);
    ASSERT_TRUE(source);
    MarketEvent event;
    Result<bool> got = source->next(event);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    EXPECT_FALSE(*got);
    got = source->next(event);  // stays at the end
    ASSERT_TRUE(got.is_ok());
    EXPECT_FALSE(*got);
  }
}

TEST_F(DataCsv, EveryBlockSizeGivesTheSameEvents) {
  std::string contents = "ts,instrument,bid,bid_size,ask,ask_size\r\n";
  for (int i = 0; i < 50; ++i) {
    contents += format_timestamp(kT0 + i * 1'234'567) + (i % 3 == 0 ? ",MSFT," : ",AAPL,") +
                std::to_string(100 + i) + ".25," + std::to_string(i * 100) + "," +
                std::to_string(100 + i) + ".5,7" + (i % 2 == 0 ? "\r\n" : "\n");
    if (i % 10 == 0) contents += "\n";
  }
  auto reference = open(contents, DataFormat::quotes);
  ASSERT_TRUE(reference);
  const ReadAll expected = read_all(*reference);
  ASSERT_TRUE(expected.status.is_ok()) << expected.status.message();
  ASSERT_EQ(expected.events.size(), 50u);
  for (size_t block : {1, 2, 3, 5, 7, 16, 31, 64, 100, 4096}) {
    auto source = open(contents, DataFormat::quotes, {}, block);
    ASSERT_TRUE(source);
    const ReadAll got = read_all(*source);
    ASSERT_TRUE(got.status.is_ok()) << "block " << block << ": " << got.status.message();
    ASSERT_EQ(got.events.size(), expected.events.size()) << "block " << block;
    for (size_t i = 0; i < got.events.size(); ++i) {
      const keel_quote_t& a = got.events[i].as.quote;
      const keel_quote_t& b = expected.events[i].as.quote;
      ASSERT_EQ(a.ts, b.ts) << "block " << block << " row " << i;
      ASSERT_EQ(a.instrument, b.instrument);
      ASSERT_EQ(a.bid, b.bid);
      ASSERT_EQ(a.bid_size, b.bid_size);
      ASSERT_EQ(a.ask, b.ask);
      ASSERT_EQ(a.ask_size, b.ask_size);
    }
    // The buffer grew only to hold the longest line.
    EXPECT_LE(source->buffer_capacity(), std::max<size_t>(block, 128)) << "block " << block;
  }
}

TEST_F(DataCsv, LineNumbersSurviveBlockBoundaries) {
  std::string contents = "ts,instrument,price,size\n";
  for (int i = 0; i < 20; ++i)
    contents += "2024-01-02T14:30:00Z,AAPL,1," + std::to_string(i) + "\n";
  contents += "2024-01-02T14:30:00Z,AAPL,x,1\n";
  for (size_t block : {1, 8, 33}) {
    auto source = open(contents, DataFormat::trades, {}, block);
    ASSERT_TRUE(source);
    const ReadAll all = read_all(*source);
    EXPECT_EQ(all.events.size(), 20u);
    EXPECT_EQ(all.status.message(), at("22:3") + "price: expected a number, got 'x'");
  }
}

// ---- open errors --------------------------------------------------------------

TEST_F(DataCsv, MissingFile) {
  auto source = CsvMarketData::open(dir_.path() / "nope.csv", DataFormat::quotes, {}, table_);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.status().code(), KEEL_ERR_NOT_FOUND);
  EXPECT_EQ(source.status().message(),
            (dir_.path() / "nope.csv").string() + ": cannot open: No such file or directory");
}

TEST_F(DataCsv, EmptyFile) {
  EXPECT_EQ(
      open_error("", DataFormat::quotes),
      at("1") + "empty file, expected a header row (ts,instrument,bid,bid_size,ask,ask_size)");
  EXPECT_EQ(
      open_error("\n\r\n", DataFormat::bars),
      at("1") + "empty file, expected a header row (ts,instrument,open,high,low,close,volume)");
}

TEST_F(DataCsv, MissingColumn) {
  EXPECT_EQ(open_error("ts,instrument,bid,bid_size,ask\n", DataFormat::quotes),
            at("1") +
                "missing column 'ask_size' (a quotes file has the columns "
                "ts,instrument,bid,bid_size,ask,ask_size)");
  EXPECT_EQ(
      open_error("instrument,price,size\n", DataFormat::trades),
      at("1") + "missing column 'ts' (a trades file has the columns ts,instrument,price,size)");
  // A quotes header is not a bars header.
  EXPECT_EQ(open_error("ts,instrument,bid,bid_size,ask,ask_size\n", DataFormat::bars),
            at("1") +
                "missing column 'open' (a bars file has the columns "
                "ts,instrument,open,high,low,close,volume)");
}

TEST_F(DataCsv, NoInstrumentColumnAndNoFixedInstrument) {
  EXPECT_EQ(open_error("ts,price,size\n", DataFormat::trades),
            at("1") +
                "no 'instrument' column, and the data entry names no instrument: add the "
                "column or set the entry's \"instrument\"");
}

TEST_F(DataCsv, DuplicateColumn) {
  EXPECT_EQ(open_error("ts,instrument,price,size,Price\n", DataFormat::trades),
            at("1:5") + "duplicate column 'price' (also column 3)");
}

TEST_F(DataCsv, OpenFromDataSpec) {
  const std::filesystem::path file = dir_.write("spy.csv", "ts,price,size\n2024-01-02,1,1\n");
  DataSpec spec;
  spec.path = file;
  spec.format = DataFormat::trades;
  spec.instrument = "SPY";
  auto source = open_market_data(spec, table_);  // a run file's data entry
  ASSERT_TRUE(source) << source.status().message();
  ReadAll all = read_all(**source);
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].instrument(), 2u);

  spec.instrument = "QQQ";
  auto bad = open_market_data(spec, table_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(
      bad.status().message(),
      file.string() + ": the data entry's instrument 'QQQ' is not in the run file's instruments");
}

// ---- row errors -----------------------------------------------------------------

TEST_F(DataCsv, WrongFieldCount) {
  const std::string header = "ts,instrument,price,size\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1\n", DataFormat::trades),
            at("2:4") + "expected 4 fields as in the header, got 3");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,2,3,4\n", DataFormat::trades),
            at("2:5") + "expected 4 fields as in the header, got 6");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,2,\n", DataFormat::trades),
            at("2:5") + "expected 4 fields as in the header, got 5");
}

TEST_F(DataCsv, BadNumbers) {
  const std::string header = "ts,instrument,bid,bid_size,ask,ask_size\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,x,1,2,3\n", DataFormat::quotes),
            at("2:3") + "bid: expected a number, got 'x'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,1,2,3z\n", DataFormat::quotes),
            at("2:6") + "ask_size: expected a number, got '3z'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,,2,3\n", DataFormat::quotes),
            at("2:4") + "bid_size: expected a number, got an empty field");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,1,nan,3\n", DataFormat::quotes),
            at("2:5") + "ask: expected a finite number, got 'nan'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,1,inf,3\n", DataFormat::quotes),
            at("2:5") + "ask: expected a finite number, got 'inf'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,+1,1,2,3\n", DataFormat::quotes),
            at("2:3") + "bid: expected a number, got '+1'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1e400,1,2,3\n", DataFormat::quotes),
            at("2:3") + "bid: expected a number, got '1e400'");
}

TEST_F(DataCsv, NegativeValues) {
  EXPECT_EQ(read_error("ts,instrument,bid,bid_size,ask,ask_size\n2024-01-02,AAPL,1,-100,2,3\n",
                       DataFormat::quotes),
            at("2:4") + "bid_size: must not be negative, got -100");
  EXPECT_EQ(read_error("ts,instrument,price,size\n2024-01-02,AAPL,-1.5,1\n", DataFormat::trades),
            at("2:3") + "price: must not be negative, got -1.5");
  EXPECT_EQ(read_error("ts,instrument,price,size\n2024-01-02,AAPL,1.5,-1\n", DataFormat::trades),
            at("2:4") + "size: must not be negative, got -1");
  EXPECT_EQ(read_error("ts,instrument,open,high,low,close,volume\n2024-01-02,AAPL,1,1,1,1,-7\n",
                       DataFormat::bars),
            at("2:7") + "volume: must not be negative, got -7");
}

TEST_F(DataCsv, BadTimestamp) {
  const std::string expected_tail =
      "ts: expected an ISO-8601 UTC time (2024-01-02T14:30:00Z) or integer nanoseconds since "
      "the epoch, got ";
  EXPECT_EQ(
      read_error("ts,instrument,price,size\n2024-02-30T14:30:00Z,AAPL,1,1\n", DataFormat::trades),
      at("2:1") + expected_tail + "'2024-02-30T14:30:00Z'");
  EXPECT_EQ(read_error("instrument,price,size,ts\nAAPL,1,1,2024-01-02T14:30:00+01:00\n",
                       DataFormat::trades),
            at("2:4") + expected_tail + "'2024-01-02T14:30:00+01:00'");
  EXPECT_EQ(read_error("ts,instrument,price,size\n-5,AAPL,1,1\n", DataFormat::trades),
            at("2:1") + expected_tail + "'-5'");
}

TEST_F(DataCsv, UnknownInstrument) {
  const std::string header = "ts,instrument,price,size\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,1\n2024-01-02,MSFTT,1,1\n", DataFormat::trades),
            at("3:2") +
                "unknown instrument 'MSFTT' — not in the run file's instruments; did you mean "
                "'MSFT'?");
  EXPECT_EQ(read_error(header + "2024-01-02,aapl,1,1\n", DataFormat::trades),
            at("2:2") +
                "unknown instrument 'aapl' — not in the run file's instruments; did you mean "
                "'AAPL'?");
  EXPECT_EQ(read_error(header + "2024-01-02,GOOGL,1,1\n", DataFormat::trades),
            at("2:2") + "unknown instrument 'GOOGL' — not in the run file's instruments");
  EXPECT_EQ(read_error(header + "2024-01-02,,1,1\n", DataFormat::trades),
            at("2:2") + "instrument: missing symbol");
}

TEST_F(DataCsv, InstrumentColumnDisagreesWithDataEntry) {
  EXPECT_EQ(read_error("ts,instrument,price,size\n2024-01-02,AAPL,1,1\n2024-01-02,MSFT,1,1\n",
                       DataFormat::trades, 0u),
            at("3:2") + "instrument 'MSFT' is not the data entry's instrument 'AAPL'");
}

TEST_F(DataCsv, TimeGoingBackwards) {
  EXPECT_EQ(read_error("ts,instrument,price,size\n"
                       "2024-01-02T14:30:01Z,AAPL,1,1\n"
                       "2024-01-02T14:30:01Z,MSFT,1,1\n"
                       "2024-01-02T14:30:00.5Z,AAPL,1,1\n",
                       DataFormat::trades),
            at("4:1") +
                "ts 2024-01-02T14:30:00.500Z is before the previous row's 2024-01-02T14:30:01Z: "
                "a data file must be sorted by time");
}

TEST_F(DataCsv, CrossedQuote) {
  const std::string header = "ts,instrument,bid,bid_size,ask,ask_size\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,101.5,1,101.4,1\n", DataFormat::quotes),
            at("2:5") +
                "crossed quote: bid 101.5 is above ask 101.4 (a locked quote, bid == ask, is "
                "accepted)");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,101.5,1,101.5,1\n", DataFormat::quotes), "");
}

TEST_F(DataCsv, InconsistentBars) {
  const std::string header = "ts,instrument,open,high,low,close,volume\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,10,11,10.5,12,1\n", DataFormat::bars),
            at("2:5") + "bar low 10.5 is above min(open, close) 10");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,10,11.5,9,12,1\n", DataFormat::bars),
            at("2:4") + "bar high 11.5 is below max(open, close) 12");
}

TEST_F(DataCsv, ErrorsAreSticky) {
  auto source = open("ts,instrument,price,size\n2024-01-02,AAPL,x,1\n2024-01-02,AAPL,1,1\n",
                     DataFormat::trades);
  ASSERT_TRUE(source);
  MarketEvent event;
  Result<bool> first = source->next(event);
  ASSERT_FALSE(first);
  Result<bool> second = source->next(event);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().message(), first.status().message());
  EXPECT_EQ(second.status().code(), KEEL_ERR_INVALID_ARGUMENT);
}

// ---- depth ---------------------------------------------------------------------

TEST_F(DataCsv, ReadsDepthWithoutExchTs) {
  auto source = open(
      "ts,instrument,side,price,size\n"
      "2024-01-02T14:30:00Z,AAPL,bid,185.1,300\n"
      "2024-01-02T14:30:00Z,AAPL,ASK,185.12,200\n"
      "2024-01-02T14:30:01Z,MSFT,Bid,370.5,0\n",  // size 0 removes the level
      DataFormat::depth);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 3u);
  for (const MarketEvent& e : all.events) {
    EXPECT_EQ(e.kind, MarketEventKind::book);
    EXPECT_EQ(e.as.book.exch_ts, e.ts());  // no exch_ts column: exch_ts = ts
  }
  const keel_book_update_t& bid = all.events[0].as.book;
  EXPECT_EQ(bid.ts, kT0);
  EXPECT_EQ(bid.instrument, 0u);
  EXPECT_EQ(bid.side, KEEL_BOOK_BID);
  EXPECT_EQ(bid.price, 185.1);
  EXPECT_EQ(bid.size, 300);
  EXPECT_EQ(all.events[1].as.book.side, KEEL_BOOK_ASK);
  EXPECT_EQ(all.events[1].as.book.price, 185.12);
  EXPECT_EQ(all.events[2].as.book.side, KEEL_BOOK_BID);
  EXPECT_EQ(all.events[2].as.book.instrument, 1u);
  EXPECT_EQ(all.events[2].as.book.size, 0);
}

TEST_F(DataCsv, ReadsDepthWithExchTsInAnyColumnOrder) {
  auto source = open(
      "exch_ts,Side,size,price,ts\n"
      "2024-01-02T14:29:59.999Z,ask,5,10.5,2024-01-02T14:30:00Z\n"
      "1704205801000000000,bid,7,10.25,1704205801000000000\n",  // exch_ts == ts is fine
      DataFormat::depth, 2u);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[0].as.book.ts, kT0);
  EXPECT_EQ(all.events[0].as.book.exch_ts, kT0 - 1'000'000);
  EXPECT_EQ(all.events[0].as.book.instrument, 2u);
  EXPECT_EQ(all.events[0].as.book.side, KEEL_BOOK_ASK);
  EXPECT_EQ(all.events[0].as.book.price, 10.5);
  EXPECT_EQ(all.events[0].as.book.size, 5);
  EXPECT_EQ(all.events[1].as.book.exch_ts, kT0 + kSecond);
  EXPECT_EQ(all.events[1].as.book.side, KEEL_BOOK_BID);
}

TEST_F(DataCsv, DepthRowErrors) {
  const std::string header = "ts,instrument,side,price,size,exch_ts\n";
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,buy,10,1,2024-01-02\n", DataFormat::depth),
            at("2:3") + "side: expected 'bid' or 'ask', got 'buy'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,,10,1,2024-01-02\n", DataFormat::depth),
            at("2:3") + "side: expected 'bid' or 'ask', got ''");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,bid,10,-1,2024-01-02\n", DataFormat::depth),
            at("2:5") + "size: must not be negative, got -1");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,bid,10,nan,2024-01-02\n", DataFormat::depth),
            at("2:5") + "size: expected a finite number, got 'nan'");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,ask,0,1,2024-01-02\n", DataFormat::depth),
            at("2:4") + "price: a book level's price must be above 0, got 0");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,ask,inf,1,2024-01-02\n", DataFormat::depth),
            at("2:4") + "price: expected a finite number, got 'inf'");
  EXPECT_EQ(read_error(header + "2024-01-02T14:30:00Z,AAPL,bid,10,1,2024-01-02T14:30:00.001Z\n",
                       DataFormat::depth),
            at("2:6") +
                "exch_ts 2024-01-02T14:30:00.001Z is after ts 2024-01-02T14:30:00Z: the venue "
                "cannot make an update after we received it (ts = when we received it, exch_ts "
                "= when the venue made it)");
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,bid,10,1,yesterday\n", DataFormat::depth),
            at("2:6") +
                "exch_ts: expected an ISO-8601 UTC time (2024-01-02T14:30:00Z) or integer "
                "nanoseconds since the epoch, got 'yesterday'");
}

TEST_F(DataCsv, DepthMissingColumns) {
  EXPECT_EQ(open_error("ts,instrument,price,size\n", DataFormat::depth),
            at("1") +
                "missing column 'side' (a depth file has the columns "
                "ts,instrument,side,price,size)");
  EXPECT_EQ(open_error("ts,instrument,side,size,exch_ts\n", DataFormat::depth),
            at("1") +
                "missing column 'price' (a depth file has the columns "
                "ts,instrument,side,price,size)");
  EXPECT_EQ(open_error("ts,instrument,side,price,size,exch_ts,EXCH_TS\n", DataFormat::depth),
            at("1:7") + "duplicate column 'exch_ts' (also column 6)");
  // exch_ts and side mean nothing in a trades file: ignored there.
  EXPECT_EQ(read_error("ts,instrument,price,size,side,exch_ts\n2024-01-02,AAPL,1,1,x,y\n",
                       DataFormat::trades),
            "");
}

TEST_F(DataCsv, DepthIsADataEntryFormatAndItsHeaderIsRecognised) {
  EXPECT_STREQ(data_format_name(DataFormat::depth), "depth");
  EXPECT_STREQ(csv_header(DataFormat::depth), "ts,instrument,side,price,size");
  const std::filesystem::path file =
      dir_.write("book.csv", "ts,side,price,size\n2024-01-02,ask,1.5,3\n");
  DataSpec spec;
  spec.path = file;
  spec.format = DataFormat::depth;
  spec.instrument = "SPY";
  auto source = open_market_data(spec, table_);
  ASSERT_TRUE(source) << source.status().message();
  ReadAll all = read_all(**source);
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].kind, MarketEventKind::book);
  EXPECT_EQ(all.events[0].instrument(), 2u);
}

// ---- hostile files -----------------------------------------------------------

// A row cut short mid-number is still a valid row ("ask_size 100" cut to
// "1"), so a last line without a line ending is refused, at every block size.
TEST_F(DataCsv, LastLineWithoutLineEndingIsRefused) {
  const std::string whole =
      "ts,instrument,bid,bid_size,ask,ask_size\n"
      "2024-01-02T14:30:00Z,AAPL,10,100,10.1,100\n"
      "2024-01-02T14:30:01Z,AAPL,10,100,10.1,100\n";
  const std::string cut = whole.substr(0, whole.size() - 3);  // "...,10.1,1"
  const std::string message =
      "the last line has no line ending: the file may be cut short; if the row is whole, end it "
      "with a newline";
  for (size_t block :
       {size_t{1}, size_t{2}, size_t{7}, size_t{64}, CsvMarketData::kDefaultBlockSize}) {
    auto source = open(cut, DataFormat::quotes, {}, block);
    ASSERT_TRUE(source);
    const ReadAll all = read_all(*source);
    EXPECT_EQ(all.events.size(), 1u) << "block " << block;
    EXPECT_EQ(all.status.message(), at("3") + message) << "block " << block;
    MarketEvent event;
    EXPECT_EQ(source->next(event).status().message(), at("3") + message);  // sticky
  }
  EXPECT_EQ(read_error(whole, DataFormat::quotes), "");
  // Cut after the CR of a CRLF line end: no '\n', refused too.
  std::string crlf = whole.substr(0, whole.size() - 1) + "\r";
  EXPECT_EQ(read_error(crlf, DataFormat::quotes), at("3") + message);
  // The same rule for a header alone, and for the conversion reader.
  EXPECT_EQ(open_error("ts,instrument,price,size", DataFormat::trades), at("1") + message);
  auto any = CsvMarketData::open_any_symbols(path_, DataFormat::trades, std::nullopt);
  ASSERT_FALSE(any.is_ok());
  EXPECT_EQ(any.status().message(), at("1") + message);
}

TEST_F(DataCsv, TimestampsOutsideTheDataRangeAreRefused) {
  const std::string header = "ts,instrument,price,size\n";
  const std::string range =
      " is outside the range keel accepts for market data (1970-01-01T00:00:00Z to "
      "2200-01-01T00:00:00Z)";
  // int64's largest value: once accepted, the engine's ts + latency wrapped to 1677.
  EXPECT_EQ(read_error(header + "2024-01-02,AAPL,1,1\n9223372036854775807,AAPL,1,1\n",
                       DataFormat::trades),
            at("3:1") + "ts 9223372036854775807 (2262-04-11T23:47:16.854775807Z)" + range);
  EXPECT_EQ(read_error(header + "2262-04-11T23:47:16.854775807Z,AAPL,1,1\n", DataFormat::trades),
            at("2:1") + "ts 9223372036854775807 (2262-04-11T23:47:16.854775807Z)" + range);
  EXPECT_EQ(read_error(header + "2200-01-01T00:00:00.000000001Z,AAPL,1,1\n", DataFormat::trades),
            at("2:1") + "ts 7258118400000000001 (2200-01-01T00:00:00.000000001Z)" + range);
  // Both ends of the range are in it.
  EXPECT_EQ(read_error(header + "1970-01-01,AAPL,1,1\n2200-01-01T00:00:00Z,AAPL,1,1\n",
                       DataFormat::trades),
            "");
  EXPECT_EQ(read_error(header + "0,AAPL,1,1\n7258118400000000000,AAPL,1,1\n", DataFormat::trades),
            "");
  EXPECT_EQ(kMaxDataTimestampNs, *parse_timestamp("2200-01-01T00:00:00Z"));
}

TEST_F(DataCsv, HugeUnknownSymbolIsShownCutShortAndNeverCopied) {
  const std::string symbol(10'000'000, 'Z');
  const std::string contents = "ts,instrument,price,size\n2024-01-02,AAPL,1,1\n2024-01-02," +
                               symbol + ",1,1\n2024-01-02,AAPL,1,1\n";
  // A block that holds the whole file: the read buffer need not grow, so
  // any allocation of 1 MiB or more while reading the row is a copy of it.
  const size_t block = size_t{16} << 20;
  auto source = open(contents, DataFormat::trades, {}, block);
  ASSERT_TRUE(source);
  MarketEvent event;
  ASSERT_TRUE(source->next(event).is_ok());
  const size_t before = test::large_allocations();
  Result<bool> got = source->next(event);
  EXPECT_EQ(test::large_allocations(), before);
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().message(), at("3:2") + "unknown instrument '" + std::string(40, 'Z') +
                                        "...' — not in the run file's instruments");
  EXPECT_EQ(source->buffer_capacity(), block);

  // Converting (every symbol learned): refused before it is copied, since
  // keel's binary format holds symbols of at most 255 bytes.
  auto any = CsvMarketData::open_any_symbols(path_, DataFormat::trades, std::nullopt, block);
  ASSERT_TRUE(any.is_ok()) << any.status().message();
  ASSERT_TRUE((*any)->next(event).is_ok());
  const size_t before_any = test::large_allocations();
  got = (*any)->next(event);
  EXPECT_EQ(test::large_allocations(), before_any);
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().message(), at("3:2") + "instrument: symbol '" + std::string(40, 'Z') +
                                        "...' has 10000000 bytes; keel's binary format holds 1 "
                                        "to 255");
  EXPECT_EQ((*any)->learned_symbols(), std::vector<std::string>{"AAPL"});
}

TEST_F(DataCsv, ConversionRefusesASymbolCsvCannotCarry) {
  // A CR inside the field survives the reader (only a CR before the '\n' is
  // a line end) but not a trip back to CSV through other tools: refused.
  dir_.write("data.csv", "ts,instrument,price,size\n2024-01-02,A\rB,1,1\n");
  auto any = CsvMarketData::open_any_symbols(path_, DataFormat::trades, std::nullopt);
  ASSERT_TRUE(any.is_ok()) << any.status().message();
  MarketEvent event;
  Result<bool> got = (*any)->next(event);
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().message(),
            at("2:2") +
                "instrument: symbol 'A\\rB' holds a line break, so it could not be written back "
                "to CSV");
}

TEST_F(DataCsv, LongLineGrowsTheBuffer) {
  std::string contents = "ts,instrument,price,size,comment\n2024-01-02,AAPL,1,1," +
                         std::string(10'000, 'x') + "\n2024-01-02,AAPL,2,1,\n";
  auto source = open(contents, DataFormat::trades, {}, 64);
  ASSERT_TRUE(source);
  ReadAll all = read_all(*source);
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[1].as.trade.price, 2);
  EXPECT_GE(source->buffer_capacity(), 10'000u);
}

}  // namespace
}  // namespace keel
