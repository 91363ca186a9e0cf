// The synthetic data generator: determinism, validity of every row, the
// statistics of the price path, and streaming a large generated file.
#include "engine/data/synthetic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/csv_market_data.hpp"
#include "engine/data/event_merger.hpp"
#include "engine/market/order_book.hpp"
#include "engine/market/timestamp.hpp"
#include "tests/unit/data/data_test_support.hpp"

namespace keel {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDay = 86'400 * kSecond;

InstrumentTable table_of(const std::vector<std::string>& symbols) {
  InstrumentTable table;
  for (const std::string& symbol : symbols) {
    Instrument i;
    i.symbol = symbol;
    table.add(i);
  }
  return table;
}

std::unique_ptr<CsvMarketData> open_csv(const std::filesystem::path& file, DataFormat kind,
                                        const InstrumentTable& table,
                                        size_t block = CsvMarketData::kDefaultBlockSize) {
  auto source = CsvMarketData::open(file, kind, {}, table, block);
  EXPECT_TRUE(source.is_ok()) << source.status().message();
  return source ? std::move(source).value() : nullptr;
}

// Reads a whole source, failing the test on an error.
std::vector<MarketEvent> read_all(MarketDataSource& source) {
  std::vector<MarketEvent> out;
  MarketEvent event;
  for (;;) {
    Result<bool> got = source.next(event);
    EXPECT_TRUE(got.is_ok()) << got.status().message();
    if (!got || !*got) return out;
    out.push_back(event);
  }
}

SyntheticSpec small_spec() {
  SyntheticSpec spec;
  spec.instruments = {"AAPL", "MSFT"};
  spec.days = 2;
  spec.quotes_per_day = 3'000;
  spec.seed = 42;
  return spec;
}

uint64_t fnv1a(const std::string& bytes) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

// ---- building blocks ----------------------------------------------------------

TEST(DataSynthetic, PortableMathMatchesLibm) {
  SyntheticRng rng(1);
  for (int i = 0; i < 200'000; ++i) {
    const double x = std::ldexp(0.5 + rng.uniform(), static_cast<int>(rng.next_u64() % 200) - 100);
    ASSERT_NEAR(portable_log(x), std::log(x), 1e-15 * std::max(1.0, std::abs(std::log(x)))) << x;
    const double y = (rng.uniform() - 0.5) * 1400;
    ASSERT_NEAR(portable_exp(y), std::exp(y), 1e-15 * std::exp(y)) << y;
  }
  EXPECT_EQ(portable_log(1), 0);
  EXPECT_EQ(portable_exp(0), 1);
  EXPECT_TRUE(std::isnan(portable_log(-1)));
  EXPECT_EQ(portable_log(0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(portable_exp(1000), std::numeric_limits<double>::infinity());
  EXPECT_EQ(portable_exp(-1000), 0);
}

TEST(DataSynthetic, RngIsPinned) {
  // xoshiro256** seeded by splitmix64: these values are part of the file
  // format's reproducibility; they must never change.
  SyntheticRng rng(0);
  EXPECT_EQ(rng.next_u64(), 0x99EC5F36CB75F2B4ULL);
  EXPECT_EQ(rng.next_u64(), 0xBF6E1F784956452AULL);
  SyntheticRng other(12345);
  EXPECT_NE(other.next_u64(), SyntheticRng(12346).next_u64());
}

TEST(DataSynthetic, RngMoments) {
  SyntheticRng rng(99);
  const int n = 400'000;
  double sum = 0, sum2 = 0, umin = 1, umax = 0, esum = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
    const double u = rng.uniform();
    umin = std::min(umin, u);
    umax = std::max(umax, u);
    esum += rng.exponential(4);
  }
  EXPECT_NEAR(sum / n, 0, 0.01);
  EXPECT_NEAR(sum2 / n, 1, 0.01);
  EXPECT_GE(umin, 0);
  EXPECT_LT(umax, 1);
  EXPECT_NEAR(esum / n, 0.25, 0.003);
}

// ---- files ------------------------------------------------------------------------

TEST(DataSynthetic, SameSeedGivesByteIdenticalFiles) {
  test::ScratchDir dir;
  const SyntheticSpec spec = small_spec();
  SyntheticStats first, second;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "one", &first).is_ok());
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "two", &second).is_ok());
  ASSERT_EQ(first.files.size(), 6u);
  EXPECT_EQ(first.rows, second.rows);
  for (size_t i = 0; i < first.files.size(); ++i) {
    EXPECT_EQ(first.files[i].filename(), second.files[i].filename());
    const std::string a = test::read_file(first.files[i]);
    EXPECT_GT(a.size(), 100u);
    EXPECT_EQ(a, test::read_file(second.files[i])) << first.files[i];
  }
  // No partial files left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "one")) {
    EXPECT_EQ(entry.path().extension(), ".csv") << entry.path();
  }
}

