// EventMerger: time order across sources, ties by source (file) order then
// row order, errors passed through as-is.
#include "engine/data/event_merger.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "engine/data/csv_market_data.hpp"
#include "engine/data/synthetic.hpp"
#include "tests/unit/data/data_test_support.hpp"

namespace keel {
namespace {

// Events from a list; optionally fails after `fail_after` events.
class ListSource final : public MarketDataSource {
 public:
  ListSource(std::string name, std::vector<MarketEvent> events, int fail_after = -1)
      : name_(std::move(name)), events_(std::move(events)), fail_after_(fail_after) {}
  Result<bool> next(MarketEvent& out) override {
    if (fail_after_ >= 0 && static_cast<int>(position_) == fail_after_) {
      return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ":9:3: boom");
    }
    if (position_ == events_.size()) return false;
    out = events_[position_++];
    return true;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  std::vector<MarketEvent> events_;
  size_t position_ = 0;
  int fail_after_;
};

// A trade whose size tags where it came from.
MarketEvent trade(int64_t ts, keel_instrument_id_t instrument, double tag) {
  MarketEvent e;
  e.kind = MarketEventKind::trade;
  e.as.trade = keel_trade_t{ts, instrument, 0, 1.0, tag};
  return e;
}

std::vector<MarketEvent> drain(EventMerger& merger, Status* error = nullptr) {
  std::vector<MarketEvent> out;
  MarketEvent event;
  for (;;) {
    Result<bool> got = merger.next(event);
    if (!got) {
      if (error != nullptr) *error = got.status();
      return out;
    }
    if (!*got) return out;
    out.push_back(event);
  }
}

bool same(const MarketEvent& a, const MarketEvent& b) {
  if (a.kind != b.kind || a.ts() != b.ts() || a.instrument() != b.instrument()) return false;
  switch (a.kind) {
    case MarketEventKind::quote:
      return a.as.quote.bid == b.as.quote.bid && a.as.quote.bid_size == b.as.quote.bid_size &&
             a.as.quote.ask == b.as.quote.ask && a.as.quote.ask_size == b.as.quote.ask_size;
    case MarketEventKind::trade:
      return a.as.trade.price == b.as.trade.price && a.as.trade.size == b.as.trade.size;
    case MarketEventKind::bar:
      return a.as.bar.open == b.as.bar.open && a.as.bar.high == b.as.bar.high &&
             a.as.bar.low == b.as.bar.low && a.as.bar.close == b.as.bar.close &&
             a.as.bar.volume == b.as.bar.volume;
    case MarketEventKind::book:
      return a.as.book.side == b.as.book.side && a.as.book.price == b.as.book.price &&
             a.as.book.size == b.as.book.size && a.as.book.exch_ts == b.as.book.exch_ts;
  }
  return false;
}

InstrumentTable instruments() {
  InstrumentTable table;
  for (const char* symbol : {"AAPL", "MSFT", "SPY"}) {
    Instrument i;
    i.symbol = symbol;
    table.add(i);
  }
  return table;
}

TEST(DataMerger, NoSourcesIsAnEmptyStream) {
  EventMerger merger;
  MarketEvent event;
  Result<bool> got = merger.next(event);
  ASSERT_TRUE(got.is_ok());
  EXPECT_FALSE(*got);
}

TEST(DataMerger, OrdersByTimeThenFileThenRow) {
  test::ScratchDir dir;
  const InstrumentTable table = instruments();
  // Tags: 10s = file a, 20s = file b, 30s = file c; the unit digit is the row.
  const auto a = dir.write("a.csv",
                           "ts,instrument,price,size\n"
                           "1,AAPL,1,11\n"
                           "2,AAPL,1,12\n"
                           "2,AAPL,1,13\n"
                           "5,AAPL,1,14\n");
  const auto b = dir.write("b.csv",
                           "ts,price,size\n"
                           "0,1,21\n"
                           "2,1,22\n"
                           "5,1,23\n"
                           "5,1,24\n"
                           "9,1,25\n");
  const auto empty = dir.write("empty.csv", "ts,instrument,price,size\n");
  const auto c = dir.write("c.csv",
                           "ts,instrument,price,size\n"
                           "2,SPY,1,31\n"
                           "5,SPY,1,32\n");
  EventMerger merger;
  merger.add(std::move(CsvMarketData::open(a, DataFormat::trades, {}, table)).value());
  merger.add(std::move(CsvMarketData::open(b, DataFormat::trades, 1u, table)).value());
  merger.add(std::move(CsvMarketData::open(empty, DataFormat::trades, {}, table)).value());
  merger.add(std::move(CsvMarketData::open(c, DataFormat::trades, {}, table)).value());
  ASSERT_EQ(merger.size(), 4u);
  Status error;
  const std::vector<MarketEvent> events = drain(merger, &error);
  ASSERT_TRUE(error.is_ok()) << error.message();
  std::vector<std::pair<int64_t, double>> got;
  for (const MarketEvent& e : events) got.emplace_back(e.ts(), e.as.trade.size);
  const std::vector<std::pair<int64_t, double>> expected = {{0, 21}, {1, 11}, {2, 12}, {2, 13},
                                                            {2, 22}, {2, 31}, {5, 14}, {5, 23},
                                                            {5, 24}, {5, 32}, {9, 25}};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(events[0].instrument(), 1u);
  EXPECT_EQ(events[5].instrument(), 2u);

  // Stays at the end.
  MarketEvent event;
  Result<bool> more = merger.next(event);
  ASSERT_TRUE(more.is_ok());
  EXPECT_FALSE(*more);
}

TEST(DataMerger, FileOrderDecidesTiesNotNames) {
  // The same two sources added the other way round swap their tied events.
  for (bool reversed : {false, true}) {
    EventMerger merger;
    auto x = std::make_unique<ListSource>("x", std::vector{trade(5, 0, 1), trade(5, 0, 2)});
    auto y = std::make_unique<ListSource>("y", std::vector{trade(5, 1, 3)});
    if (reversed) {
      merger.add(std::move(y));
      merger.add(std::move(x));
    } else {
      merger.add(std::move(x));
      merger.add(std::move(y));
    }
    std::vector<double> tags;
    for (const MarketEvent& e : drain(merger)) tags.push_back(e.as.trade.size);
    EXPECT_EQ(tags, reversed ? std::vector<double>({3, 1, 2}) : std::vector<double>({1, 2, 3}));
  }
}

TEST(DataMerger, MatchesAStableSortOverManySources) {
  // 37 sources of random non-decreasing times with many ties.
  SyntheticRng rng(7);
  std::vector<std::tuple<int64_t, size_t, size_t>> reference;  // (ts, source, row)
  EventMerger merger;
  for (size_t s = 0; s < 37; ++s) {
    std::vector<MarketEvent> events;
    int64_t ts = static_cast<int64_t>(rng.next_u64() % 20);
    const size_t count = rng.next_u64() % 60;
    for (size_t r = 0; r < count; ++r) {
      ts += static_cast<int64_t>(rng.next_u64() % 3);
      events.push_back(trade(ts, 0, static_cast<double>(s * 1000 + r)));
      reference.emplace_back(ts, s, r);
    }
    merger.add(std::make_unique<ListSource>("s" + std::to_string(s), std::move(events)));
  }
  std::sort(reference.begin(), reference.end());
  const std::vector<MarketEvent> events = drain(merger);
  ASSERT_EQ(events.size(), reference.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const auto [ts, s, r] = reference[i];
    ASSERT_EQ(events[i].ts(), ts) << i;
    ASSERT_EQ(events[i].as.trade.size, static_cast<double>(s * 1000 + r)) << i;
  }
}

TEST(DataMerger, MixesQuotesTradesAndBars) {
  test::ScratchDir dir;
  const InstrumentTable table = instruments();
  const auto quotes = dir.write("q.csv",
                                "ts,instrument,bid,bid_size,ask,ask_size\n"
                                "2024-01-02T14:30:00Z,AAPL,1,1,2,1\n"
                                "2024-01-02T14:31:00Z,AAPL,1,1,2,1\n");
  const auto trades = dir.write("t.csv",
                                "ts,instrument,price,size\n"
                                "2024-01-02T14:30:30Z,AAPL,1.5,1\n");
  const auto bars = dir.write("b.csv",
                              "ts,instrument,open,high,low,close,volume\n"
                              "2024-01-02T14:31:00Z,AAPL,1,2,1,1.5,100\n");
  EventMerger merger;
  merger.add(std::move(CsvMarketData::open(bars, DataFormat::bars, {}, table)).value());
  merger.add(std::move(CsvMarketData::open(quotes, DataFormat::quotes, {}, table)).value());
  merger.add(std::move(CsvMarketData::open(trades, DataFormat::trades, {}, table)).value());
  std::vector<MarketEventKind> kinds;
  for (const MarketEvent& e : drain(merger)) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<MarketEventKind>{MarketEventKind::quote, MarketEventKind::trade,
                                                 MarketEventKind::bar, MarketEventKind::quote}));
}

