// Round trips (engine/run/round_trips.hpp) and equity per strategy
// (engine/run/marks.cpp): trades worked out by hand from fills booked in a
// Portfolio, a trade still open at the end, and whole runs where each
// strategy's trades add up to its account and the strategies' equity rows add
// up to the run's.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/round_trips.hpp"
#include "run_harness.hpp"

namespace keel {
namespace {

using test::order;
using test::RunOutput;
using test::Scenario;
using test::submit_on;

constexpr int32_t BUY = KEEL_SIDE_BUY;
constexpr int32_t SELL = KEEL_SIDE_SELL;

class Trades final : public RunRecorder {
 public:
  void fill(const FillRecord&) override {}
  void equity(const EquitySample&) override {}
  void order(const OrderRecord&) override {}
  void trade(const TradeRecord& t) override { rows.push_back(t); }
  std::vector<TradeRecord> rows;
};

// A book and its round trips, fed fill by fill as the broker feeds them.
class RunRoundTrips : public ::testing::Test {
 protected:
  RunRoundTrips() {
    Instrument stock;
    stock.symbol = "AAPL";
    stock.kind = KEEL_INSTRUMENT_EQUITY;
    kStock = config.instruments.add(stock);
    Instrument future;
    future.symbol = "ES";
    future.kind = KEEL_INSTRUMENT_FUTURE;
    future.multiplier = 50;
    kFuture = config.instruments.add(future);
    StrategySpec s;
    s.name = "s";
    config.strategies.push_back(s);
    book = std::make_unique<Portfolio>(config.instruments, std::vector<double>{1e6});
    trips = std::make_unique<RoundTrips>(config);
  }

  void fill(keel_timestamp_t ts, keel_instrument_id_t instrument, int32_t side, double qty,
            double price, double fee) {
    const double realized = book->apply_fill(0, instrument, side, qty, price, fee);
    trips->fill(0, instrument, ts, side, qty, price, fee, realized,
                book->position(0, instrument).quantity, recorded);
  }