TEST(DataSynthetic, OutputIsPinned) {
  // A checksum of a small file: catches any change to the generator's
  // output (and, run on another platform, any platform difference).
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"AAPL"};
  spec.days = 1;
  spec.quotes_per_day = 500;
  spec.seed = 7;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const std::string quotes = test::read_file(dir.path() / "AAPL_quotes.csv");
  const std::string trades = test::read_file(dir.path() / "AAPL_trades.csv");
  const std::string bars = test::read_file(dir.path() / "AAPL_bars.csv");
  EXPECT_EQ(quotes.substr(0, 40), "ts,instrument,bid,bid_size,ask,ask_size\n");
  EXPECT_EQ(fnv1a(quotes), 16659443528534317783ULL) << quotes.substr(0, 400);
  EXPECT_EQ(fnv1a(trades), 5599852395765947500ULL) << trades.substr(0, 400);
  EXPECT_EQ(fnv1a(bars), 11427437624362651249ULL) << bars.substr(0, 400);
}

TEST(DataSynthetic, DifferentSeedGivesDifferentFiles) {
  test::ScratchDir dir;
  SyntheticSpec spec = small_spec();
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "a").is_ok());
  spec.seed = 43;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "b").is_ok());
  for (const char* name : {"AAPL_quotes.csv", "AAPL_trades.csv", "MSFT_bars.csv"}) {
    EXPECT_NE(test::read_file(dir.path() / "a" / name), test::read_file(dir.path() / "b" / name))
        << name;
  }
}

TEST(DataSynthetic, AnInstrumentDoesNotDependOnTheOthers) {
  test::ScratchDir dir;
  SyntheticSpec spec = small_spec();
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "both").is_ok());
  spec.instruments = {"MSFT"};
  spec.kinds = {DataFormat::trades};
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "one").is_ok());
  EXPECT_EQ(test::read_file(dir.path() / "both" / "MSFT_trades.csv"),
            test::read_file(dir.path() / "one" / "MSFT_trades.csv"));
  // ...and instruments differ from each other.
  EXPECT_NE(test::read_file(dir.path() / "both" / "AAPL_trades.csv").substr(30, 60),
            test::read_file(dir.path() / "both" / "MSFT_trades.csv").substr(30, 60));
}