// Depth events merge by ts like any other kind (not by exch_ts); at equal
// ts the file added first goes first, and rows keep their file order.
TEST(DataMerger, MergesDepthWithTradesByTsThenFileOrder) {
  test::ScratchDir dir;
  const InstrumentTable table = instruments();
  const auto trades = dir.write("t.csv",
                                "ts,instrument,price,size\n"
                                "2024-01-02T14:30:00Z,AAPL,10,1\n"
                                "2024-01-02T14:30:02Z,AAPL,10,2\n");
  const auto depth = dir.write("d.csv",
                               "ts,instrument,side,price,size,exch_ts\n"
                               // received late: still placed by ts
                               "2024-01-02T14:30:00Z,AAPL,ask,10,5,2024-01-02T14:29:58Z\n"
                               "2024-01-02T14:30:01Z,AAPL,ask,10,4,2024-01-02T14:30:01Z\n"
                               "2024-01-02T14:30:02Z,AAPL,ask,10,2,2024-01-02T14:30:01.5Z\n"
                               "2024-01-02T14:30:02Z,AAPL,bid,9.5,7,2024-01-02T14:30:01.5Z\n");
  for (const bool depth_first : {false, true}) {
    EventMerger merger;
    auto t = std::move(CsvMarketData::open(trades, DataFormat::trades, {}, table)).value();
    auto d = std::move(CsvMarketData::open(depth, DataFormat::depth, {}, table)).value();
    if (depth_first) {
      merger.add(std::move(d));
      merger.add(std::move(t));
    } else {
      merger.add(std::move(t));
      merger.add(std::move(d));
    }
    std::vector<std::tuple<MarketEventKind, int64_t, double>> got;
    for (const MarketEvent& e : drain(merger)) {
      got.emplace_back(e.kind, e.ts(),
                       e.kind == MarketEventKind::book ? e.as.book.size : e.as.trade.size);
    }
    constexpr int64_t t0 = 1'704'205'800'000'000'000;
    constexpr int64_t s = 1'000'000'000;
    constexpr auto book = MarketEventKind::book;
    constexpr auto trade = MarketEventKind::trade;
    using Row = std::tuple<MarketEventKind, int64_t, double>;
    const std::vector<Row> trades_first = {{trade, t0, 1},        {book, t0, 5},
                                           {book, t0 + s, 4},     {trade, t0 + 2 * s, 2},
                                           {book, t0 + 2 * s, 2}, {book, t0 + 2 * s, 7}};
    const std::vector<Row> books_first = {{book, t0, 5},         {trade, t0, 1},
                                          {book, t0 + s, 4},     {book, t0 + 2 * s, 2},
                                          {book, t0 + 2 * s, 7}, {trade, t0 + 2 * s, 2}};
    EXPECT_EQ(got, depth_first ? books_first : trades_first);
  }
}