  RunConfig config;
  keel_instrument_id_t kStock = 0, kFuture = 0;
  std::unique_ptr<Portfolio> book;
  std::unique_ptr<RoundTrips> trips;
  Trades recorded;
};

void expect_trade(const TradeRecord& got, const TradeRecord& want) {
  EXPECT_EQ(got.strategy, want.strategy);
  EXPECT_EQ(got.instrument, want.instrument);
  EXPECT_EQ(got.direction, want.direction);
  EXPECT_EQ(got.entry_ts, want.entry_ts);
  EXPECT_EQ(got.exit_ts, want.exit_ts);
  EXPECT_DOUBLE_EQ(got.quantity, want.quantity);
  EXPECT_DOUBLE_EQ(got.entry_price, want.entry_price);
  EXPECT_DOUBLE_EQ(got.exit_price, want.exit_price);
  EXPECT_DOUBLE_EQ(got.pnl, want.pnl);
  EXPECT_DOUBLE_EQ(got.fees, want.fees);
  EXPECT_DOUBLE_EQ(got.net_pnl, want.net_pnl);
  EXPECT_EQ(got.open, want.open);
}

TEST_F(RunRoundTrips, LongThenAFlipToShortMakeTwoTradesWorkedOutByHand) {
  fill(1, kStock, BUY, 10, 100, 1);
  fill(2, kStock, BUY, 10, 110, 1);   // long 20 @ 105
  fill(3, kStock, SELL, 15, 120, 1);  // long 5: realised 15 * 15 = 225
  EXPECT_TRUE(recorded.rows.empty());
  fill(4, kStock, SELL, 10, 90, 2);  // 5 close (-75), 5 open short @ 90; fee 1 + 1
  ASSERT_EQ(recorded.rows.size(), 1u);
  fill(5, kStock, BUY, 5, 80, 1);  // short closed: 5 * 10 = 50
  ASSERT_EQ(recorded.rows.size(), 2u);
  trips->record_open(*book, recorded);
  ASSERT_EQ(recorded.rows.size(), 2u);  // nothing open

  // strategy, instrument, direction, entry_ts, exit_ts, quantity (largest
  // |position|), entry_price, exit_price ((15*120 + 5*90) / 20), pnl, fees
  // (1 + 1 + 1 + half of 2), net_pnl, open
  expect_trade(recorded.rows[0], {"s", "AAPL", 1, 1, 4, 20, 105, 112.5, 150, 4, 146, false});
  expect_trade(recorded.rows[1], {"s", "AAPL", -1, 4, 5, 5, 90, 80, 50, 2, 48, false});
  // The trades are the book's PnL.
  const keel_account_t a = book->account(0);
  EXPECT_DOUBLE_EQ(recorded.rows[0].pnl + recorded.rows[1].pnl, a.realized_pnl);
  EXPECT_DOUBLE_EQ(recorded.rows[0].fees + recorded.rows[1].fees, a.fees);
}

TEST_F(RunRoundTrips, ATradeOpenAtTheEndCarriesItsRealisedAndUnrealisedPnl) {
  fill(1, kFuture, SELL, 4, 4500, 2);
  fill(2, kFuture, SELL, 2, 4490, 2);  // short 6 @ 4496.666..
  fill(3, kFuture, BUY, 3, 4480, 2);   // short 3: realised 3 * 16.666.. * 50 = 2500
  book->set_mark(kFuture, 4470);
  trips->record_open(*book, recorded);
  ASSERT_EQ(recorded.rows.size(), 1u);
  const TradeRecord& t = recorded.rows[0];
  EXPECT_TRUE(t.open);
  EXPECT_EQ(t.exit_ts, 0);
  EXPECT_EQ(t.direction, -1);
  EXPECT_DOUBLE_EQ(t.quantity, 6);
  EXPECT_DOUBLE_EQ(t.exit_price, 4480);
  // unrealised 3 * (4496.666.. - 4470) * 50 = 4000; realised 2500
  EXPECT_NEAR(t.pnl, 6500, 1e-6);
  EXPECT_DOUBLE_EQ(t.fees, 6);
  EXPECT_NEAR(t.net_pnl, 6494, 1e-6);
  const keel_account_t a = book->account(0);
  EXPECT_NEAR(t.net_pnl, a.realized_pnl + a.unrealized_pnl - a.fees, 1e-6);
}

TEST_F(RunRoundTrips, AFlipWithNothingLeftOverAfterTheBooksZeroClosesOnly) {
  fill(1, kStock, BUY, 0.1, 100, 0);
  fill(2, kStock, BUY, 0.2, 100, 0);
  fill(3, kStock, SELL, 0.3, 101, 0.5);  // 0.1 + 0.2 != 0.3: the book calls it zero
  trips->record_open(*book, recorded);
  ASSERT_EQ(recorded.rows.size(), 1u);
  EXPECT_FALSE(recorded.rows[0].open);
  EXPECT_DOUBLE_EQ(recorded.rows[0].fees, 0.5);
}

// ---- whole runs ---------------------------------------------------------------------

const std::string kQuotes = "ts,instrument,bid,bid_size,ask,ask_size";

// Two instruments, thin books (partial fills), fees; "a" and "b" run the same
// factory with different params (their scripts), "idle" never trades.
RunOutput three_strategies() {
  Scenario s;
  s.equity("AAPL");
  s.instrument({{"id", "ES"}, {"kind", "future"}, {"tick_size", 0.25}, {"multiplier", 50}});
  s.venue() = {{"taker_fee_bps", 10}, {"fee_per_order", 1}};
  s.run()["equity_interval"] = 1000;
  std::string quotes = kQuotes + "\n";
  const double aapl[] = {100, 101, 103, 99, 98, 104, 106, 102, 97, 95, 100, 108};
  const double es[] = {4500, 4510, 4495, 4480, 4520, 4530, 4505, 4490, 4515, 4525, 4500, 4540};
  for (int i = 0; i < 12; ++i) {
    const int64_t ts = 1000 + 1000 * i;
    quotes += std::to_string(ts) + ",AAPL," + std::to_string(aapl[i] - 0.1) + ",60," +
              std::to_string(aapl[i] + 0.1) + ",60\n";
    quotes += std::to_string(ts + 500) + ",ES," + std::to_string(es[i] - 0.25) + ",2," +
              std::to_string(es[i] + 0.25) + ",2\n";
  }
  s.data("quotes.csv", "quotes", quotes);
  s.strategy("a", {"AAPL", "ES"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 100)),   // 60 + 40
              submit_on("quote", 5, order("AAPL", "sell", "market", 150)),  // flip to short 50
              submit_on("quote", 8, order("ES", "sell", "market", 3)),      // 2 + 1
              submit_on("quote", 12, order("AAPL", "buy", "market", 80)),   // flip to long 30
              submit_on("quote", 15, order("ES", "buy", "market", 5))})     // flip, left open
      .extra = {{"account", {{"type", "margin"}, {"leverage", 10}}}};
  s.strategy("b", {"ES"},
             {submit_on("quote", 0, order("ES", "buy", "market", 4)),
              submit_on("quote", 4, order("ES", "sell", "market", 4))});
  s.strategy("idle", {"AAPL"});
  RunOutput out = s.execute();
  EXPECT_TRUE(out.config_errors.empty());
  EXPECT_TRUE(out.prepare.is_ok()) << out.prepare.message();
  return out;
}