TEST(DataSynthetic, RowsAreValidAndConsistent) {
  test::ScratchDir dir;
  SyntheticSpec spec = small_spec();
  spec.instruments = {"AAPL", "MSFT", "TINY"};
  spec.days = 3;
  spec.start_date = "2024-01-05";  // a Friday: then Monday and Tuesday
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const InstrumentTable table = table_of(spec.instruments);
  const int64_t friday = *parse_timestamp("2024-01-05");
  const std::vector<int64_t> days = {friday, friday + 3 * kDay, friday + 4 * kDay};
  auto in_session = [&](int64_t ts) {
    for (int64_t day : days) {
      if (ts >= day + (14 * 60 + 30) * 60 * kSecond && ts <= day + 21 * 3600 * kSecond) return true;
    }
    return false;
  };

  for (const std::string& symbol : spec.instruments) {
    // Quotes and trades of one instrument, merged: each trade sees its book.
    EventMerger merger;
    merger.add(open_csv(dir.path() / (symbol + "_quotes.csv"), DataFormat::quotes, table));
    merger.add(open_csv(dir.path() / (symbol + "_trades.csv"), DataFormat::trades, table));
    const std::vector<MarketEvent> events = read_all(merger);
    ASSERT_GT(events.size(), 7'000u) << symbol;
    ASSERT_EQ(events[0].kind, MarketEventKind::quote);
    double bid = 0, ask = 0;
    int64_t previous = 0;
    size_t quotes = 0, trades = 0;
    // Bars recomputed from the trades.
    std::map<int64_t, keel_bar_t> bars;
    for (const MarketEvent& e : events) {
      ASSERT_GT(e.ts(), previous) << symbol << ": timestamps strictly increase";
      previous = e.ts();
      ASSERT_TRUE(in_session(e.ts())) << format_timestamp(e.ts());
      ASSERT_EQ(e.ts() % 1000, 0) << "microsecond resolution";
      if (e.kind == MarketEventKind::quote) {
        ++quotes;
        bid = e.as.quote.bid;
        ask = e.as.quote.ask;
        ASSERT_LT(bid, ask) << format_timestamp(e.ts());
        ASSERT_GE(bid, 0.01);
        ASSERT_NEAR(bid * 100, std::round(bid * 100), 1e-6) << "on the tick";
        ASSERT_NEAR(ask * 100, std::round(ask * 100), 1e-6) << "on the tick";
        for (double size : {e.as.quote.bid_size, e.as.quote.ask_size}) {
          ASSERT_GE(size, 100);
          ASSERT_EQ(std::fmod(size, 100), 0) << "round lots";
        }
      } else {
        ++trades;
        const keel_trade_t& t = e.as.trade;
        ASSERT_GE(t.price, bid - 1e-9) << format_timestamp(t.ts);
        ASSERT_LE(t.price, ask + 1e-9) << format_timestamp(t.ts);
        ASSERT_GE(t.size, 1);
        ASSERT_EQ(t.size, std::floor(t.size));
        const int64_t day = t.ts / kDay * kDay;
        const int64_t open = day + (14 * 60 + 30) * 60 * kSecond;
        const int64_t end = open + ((t.ts - open) / (60 * kSecond) + 1) * 60 * kSecond;
        auto [it, fresh] =
            bars.try_emplace(end, keel_bar_t{end, 0, 0, t.price, t.price, t.price, t.price, 0});
        keel_bar_t& bar = it->second;
        bar.high = std::max(bar.high, t.price);
        bar.low = std::min(bar.low, t.price);
        bar.close = t.price;
        bar.volume += t.size;
      }
    }
    // About 3000 quotes and 750 trades a day.
    EXPECT_NEAR(static_cast<double>(quotes) / 3, 3'000, 300) << symbol;
    EXPECT_NEAR(static_cast<double>(trades) / 3, 750, 120) << symbol;

    auto bar_source = open_csv(dir.path() / (symbol + "_bars.csv"), DataFormat::bars, table);
    const std::vector<MarketEvent> written = read_all(*bar_source);
    ASSERT_EQ(written.size(), bars.size()) << symbol;
    size_t i = 0;
    for (const auto& [end, expected] : bars) {
      const keel_bar_t& got = written[i++].as.bar;
      ASSERT_EQ(got.ts, end);
      ASSERT_EQ(got.open, expected.open);
      ASSERT_EQ(got.high, expected.high);
      ASSERT_EQ(got.low, expected.low);
      ASSERT_EQ(got.close, expected.close);
      ASSERT_EQ(got.volume, expected.volume);
      ASSERT_GT(got.volume, 0);
    }
  }
}

TEST(DataSynthetic, MergedFilesEqualMergingThePerInstrumentFiles) {
  test::ScratchDir dir;
  SyntheticSpec apart_spec = small_spec();
  apart_spec.instruments = {"MSFT", "AAPL", "SPY"};
  apart_spec.kinds = {DataFormat::bars, DataFormat::quotes};
  ASSERT_TRUE(write_synthetic(apart_spec, dir.path() / "apart").is_ok());
  SyntheticSpec spec = apart_spec;
  spec.merge = true;
  spec.prefix = "demo_";
  SyntheticStats stats;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "merged", &stats).is_ok());
  ASSERT_EQ(stats.files.size(), 2u);
  EXPECT_EQ(stats.files[0], dir.path() / "merged" / "demo_bars.csv");
  EXPECT_EQ(stats.files[1], dir.path() / "merged" / "demo_quotes.csv");
  const InstrumentTable table = table_of({"AAPL", "MSFT", "SPY"});
  for (DataFormat kind : spec.kinds) {
    EventMerger apart;
    for (const std::string& symbol : spec.instruments) {
      apart.add(open_csv(dir.path() / "apart" / synthetic_file_name(apart_spec, symbol, kind), kind,
                         table));
    }
    auto merged =
        open_csv(dir.path() / "merged" / synthetic_file_name(spec, "", kind), kind, table);
    const std::vector<MarketEvent> a = read_all(apart);
    const std::vector<MarketEvent> b = read_all(*merged);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].ts(), b[i].ts()) << i;
      ASSERT_EQ(a[i].instrument(), b[i].instrument()) << i;
    }
  }
}