TEST(DataMerger, PassesASourceErrorThroughAsIs) {
  test::ScratchDir dir;
  const InstrumentTable table = instruments();
  const auto good = dir.write("good.csv", "ts,instrument,price,size\n1,AAPL,1,1\n9,AAPL,1,2\n");
  const auto bad = dir.write("bad.csv", "ts,instrument,price,size\n2,AAPL,1,1\n3,AAPL,oops,1\n");
  EventMerger merger;
  merger.add(std::move(CsvMarketData::open(good, DataFormat::trades, {}, table)).value());
  merger.add(std::move(CsvMarketData::open(bad, DataFormat::trades, {}, table)).value());
  Status error;
  const std::vector<MarketEvent> events = drain(merger, &error);
  EXPECT_EQ(events.size(), 2u);  // ts 1 and 2; the bad row comes next
  EXPECT_EQ(error.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(error.message(), bad.string() + ":3:3: price: expected a number, got 'oops'");
  MarketEvent event;
  Result<bool> again = merger.next(event);  // sticky
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().message(), error.message());
}

TEST(DataMerger, ErrorOnTheFirstRead) {
  EventMerger merger;
  merger.add(std::make_unique<ListSource>("ok", std::vector{trade(1, 0, 1)}));
  merger.add(std::make_unique<ListSource>("broken", std::vector<MarketEvent>{}, 0));
  Status error;
  EXPECT_TRUE(drain(merger, &error).empty());
  EXPECT_EQ(error.message(), "broken:9:3: boom");
}