TEST(RunRoundTripsRun, EachStrategysTradesAddUpToItsAccount) {
  const RunOutput out = three_strategies();
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "completed");
  EXPECT_GT(out.fills.size(), out.orders.size());  // partial fills happened
  std::map<std::string, double> net;
  std::map<std::string, int> closed, open;
  for (const TradeRecord& t : out.trades) {
    net[t.strategy] += t.net_pnl;
    ++(t.open ? open : closed)[t.strategy];
    if (!t.open) {
      EXPECT_GE(t.exit_ts, t.entry_ts);
    }
  }
  EXPECT_GE(closed["a"], 3) << "a flips AAPL twice and ES once";
  EXPECT_EQ(open["a"], 2) << "long AAPL, long ES at the end";
  EXPECT_EQ(closed["b"], 1);
  EXPECT_EQ(net.count("idle"), 0u);
  for (const char* name : {"a", "b"}) {
    const StrategySummary& st = out.strategy(name);
    EXPECT_NEAR(net[name], st.realized_pnl + st.unrealized_pnl - st.total_fees, 1e-6) << name;
    EXPECT_NE(net[name], 0) << name;
  }
  // The open trades come last, after every closed one.
  bool seen_open = false;
  for (const TradeRecord& t : out.trades) {
    if (seen_open) EXPECT_TRUE(t.open);
    seen_open = seen_open || t.open;
  }
}

TEST(RunRoundTripsRun, StrategiesEquityRowsSumToTheRunsEquityAtEverySample) {
  const RunOutput out = three_strategies();
  ASSERT_TRUE(out.ran);
  ASSERT_GT(out.equity.size(), 3u);
  ASSERT_EQ(out.equity_by_strategy.size(), 3 * out.equity.size());
  const char* const names[] = {"a", "b", "idle"};
  for (size_t i = 0; i < out.equity.size(); ++i) {
    double sum = 0;
    for (size_t s = 0; s < 3; ++s) {
      const StrategyEquitySample& row = out.equity_by_strategy[3 * i + s];
      EXPECT_EQ(row.ts, out.equity[i].ts);
      EXPECT_EQ(row.strategy, names[s]);
      EXPECT_EQ(row.strategy_index, s);
      sum += row.equity;
    }
    EXPECT_EQ(sum, out.equity[i].equity) << "sample " << i;  // summed in the book's order
    EXPECT_EQ(out.equity_by_strategy[3 * i + 2].equity, 1e6) << "idle never trades";
  }
  // The last rows are each strategy's final equity.
  for (size_t s = 0; s < 3; ++s) {
    EXPECT_NEAR(out.equity_by_strategy[out.equity_by_strategy.size() - 3 + s].equity,
                out.strategy(names[s]).final_equity, 1e-9);
  }
  EXPECT_NE(out.strategy("a").final_equity, out.strategy("b").final_equity);
}

}  // namespace
}  // namespace keel