TEST(DataSynthetic, NanosecondTimestamps) {
  test::ScratchDir dir;
  SyntheticSpec spec = small_spec();
  spec.kinds = {DataFormat::trades};
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "iso").is_ok());
  spec.timestamps = TimestampStyle::nanoseconds;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "ns").is_ok());
  const std::string ns = test::read_file(dir.path() / "ns" / "AAPL_trades.csv");
  EXPECT_EQ(ns.substr(ns.find('\n') + 1, 4), "1704");
  const InstrumentTable table = table_of(spec.instruments);
  auto a = open_csv(dir.path() / "iso" / "AAPL_trades.csv", DataFormat::trades, table);
  auto b = open_csv(dir.path() / "ns" / "AAPL_trades.csv", DataFormat::trades, table);
  const std::vector<MarketEvent> ea = read_all(*a), eb = read_all(*b);
  ASSERT_EQ(ea.size(), eb.size());
  for (size_t i = 0; i < ea.size(); ++i) {
    ASSERT_EQ(ea[i].ts(), eb[i].ts());
    ASSERT_EQ(ea[i].as.trade.price, eb[i].as.trade.price);
  }
}

// Annualised realised vol of 30-minute log returns of the quote mid, in
// trading time (a year = 252 sessions of 6.5 h).
double realised_vol(const std::filesystem::path& quotes_file, const InstrumentTable& table,
                    double* first_mid = nullptr) {
  auto source = open_csv(quotes_file, DataFormat::quotes, table);
  constexpr int64_t kStep = 30 * 60 * kSecond;
  double last_mid = 0, previous_sample = 0, sum2 = 0;
  int64_t next_mark = -1, day = -1;
  size_t count = 0;
  MarketEvent e;
  auto sample = [&](double mid) {
    if (previous_sample > 0) {
      const double r = std::log(mid / previous_sample);
      sum2 += r * r;
      ++count;
    }
    previous_sample = mid;
  };
  for (;;) {
    Result<bool> got = source->next(e);
    EXPECT_TRUE(got.is_ok()) << got.status().message();
    if (!got || !*got) break;
    const double mid = 0.5 * (e.as.quote.bid + e.as.quote.ask);
    if (first_mid != nullptr && *first_mid == 0) *first_mid = mid;
    if (e.ts() / kDay != day) {  // a new session: the previous day's close was the last mark
      if (day >= 0) sample(last_mid);
      day = e.ts() / kDay;
      if (previous_sample == 0) previous_sample = mid;
      next_mark = e.ts() + kStep;
    }
    while (e.ts() >= next_mark) {
      sample(last_mid);
      next_mark += kStep;
    }
    last_mid = mid;
  }
  sample(last_mid);
  const double per_year = 252.0 * 13;  // 30-minute returns per trading year
  return std::sqrt(sum2 / static_cast<double>(count) * per_year);
}

TEST(DataSynthetic, RealisedVolMatchesTheSpec) {
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"VOL"};
  spec.days = 80;
  spec.kinds = {DataFormat::quotes};
  spec.quotes_per_day = 1'500;
  spec.start_price = 300;
  spec.annual_vol = 0.25;
  spec.jump_intensity_per_day = 0;
  spec.seed = 5;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const double vol = realised_vol(dir.path() / "VOL_quotes.csv", table_of(spec.instruments));
  EXPECT_NEAR(vol, 0.25, 0.25 * 0.25);
  EXPECT_NEAR(vol, 0.25, 0.25 * 0.10) << "expected within 10% at this sample size";
}