TEST(DataMerger, RejectsASourceThatGoesBackInTime) {
  EventMerger merger;
  merger.add(std::make_unique<ListSource>("liar", std::vector{trade(5, 0, 1), trade(4, 0, 2)}));
  Status error;
  EXPECT_EQ(drain(merger, &error).size(), 1u);
  EXPECT_EQ(error.message(),
            "liar: event at 1970-01-01T00:00:00.000000004Z comes after one at "
            "1970-01-01T00:00:00.000000005Z: a market data source must be sorted by time");
}

TEST(DataMerger, NestsAndRefusesLateSources) {
  auto inner = std::make_unique<EventMerger>("inner");
  inner->add(std::make_unique<ListSource>("a", std::vector{trade(1, 0, 1), trade(4, 0, 4)}));
  inner->add(std::make_unique<ListSource>("b", std::vector{trade(3, 0, 3)}));
  EventMerger outer;
  outer.add(std::move(inner));
  outer.add(std::make_unique<ListSource>("c", std::vector{trade(2, 0, 2), trade(4, 0, 5)}));
  std::vector<double> tags;
  for (const MarketEvent& e : drain(outer)) tags.push_back(e.as.trade.size);
  EXPECT_EQ(tags, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_THROW(outer.add(std::make_unique<ListSource>("late", std::vector<MarketEvent>{})),
               std::logic_error);
}

TEST(DataMerger, SameInputsSameSequence) {
  test::ScratchDir dir;
  const InstrumentTable table = instruments();
  SyntheticSpec spec;
  spec.instruments = {"AAPL", "MSFT", "SPY"};
  spec.days = 1;
  spec.quotes_per_day = 2'000;
  spec.kinds = {DataFormat::quotes, DataFormat::trades};
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  auto run = [&] {
    EventMerger merger;
    for (const char* symbol : {"AAPL", "MSFT", "SPY"}) {
      for (DataFormat kind : spec.kinds) {
        const auto file = dir.path() / synthetic_file_name(spec, symbol, kind);
        merger.add(std::move(CsvMarketData::open(file, kind, {}, table)).value());
      }
    }
    return drain(merger);
  };
  const std::vector<MarketEvent> first = run();
  const std::vector<MarketEvent> second = run();
  ASSERT_GT(first.size(), 6'000u);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_TRUE(same(first[i], second[i])) << i;
    if (i > 0) {
      ASSERT_LE(first[i - 1].ts(), first[i].ts()) << i;
    }
  }
}

}  // namespace
}  // namespace keel