TEST(DataSynthetic, JumpsAddTheirVariance) {
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"JMP"};
  spec.days = 80;
  spec.kinds = {DataFormat::quotes};
  spec.quotes_per_day = 1'500;
  spec.start_price = 300;
  spec.annual_vol = 0.15;
  spec.jump_intensity_per_day = 4;
  spec.jump_mean = 0;
  spec.jump_stdev = 0.004;
  spec.seed = 6;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const double expected = std::sqrt(0.15 * 0.15 + 4 * 252 * 0.004 * 0.004);  // ~0.20
  const double vol = realised_vol(dir.path() / "JMP_quotes.csv", table_of(spec.instruments));
  EXPECT_NEAR(vol, expected, expected * 0.25);
  EXPECT_GT(vol, 0.16) << "jumps must add variance to the 15% diffusion";
}

TEST(DataSynthetic, InstrumentsGetSeedDrawnPricesAndVols) {
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"A", "B", "C", "D", "E", "F"};
  spec.days = 20;
  spec.kinds = {DataFormat::quotes};
  spec.quotes_per_day = 400;
  spec.jump_intensity_per_day = 0;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const InstrumentTable table = table_of(spec.instruments);
  std::vector<double> prices, vols;
  for (const std::string& symbol : spec.instruments) {
    double first_mid = 0;
    vols.push_back(realised_vol(dir.path() / (symbol + "_quotes.csv"), table, &first_mid));
    prices.push_back(first_mid);
    EXPECT_GE(first_mid, 19.9) << symbol;
    EXPECT_LE(first_mid, 500.1) << symbol;
    EXPECT_GT(vols.back(), 0.15 * 0.7) << symbol;
    EXPECT_LT(vols.back(), 0.45 * 1.3) << symbol;
  }
  std::sort(prices.begin(), prices.end());
  EXPECT_EQ(std::adjacent_find(prices.begin(), prices.end()), prices.end()) << "all different";
}

TEST(DataSynthetic, SkipsWeekends) {
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"W"};
  spec.days = 6;
  spec.start_date = "2024-01-06";  // Saturday
  spec.kinds = {DataFormat::bars};
  spec.bar_seconds = 3'600;
  spec.quotes_per_day = 4'000;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  auto bars = open_csv(dir.path() / "W_bars.csv", DataFormat::bars, table_of({"W"}));
  std::vector<std::string> dates;
  for (const MarketEvent& e : read_all(*bars)) {
    const std::string date = format_timestamp(e.ts()).substr(0, 10);
    if (dates.empty() || dates.back() != date) dates.push_back(date);
    // Hourly bars from 14:30: closes at 15:30 ... 20:30, then 21:00 (the session close).
    const std::string time = format_timestamp(e.ts()).substr(11);
    EXPECT_TRUE(time.substr(2) == ":30:00Z" || time == "21:00:00Z") << time;
  }
  EXPECT_EQ(dates, (std::vector<std::string>{"2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11",
                                             "2024-01-12", "2024-01-15"}));
}

// ---- depth -----------------------------------------------------------------------

SyntheticSpec depth_spec() {
  SyntheticSpec spec = small_spec();
  spec.kinds = {DataFormat::depth};
  spec.depth_levels = 6;
  return spec;
}

TEST(DataSynthetic, DepthWritesABookAndItsTradesByteIdenticallyPerSeed) {
  test::ScratchDir dir;
  SyntheticSpec spec = depth_spec();
  SyntheticStats first, second;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "one", &first).is_ok());
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "two", &second).is_ok());
  spec.seed = 43;
  ASSERT_TRUE(write_synthetic(spec, dir.path() / "three").is_ok());
  ASSERT_EQ(first.files.size(), 4u);
  const std::vector<std::string> names = {"AAPL_depth.csv", "AAPL_trades.csv", "MSFT_depth.csv",
                                          "MSFT_trades.csv"};
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(first.files[i].filename(), names[i]);
    const std::string a = test::read_file(first.files[i]);
    EXPECT_GT(a.size(), 1000u) << names[i];
    EXPECT_EQ(a, test::read_file(second.files[i])) << names[i];
    EXPECT_NE(a, test::read_file(dir.path() / "three" / names[i])) << names[i];
  }
  EXPECT_EQ(test::read_file(first.files[0]).substr(0, 38),
            "ts,instrument,side,price,size,exch_ts\n");
  EXPECT_EQ(test::read_file(first.files[1]).substr(0, 25), "ts,instrument,price,size\n");
}

TEST(DataSynthetic, DepthOutputIsPinned) {
  // As OutputIsPinned, for the book and its trades.
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"AAPL"};
  spec.days = 1;
  spec.kinds = {DataFormat::depth};
  spec.depth_levels = 3;
  spec.quotes_per_day = 500;
  spec.seed = 7;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const std::string depth = test::read_file(dir.path() / "AAPL_depth.csv");
  const std::string trades = test::read_file(dir.path() / "AAPL_trades.csv");
  EXPECT_EQ(fnv1a(depth), 7997560315734312828ULL) << depth.substr(0, 400);
  EXPECT_EQ(fnv1a(trades), 521714088799770960ULL) << trades.substr(0, 400);
}

TEST(DataSynthetic, DepthBookIsNeverCrossedAndTradesAgreeWithIt) {
  test::ScratchDir dir;
  const SyntheticSpec spec = depth_spec();
  const size_t levels = static_cast<size_t>(spec.depth_levels);
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const InstrumentTable table = table_of(spec.instruments);
  for (const std::string& symbol : spec.instruments) {
    SCOPED_TRACE(symbol);
    auto depth_source = open_csv(dir.path() / (symbol + "_depth.csv"), DataFormat::depth, table);
    auto trade_source = open_csv(dir.path() / (symbol + "_trades.csv"), DataFormat::trades, table);
    ASSERT_TRUE(depth_source && trade_source);
    const std::vector<MarketEvent> rows = read_all(*depth_source);
    const std::vector<MarketEvent> trades = read_all(*trade_source);
    ASSERT_GT(rows.size(), 4'000u);
    ASSERT_GT(trades.size(), 500u);

    // The first rows set up the whole book: every level of both sides.
    for (size_t i = 0; i < 2 * levels; ++i) {
      ASSERT_EQ(rows[i].ts(), rows[0].ts());
      EXPECT_EQ(rows[i].as.book.side, i < levels ? KEEL_BOOK_BID : KEEL_BOOK_ASK);
      EXPECT_GT(rows[i].as.book.size, 0);
    }
    EXPECT_NE(rows[2 * levels].ts(), rows[0].ts());

    OrderBook book;
    int64_t previous_exch = std::numeric_limits<int64_t>::min();
    size_t next_trade = 0, checked_trades = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const keel_book_update_t& row = rows[i].as.book;
      // A trade before this row: at the then-best price of one side, no
      // bigger than that level, and this row shows that level reduced.
      while (next_trade < trades.size() && trades[next_trade].ts() < row.ts) {
        const keel_trade_t& trade = trades[next_trade].as.trade;
        const BookLevel* bid = book.best(KEEL_BOOK_BID);
        const BookLevel* ask = book.best(KEEL_BOOK_ASK);
        ASSERT_TRUE(bid != nullptr && ask != nullptr);
        ASSERT_TRUE(trade.price == bid->price || trade.price == ask->price)
            << "trade " << next_trade << " at " << trade.price << " outside " << bid->price << " / "
            << ask->price;
        const int32_t side = trade.price == bid->price ? KEEL_BOOK_BID : KEEL_BOOK_ASK;
        const double level = book.size_at(side, trade.price);
        EXPECT_LE(trade.size, level) << "trade " << next_trade;
        EXPECT_EQ(row.ts, trade.ts + 1) << "trade " << next_trade;
        EXPECT_EQ(row.side, side);
        EXPECT_EQ(row.price, trade.price);
        EXPECT_EQ(row.size, level - trade.size);
        ++next_trade;
        ++checked_trades;
      }
      EXPECT_LE(row.exch_ts, row.ts) << "row " << i;
      EXPECT_GE(row.exch_ts, previous_exch) << "row " << i;
      EXPECT_GE(row.ts - row.exch_ts, 0);
      EXPECT_LE(row.ts - row.exch_ts, 200'000 + 1) << "row " << i;
      previous_exch = row.exch_ts;
      const double ticks = row.price * 100;
      EXPECT_NEAR(ticks, std::floor(ticks + 0.5), 1e-6) << "row " << i << ": off the 0.01 grid";
      if (i > 0) {
        EXPECT_GE(row.ts, rows[i - 1].ts());
      }

      book.apply(row.side, row.price, row.size);
      const BookLevel* bid = book.best(KEEL_BOOK_BID);
      const BookLevel* ask = book.best(KEEL_BOOK_ASK);
      if (bid != nullptr && ask != nullptr) {
        ASSERT_LT(bid->price, ask->price) << "crossed or locked after row " << i;
      }
      // After each update's rows, each side holds its levels again.
      if (i + 1 >= 2 * levels && (i + 1 == rows.size() || rows[i + 1].ts() != row.ts)) {
        ASSERT_EQ(book.depth(KEEL_BOOK_BID), levels) << "after row " << i;
        ASSERT_EQ(book.depth(KEEL_BOOK_ASK), levels) << "after row " << i;
      }
    }
    EXPECT_EQ(next_trade, trades.size()) << "trades after the last depth row";
    EXPECT_EQ(checked_trades, trades.size());
  }
}

TEST(DataSynthetic, DepthMergedFilesReadBack) {
  test::ScratchDir dir;
  SyntheticSpec spec = depth_spec();
  spec.merge = true;
  spec.timestamps = TimestampStyle::nanoseconds;
  SyntheticStats stats;
  ASSERT_TRUE(write_synthetic(spec, dir.path(), &stats).is_ok());
  ASSERT_EQ(stats.files.size(), 2u);
  EXPECT_EQ(stats.files[0].filename(), "depth.csv");
  EXPECT_EQ(stats.files[1].filename(), "trades.csv");
  const InstrumentTable table = table_of(spec.instruments);
  auto depth = open_csv(stats.files[0], DataFormat::depth, table);
  auto trades = open_csv(stats.files[1], DataFormat::trades, table);
  ASSERT_TRUE(depth && trades);
  const size_t rows = read_all(*depth).size() + read_all(*trades).size();
  EXPECT_EQ(rows, stats.rows);
}

TEST(DataSynthetic, RejectsBadSpecs) {
  auto error = [](auto change) {
    SyntheticSpec spec = small_spec();
    change(spec);
    return validate_synthetic_spec(spec).message();
  };
  EXPECT_EQ(error([](SyntheticSpec&) {}), "");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.instruments.clear(); }), "no instruments given");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.instruments = {"A/B"}; }),
            "instrument 'A/B': a symbol is 1-64 letters, digits, '.', '-' or '_'");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.instruments = {"A", "A"};
            }),
            "instrument 'A' given twice");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.days = 0; }), "days must be 1..100000");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.start_date = "2024-02-30"; }),
            "start date '2024-02-30' is not a date like 2024-01-02");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.start_date = "2024-01-02T10:00:00Z"; }),
            "start date '2024-01-02T10:00:00Z' is not a date like 2024-01-02");
  // Past the latest time keel's market data may hold (once: signed overflow
  // at 2262 and dates wrapped to 1677).
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.start_date = "2262-04-01";
              s.days = 100;
            }),
            "start date '2262-04-01' with 100 days runs past 2200-01-01T00:00:00Z, the latest time "
            "keel's market data may hold");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.start_date = "2199-12-01";
              s.days = 30;
            }),
            "start date '2199-12-01' with 30 days runs past 2200-01-01T00:00:00Z, the latest time "
            "keel's market data may hold");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.start_date = "2199-11-01";
              s.days = 10;
            }),
            "");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.kinds = {DataFormat::bars, DataFormat::bars};
            }),
            "kind 'bars' given twice");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.kinds = {DataFormat::depth}; }), "");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.kinds = {DataFormat::trades, DataFormat::depth};
            }),
            "depth is generated on its own (it comes with its own trades file): give the kind "
            "depth alone");
  EXPECT_EQ(error([](SyntheticSpec& s) {
              s.kinds = {DataFormat::depth};
              s.depth_levels = 0;
            }),
            "depth levels must be 1..1000");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.bar_seconds = 0; }), "bar seconds must be 1..86400");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.quotes_per_day = 0; }),
            "quotes per day must be 1..1000000000");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.session_close_minute = s.session_open_minute; }),
            "the session must open before it closes, within one UTC day");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.start_price = 0; }), "start price must be 0.01..1e9");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.annual_vol = -0.1; }),
            "annual vol must be 0..10 (1 = 100%)");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.jump_stdev = std::nan(""); }),
            "jump stdev must be 0..1");
  EXPECT_EQ(error([](SyntheticSpec& s) { s.spread_bps = -1; }), "spread must be 0..10000 bps");

  test::ScratchDir dir;
  SyntheticSpec spec = small_spec();
  spec.days = -1;
  EXPECT_FALSE(write_synthetic(spec, dir.path() / "never").is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "never"));
}

// A generated file of a million quotes, read through a 4 KiB block: the
// reader never needs more than its block, however long the file. (One
// generated day of 50,000 quotes, repeated 20 times a day apart: cheap to
// write even under the sanitizers, and every row can be checked.)
TEST(DataSynthetic, StreamsAMillionRowsThroughAFourKilobyteBlock) {
  test::ScratchDir dir;
  SyntheticSpec spec;
  spec.instruments = {"BIG"};
  spec.days = 1;
  spec.kinds = {DataFormat::quotes};
  spec.quotes_per_day = 50'000;
  spec.trades_per_day = 1;
  spec.timestamps = TimestampStyle::nanoseconds;
  ASSERT_TRUE(write_synthetic(spec, dir.path()).is_ok());
  const InstrumentTable table = table_of({"BIG"});
  auto day_source = open_csv(dir.path() / "BIG_quotes.csv", DataFormat::quotes, table);
  const std::vector<MarketEvent> day = read_all(*day_source);
  ASSERT_GT(day.size(), 49'000u);

  constexpr int kRepeats = 20;
  const std::string text = test::read_file(dir.path() / "BIG_quotes.csv");
  const size_t body = text.find('\n') + 1;
  const auto big = dir.path() / "big.csv";
  {
    std::ofstream out(big, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(body));
    std::string chunk;
    for (int r = 0; r < kRepeats; ++r) {
      for (size_t line = body; line < text.size();) {
        const size_t comma = text.find(',', line);
        const size_t next = text.find('\n', comma) + 1;
        const int64_t ts = std::stoll(text.substr(line, comma - line)) + r * kDay;
        chunk += std::to_string(ts);
        chunk.append(text, comma, next - comma);
        line = next;
      }
      out << chunk;
      chunk.clear();
    }
  }
  EXPECT_GT(std::filesystem::file_size(big), 40u << 20);

  auto source = open_csv(big, DataFormat::quotes, table, 4096);
  MarketEvent e;
  uint64_t rows = 0, mismatches = 0;
  int64_t previous = 0;
  for (;;) {
    Result<bool> got = source->next(e);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    if (!*got) break;
    // Plain comparisons (a gtest assertion per row is slow under the sanitizers).
    const MarketEvent& expected = day[rows % day.size()];
    const int64_t shift = static_cast<int64_t>(rows / day.size()) * kDay;
    if (e.ts() != expected.ts() + shift || e.ts() <= previous ||
        e.as.quote.bid != expected.as.quote.bid || e.as.quote.ask != expected.as.quote.ask ||
        e.as.quote.ask_size != expected.as.quote.ask_size) {
      if (mismatches++ == 0) ADD_FAILURE() << "row " << rows << " differs";
    }
    previous = e.ts();
    ++rows;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(rows, kRepeats * day.size());
  EXPECT_EQ(source->buffer_capacity(), 4096u);
}

}  // namespace
}  // namespace keel
