// Whole engine runs through the harness and the scripted strategy
// (keel_test.scripted): the loop order of engine/run/engine.hpp, latency,
// fees, every risk rejection, the kill switch, timers, strategy failures,
// determinism, data errors and the end of a run. Timestamps are small
// integer nanoseconds so the journals read easily; every expected number is
// worked out in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

const std::string kQuotes = "ts,instrument,bid,bid_size,ask,ask_size";
const std::string kTrades = "ts,instrument,price,size";
const std::string kBars = "ts,instrument,open,high,low,close,volume";

std::string csv(const std::string& header, std::initializer_list<std::string> rows) {
  std::string text = header + "\n";
  for (const std::string& row : rows) text += row + "\n";
  return text;
}

// Runs the scenario; the run file must parse and the engine must prepare.
RunOutput execute(const Scenario& scenario) {
  RunOutput out = scenario.execute();
  for (const ConfigError& e : out.config_errors) {
    ADD_FAILURE() << "run file error: " << e.pointer << ": " << e.message;
  }
  EXPECT_TRUE(out.config_errors.empty() ? out.prepare.is_ok() : true) << out.prepare.message();
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

long count_containing(const std::vector<std::string>& journal, const std::string& part) {
  return std::count_if(journal.begin(), journal.end(),
                       [&](const std::string& line) { return contains(line, part); });
}

// The same three quotes, mid 100.00 (99.90 x 1000 / 100.10 x 1000).
std::string flat_quotes() {
  return csv(kQuotes, {"1000,AAPL,99.9,1000,100.1,1000", "2000,AAPL,99.9,1000,100.1,1000",
                       "3000,AAPL,99.9,1000,100.1,1000"});
}

// ============================================================================
// Bars: orders sent on bar t meet bar t+1; its fills come before on_bar(t+1)
// ============================================================================

TEST(RunEngineBars, MarketOrderOnBarZeroFillsAtBarOnesOpenBeforeBarOneIsDelivered) {
  Scenario s;
  s.equity("AAPL");
  s.data("bars.csv", "bars",
         csv(kBars, {"1000,AAPL,100,101,99,100.5,1000", "2000,AAPL,100.8,101.5,100.2,101,1000",
                     "3000,AAPL,101,102,100.5,101.5,1000"}));
  s.strategy("s", {"AAPL"}, {submit_on("bar", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::vector<std::string> expected = {
      "start ts=1000 instruments=1",
      "bar ts=1000 open=100 close=100.5",
      "submit -> ok",
      // order_latency 0: the order reached the venue at 1000, after bar 1000 was matched.
      "update ts=1000 order=1 state=accepted filled=0 remaining=10 avg=0 reason=",
      // Bar 2000 opens at 100.8: the market order fills there, and the strategy
      // hears of it before it is given bar 2000.
      "fill ts=2000 order=1 side=buy qty=10 price=100.8 fee=0 liquidity=taker",
      "update ts=2000 order=1 state=filled filled=10 remaining=0 avg=100.8 reason=",
      "bar ts=2000 open=100.8 close=101",
      "bar ts=3000 open=101 close=101.5",
      "stop ts=3000",
  };
  EXPECT_EQ(out.journal(), expected) << dump(out.journal());

  ASSERT_EQ(out.fills.size(), 1u);
  const FillRecord& f = out.fills[0];
  EXPECT_EQ(f.ts, 2000);
  EXPECT_EQ(f.strategy, "s");
  EXPECT_EQ(f.instrument, "AAPL");
  EXPECT_EQ(f.order_id, 1u);
  EXPECT_EQ(f.side, KEEL_SIDE_BUY);
  EXPECT_DOUBLE_EQ(f.quantity, 10);
  EXPECT_DOUBLE_EQ(f.price, 100.8);
  EXPECT_EQ(f.liquidity, KEEL_LIQUIDITY_TAKER);

  const RunSummary& sum = out.result.summary;
  EXPECT_EQ(sum.status, "completed");
  EXPECT_EQ(sum.events, 3u);
  EXPECT_EQ(sum.num_orders, 1u);
  EXPECT_EQ(sum.num_fills, 1u);
  // cash 1e6 - 10 * 100.8 = 998992; marked at the last close 101.5:
  // equity 998992 + 1015 = 1000007, unrealised 10 * (101.5 - 100.8) = 7
  EXPECT_NEAR(sum.final_equity, 1000007, 1e-6);
  EXPECT_NEAR(sum.unrealized_pnl, 7, 1e-6);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
  EXPECT_EQ(out.order(1).submitted_ts, 1000);
  EXPECT_EQ(out.order(1).last_update_ts, 2000);
}

TEST(RunEngineBars, LimitSentOnABarNeverFillsAgainstThatBar) {
  Scenario s;
  s.equity("AAPL");
  s.data("bars.csv", "bars",
         csv(kBars, {"1000,AAPL,100,100.5,99,100,1000",        // low 99 <= 99.5, but the signal bar
                     "2000,AAPL,100.2,100.6,99.8,100.1,1000",  // low 99.8 > 99.5
                     "3000,AAPL,100,100.2,99.4,99.6,1000"}));  // low 99.4: fills at 99.5, maker
  s.strategy("s", {"AAPL"}, {submit_on("bar", 0, order("AAPL", "buy", "limit", 10, 99.5))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].ts, 3000);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 99.5);
  EXPECT_EQ(out.fills[0].liquidity, KEEL_LIQUIDITY_MAKER);
  const auto& j = out.journal();
  const long fill =
      index_of(j, "fill ts=3000 order=1 side=buy qty=10 price=99.5 fee=0 liquidity=maker");
  ASSERT_GE(fill, 0) << dump(j);
  EXPECT_LT(fill, index_of(j, "bar ts=3000")) << dump(j);
  EXPECT_GT(fill, index_of(j, "bar ts=2000")) << dump(j);
}

// ============================================================================
// Quotes: latency, order states, cancels
// ============================================================================

TEST(RunEngineQuotes, OrderLatencyMatchesFromTheFirstQuoteAtOrAfterArrival) {
  const std::string quotes =
      csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100",
                    "1200,AAPL,98.9,100,99,100",  // before arrival
                    "1500,AAPL,100.2,100,100.3,100", "2000,AAPL,100.4,100,100.5,100"});
  {
    // Sent at 1000 with 500 ns latency: reaches the venue at 1500, so the
    // quote at 1200 (ask 99) is not for it; the quote at 1500 (ask 100.3) is.
    Scenario s;
    s.equity("AAPL");
    s.venue()["order_latency_ns"] = 500;
    s.data("quotes.csv", "quotes", quotes);
    s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
    const RunOutput out = execute(s);
    ASSERT_TRUE(out.ran);
    const std::vector<std::string> expected = {
        "start ts=1000 instruments=1",
        "quote ts=1000 bid=99.9 ask=100.1",
        "submit -> ok",
        "quote ts=1200 bid=98.9 ask=99",
        "update ts=1500 order=1 state=accepted filled=0 remaining=10 avg=0 reason=",
        "fill ts=1500 order=1 side=buy qty=10 price=100.3 fee=0 liquidity=taker",
        "update ts=1500 order=1 state=filled filled=10 remaining=0 avg=100.3 reason=",
        "quote ts=1500 bid=100.2 ask=100.3",
        "quote ts=2000 bid=100.4 ask=100.5",
        "stop ts=2000",
    };
    EXPECT_EQ(out.journal(), expected) << dump(out.journal());
    ASSERT_EQ(out.fills.size(), 1u);
    EXPECT_EQ(out.fills[0].ts, 1500);
    EXPECT_DOUBLE_EQ(out.fills[0].price, 100.3);
  }
  {
    // 600 ns: arrival at 1600, between quotes; the first quote after is 2000 (ask 100.5).
    Scenario s;
    s.equity("AAPL");
    s.venue()["order_latency_ns"] = 600;
    s.data("quotes.csv", "quotes", quotes);
    s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
    const RunOutput out = execute(s);
    ASSERT_TRUE(out.ran);
    ASSERT_EQ(out.fills.size(), 1u);
    EXPECT_EQ(out.fills[0].ts, 2000);
    EXPECT_DOUBLE_EQ(out.fills[0].price, 100.5);
    EXPECT_GE(index_of(out.journal(), "update ts=1600 order=1 state=accepted"), 0)
        << dump(out.journal());
  }
}

TEST(RunEngineQuotes, ReportLatencyShiftsFillAndUpdateTimes) {
  Scenario s;
  s.equity("AAPL");
  s.venue()["report_latency_ns"] = 300;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,100.2,100,100.3,100",
                       "3000,AAPL,100.4,100,100.5,100"}));
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::vector<std::string> expected = {
      "start ts=1000 instruments=1",
      "quote ts=1000 bid=99.9 ask=100.1",
      "submit -> ok",
      // At the venue at 1000; the acceptance travels back 300 ns.
      "update ts=1300 order=1 state=accepted filled=0 remaining=10 avg=0 reason=",
      // Filled at 2000 on ask 100.3; the strategy learns at 2300, i.e. before
      // the quote at 3000 but after the quote at 2000.
      "quote ts=2000 bid=100.2 ask=100.3",
      "fill ts=2300 order=1 side=buy qty=10 price=100.3 fee=0 liquidity=taker",
      "update ts=2300 order=1 state=filled filled=10 remaining=0 avg=100.3 reason=",
      "quote ts=3000 bid=100.4 ask=100.5",
      "stop ts=3000",
  };
  EXPECT_EQ(out.journal(), expected) << dump(out.journal());
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].ts, 2000);  // the fill itself happened at 2000
  EXPECT_EQ(out.order(1).last_update_ts, 2000);
}

TEST(RunEngineQuotes, PartialFillsReportEveryState) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,100,100,100.1,100",
                       "3000,AAPL,100.2,100,100.3,100"}));
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 150))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  // 100 @ 100.1 at 2000, the other 50 @ 100.3 at 3000:
  // average (10010 + 5015) / 150 = 100.1666.. (journal %g: 100.167)
  const std::vector<std::string> expected = {
      "update ts=1000 order=1 state=accepted filled=0 remaining=150 avg=0 reason=",
      "update ts=2000 order=1 state=partially_filled filled=100 remaining=50 avg=100.1 reason=",
      "update ts=3000 order=1 state=filled filled=150 remaining=0 avg=100.167 reason=",
  };
  EXPECT_EQ(lines_with_prefix(out.journal(), "update"), expected) << dump(out.journal());
  EXPECT_NEAR(out.order(1).average_fill_price, 15025.0 / 150, 1e-9);
}

TEST(RunEngineQuotes, FillWinsACancelThatArrivesAfterIt) {
  Scenario s;
  s.equity("AAPL");
  s.venue()["order_latency_ns"] = 500;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.8,100,100.2,100",     // limit buy 10 @ 100 sent; arrives 1500
                       // the ACCEPTED update at 1500 sends the cancel: it arrives at 2000
                       "1600,AAPL,99.8,100,100.2,100",
                       "1900,AAPL,99.7,100,99.9,100",      // ask 99.9 <= 100: fills at 100, maker
                       "2200,AAPL,99.8,100,100.2,100"}));  // the cancel found a filled order
  s.strategy(
      "s", {"AAPL"},
      {submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 100)), cancel_on("update", 0, 0)});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  EXPECT_GE(index_of(j, "cancel order_index=0 -> ok"), 0) << dump(j);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].ts, 1900);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 100);
  EXPECT_EQ(out.fills[0].liquidity, KEEL_LIQUIDITY_MAKER);
  EXPECT_GE(
      index_of(j, "update ts=1900 order=1 state=filled filled=10 remaining=0 avg=100 reason="), 0)
      << dump(j);
  EXPECT_EQ(count_containing(j, "state=canceled"), 0) << dump(j);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
}

TEST(RunEngineQuotes, CancelThatArrivesFirstWins) {
  Scenario s;
  s.equity("AAPL");
  s.venue()["order_latency_ns"] = 500;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.8,100,100.2,100", "1600,AAPL,99.8,100,100.2,100",
                       "2000,AAPL,99.8,100,100.2,100",
                       "2200,AAPL,99.7,100,99.9,100"}));  // would fill, but the cancel came at 2000
  s.strategy(
      "s", {"AAPL"},
      {submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 100)), cancel_on("update", 0, 0)});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  EXPECT_TRUE(out.fills.empty());
  const long canceled = index_of(j,
                                 "update ts=2000 order=1 state=canceled filled=0 remaining=0 avg=0 "
                                 "reason=cancelled by the strategy");
  ASSERT_GE(canceled, 0) << dump(j);
  EXPECT_LT(canceled, index_of(j, "quote ts=2200")) << dump(j);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(out.order(1).reason, "cancelled by the strategy");
}

TEST(RunEngineQuotes, CancellingAFinishedOrderIsAStaleHandle) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 10)), cancel_on("quote", 2, 0)});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto cancels = lines_with_prefix(out.journal(), "cancel order_index=0 -> ");
  ASSERT_EQ(cancels.size(), 1u) << dump(out.journal());
  EXPECT_TRUE(contains(cancels[0], "is no longer open")) << cancels[0];
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
}

TEST(RunEngineQuotes, IocPartialFillReportsOnePartialAndOneTerminalUpdate) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,100,100,100.2,100",
                       "3000,AAPL,100,100,100.2,100"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 150, 0, 0, "ioc"))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  // 100 shown at 100.2: 100 fill, the other 50 expire (IOC).
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].quantity, 100);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_EXPIRED);
  const auto updates = lines_with_prefix(out.journal(), "update");
  // Every change of state, once: accepted, partially filled, expired.
  const std::vector<std::string> expected = {
      "update ts=1000 order=1 state=accepted filled=0 remaining=150 avg=0 reason=",
      "update ts=2000 order=1 state=partially_filled filled=100 remaining=50 avg=100.2 reason=",
      "update ts=2000 order=1 state=expired filled=100 remaining=0 avg=100.2 "
      "reason=immediate-or-cancel: remainder not filled at the first quote",
  };
  EXPECT_EQ(updates, expected) << dump(out.journal());
}

TEST(RunEngineQuotes, IocThatExpiresFreesItsOpenOrderSlotOnce) {
  // max_open_orders 1. The IOC (order 1) fills 100 and expires at 2000. At
  // 2000 a resting limit (order 2) is sent: 1 open. At 3000 another limit
  // (order 3) must be refused: 1 open already.
  Scenario s;
  s.equity("AAPL");
  s.risk()["max_open_orders"] = 1;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,100,100,100.2,100",
                       "3000,AAPL,100,100,100.2,100", "4000,AAPL,100,100,100.2,100"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 150, 0, 0, "ioc")),
              submit_on("quote", 1, order("AAPL", "buy", "limit", 1, 90)),
              submit_on("quote", 2, order("AAPL", "buy", "limit", 1, 90))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto submits = lines_with_prefix(out.journal(), "submit -> ");
  ASSERT_EQ(submits.size(), 3u) << dump(out.journal());
  EXPECT_EQ(submits[0], "submit -> ok");
  EXPECT_EQ(submits[1], "submit -> ok");
  EXPECT_EQ(submits[2],
            "submit -> order_submit: order to buy AAPL rejected: risk: 1 open orders already, "
            "max_open_orders is 1");
}

// ============================================================================
// Fees
// ============================================================================

TEST(RunEngineFees, MakerAndTakerBasisPointsPlusOneFeePerOrder) {
  Scenario s;
  s.equity("AAPL");
  s.venue() = {{"taker_fee_bps", 10}, {"maker_fee_bps", -2}, {"fee_per_order", 1.5}};
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,49.9,100,50,60",   // market buy 100 sent
                       "2000,AAPL,49.9,100,50,60",   // 60 @ 50.00 taker
                       "3000,AAPL,50,100,50.1,100",  // 40 @ 50.10 taker; limit sell 100 @ 50.5 sent
                       "4000,AAPL,50.2,100,50.3,100",  // the sell arrives, bid 50.2 < 50.5: rests
                       "5000,AAPL,50.6,100,50.7,100"}));  // bid 50.6: 100 @ 50.5 maker
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 100)),
              submit_on("quote", 2, order("AAPL", "sell", "limit", 100, 50.5))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 3u);
  // 60 * 50.00 * 10 / 1e4 = 3.00, + 1.50 for the order's first fill = 4.50
  EXPECT_NEAR(out.fills[0].fee, 4.5, 1e-9);
  // 40 * 50.10 * 10 / 1e4 = 2.004 (the order already paid its fixed fee)
  EXPECT_NEAR(out.fills[1].fee, 2.004, 1e-9);
  // 100 * 50.50 * -2 / 1e4 = -1.01 (rebate), + 1.50 = 0.49
  EXPECT_NEAR(out.fills[2].fee, 0.49, 1e-9);
  EXPECT_EQ(out.fills[2].liquidity, KEEL_LIQUIDITY_MAKER);
  const std::vector<std::string> fills = {
      "fill ts=2000 order=1 side=buy qty=60 price=50 fee=4.5 liquidity=taker",
      "fill ts=3000 order=1 side=buy qty=40 price=50.1 fee=2.004 liquidity=taker",
      "fill ts=5000 order=2 side=sell qty=100 price=50.5 fee=0.49 liquidity=maker",
  };
  EXPECT_EQ(lines_with_prefix(out.journal(), "fill"), fills) << dump(out.journal());
  EXPECT_NEAR(out.order(1).fees, 6.504, 1e-9);
  EXPECT_NEAR(out.order(2).fees, 0.49, 1e-9);
  const RunSummary& sum = out.result.summary;
  // fees 4.5 + 2.004 + 0.49 = 6.994; average buy (3000 + 2004) / 100 = 50.04;
  // realised 100 * (50.50 - 50.04) = 46; flat, so equity = 1e6 + 46 - 6.994
  EXPECT_NEAR(sum.total_fees, 6.994, 1e-9);
  EXPECT_NEAR(sum.realized_pnl, 46, 1e-9);
  EXPECT_NEAR(sum.unrealized_pnl, 0, 1e-9);
  EXPECT_NEAR(sum.final_equity, 1000039.006, 1e-6);
  EXPECT_NEAR(out.strategy("s").total_fees, 6.994, 1e-9);
}

TEST(RunEngineFees, FuturesFeesUseTheMultiplierAndOnlyPnlMovesCash) {
  Scenario s;
  s.instrument({{"id", "ES"}, {"kind", "future"}, {"tick_size", 0.25}, {"multiplier", 50}});
  s.venue() = {{"taker_fee_bps", 1}, {"fee_per_order", 2}};
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,ES,4499.75,10,4500.25,10", "2000,ES,4499.75,10,4500.25,10",
                       "3000,ES,4509.75,10,4510.25,10"}));
  s.strategy("s", {"ES"}, {submit_on("quote", 0, order("ES", "buy", "market", 2))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 1u);
  // 2 * 4500.25 * 50 * 1 / 1e4 = 45.0025, + 2 = 47.0025
  EXPECT_NEAR(out.fills[0].fee, 47.0025, 1e-9);
  // Marked at the last mid 4510: unrealised 2 * (4510 - 4500.25) * 50 = 975;
  // equity = 1e6 + 975 - 47.0025 = 1000927.9975
  EXPECT_NEAR(out.result.summary.unrealized_pnl, 975, 1e-6);
  EXPECT_NEAR(out.result.summary.final_equity, 1000927.9975, 1e-6);
  ASSERT_FALSE(out.equity.empty());
  // The last equity sample: cash moved only by the fee.
  EXPECT_NEAR(out.equity.back().cash, 1e6 - 47.0025, 1e-6);
  EXPECT_NEAR(out.equity.back().equity, 1000927.9975, 1e-6);
}

// ============================================================================
// Risk: every rejection is a failed submit and a REJECTED update with the reason
// ============================================================================

// Checks that order `id` was refused with `reason`, both in the submit call
// and in its update (delivered with the next event, ts = the submit time).
void expect_rejected(const RunOutput& out, uint64_t id, const std::string& what,
                     const std::string& reason, int64_t ts = 1000,
                     const std::string& strategy = "s") {
  const auto& j = out.journal(strategy);
  const std::string submit =
      "submit -> order_submit: order to " + what + " rejected: " + reason;
  EXPECT_GE(index_of(j, submit), 0) << "missing: " << submit << "\n" << dump(j);
  const std::string update = "update ts=" + std::to_string(ts) + " order=" + std::to_string(id) +
                             " state=rejected filled=0 remaining=0 avg=0 reason=" + reason;
  EXPECT_GE(index_of(j, update), 0) << "missing: " << update << "\n" << dump(j);
  EXPECT_EQ(out.order(id).state, KEEL_ORDER_REJECTED);
  EXPECT_EQ(out.order(id).reason, reason);
}

TEST(RunEngineRisk, MaxOrderQuantity) {
  Scenario s;
  s.equity("AAPL");
  s.risk()["max_order_quantity"] = 10;
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 11)),
              submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  expect_rejected(out, 1, "buy AAPL", "risk: quantity 11 exceeds max_order_quantity 10");
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);  // exactly at the limit
  EXPECT_EQ(out.result.summary.num_orders, 2u);
  EXPECT_EQ(out.result.summary.num_fills, 1u);
}

TEST(RunEngineRisk, MaxPositionCountsOpenOrders) {
  Scenario s;
  s.equity("AAPL");
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 30)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 20, 99)),  // 30 + 20 = 50
              submit_on("quote", 0, order("AAPL", "buy", "market", 1))})     // 51 > 50
      .extra = {{"risk", {{"max_position", 50}}}};
  s.data("quotes.csv", "quotes", flat_quotes());
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
  EXPECT_NE(out.order(2).state, KEEL_ORDER_REJECTED);
  expect_rejected(out, 3, "buy AAPL",
                  "risk: position would reach 51 (with open orders), max_position is 50");
}

TEST(RunEngineRisk, MaxGrossNotional) {
  Scenario s;
  s.equity("AAPL");
  s.risk()["max_gross_notional"] = 5000;
  s.data("quotes.csv", "quotes", flat_quotes());
  // Quote 0: buy 40 at market, priced at the mid 100: 4000 <= 5000. It fills at
  // 2000 (100.1); marked at the mid 100 the position is 4000 gross. Then at
  // quote 1: 11 @ 91 -> 4000 + 1001 = 5001 (refused); 10 @ 100 -> 5000 (allowed).
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 40)),
              submit_on("quote", 1, order("AAPL", "buy", "limit", 11, 91)),
              submit_on("quote", 1, order("AAPL", "buy", "limit", 10, 100))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
  expect_rejected(out, 2, "buy AAPL",
                  "risk: gross notional would reach 5001.00, max_gross_notional is 5000.00", 2000);
  EXPECT_NE(out.order(3).state, KEEL_ORDER_REJECTED);
}

TEST(RunEngineRisk, MaxOpenOrdersAndACancelFreesASlot) {
  Scenario s;
  s.equity("AAPL");
  s.risk()["max_open_orders"] = 2;
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 99)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 99)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 99)),  // third: refused
              cancel_on("quote", 1, 0),  // reaches the venue at 2000, handled before quote 3000
              submit_on("quote", 2, order("AAPL", "buy", "limit", 1, 99))});  // 1 open again
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  expect_rejected(out, 3, "buy AAPL", "risk: 2 open orders already, max_open_orders is 2");
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_CANCELED);
  const auto submits = lines_with_prefix(out.journal(), "submit -> ");
  ASSERT_EQ(submits.size(), 4u) << dump(out.journal());
  EXPECT_EQ(submits[3], "submit -> ok");
  EXPECT_EQ(out.order(4).state, KEEL_ORDER_EXPIRED);  // still working at the end
}

TEST(RunEngineRisk, PriceCollarAroundTheLastMid) {
  Scenario s;
  s.equity("AAPL");
  s.risk()["price_collar_pct"] = 1;
  s.data("quotes.csv", "quotes", flat_quotes());
  // Mid (99.9 + 100.1) / 2 = 100: limits in [99, 101] pass. (The sells
  // open a short: a margin account.)
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 101)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 101.01)),
              submit_on("quote", 0, order("AAPL", "sell", "limit", 1, 98.99)),
              submit_on("quote", 0, order("AAPL", "sell", "limit", 1, 99))})
      .extra = {{"account", {{"type", "margin"}}}};
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_NE(out.order(1).state, KEEL_ORDER_REJECTED);
  expect_rejected(out, 2, "buy AAPL",
                  "risk: limit price is 1.01% from the last mid, price_collar_pct is 1");
  expect_rejected(out, 3, "sell AAPL",
                  "risk: limit price is 1.01% from the last mid, price_collar_pct is 1");
  EXPECT_NE(out.order(4).state, KEEL_ORDER_REJECTED);
}

TEST(RunEngineRisk, MalformedOrdersAreRejectedToo) {
  Scenario s;
  s.equity("AAPL");
  s.equity("MSFT");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 1, 100.005)),
              submit_on("quote", 0, order("AAPL", "sell", "limit", 1)),  // no limit price
              submit_on("quote", 0, order("MSFT", "buy", "market", 1))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  expect_rejected(out, 1, "buy AAPL",
                  "limit price 100.005 is not a multiple of the tick size 0.01");
  expect_rejected(out, 2, "sell AAPL", "limit price 0 must be positive");
  // An instrument the strategy did not subscribe to is refused outright: no order is made.
  const auto submits = lines_with_prefix(out.journal(), "submit -> ");
  ASSERT_EQ(submits.size(), 3u);
  EXPECT_EQ(submits[2],
            "submit -> order_submit: order on instrument id 1, which strategy 's' did not "
            "subscribe to");
  EXPECT_EQ(out.orders.size(), 2u);
}

// ============================================================================
// Buying power: on by default (a cash account); margin when the run says so
// ============================================================================

// What the run file says when an order needs more cash than there is.
const std::string kCashAccountAdvice =
    "; lower the quantity, or trade on margin with \"account\": {\"type\": \"margin\", "
    "\"leverage\": ...}";

TEST(RunEngineBuyingPower, ThreeQuadrillionSharesOnAMillionAreRefusedAndEquityStaysSane) {
  // No risk section, no account section: the default cash account of 1e6.
  // A market order is valued at the mid 100 + 1%: 3e15 * 101 = 3.03e17.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 3e15)),
              submit_on("quote", 1, order("AAPL", "buy", "market", 100))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  expect_rejected(out, 1, "buy AAPL",
                  "account: buying power: the order needs 3.03e+17 (3e+15 AAPL at 101, with "
                  "fees) but the cash account has 1000000.00 free (cash 1000000.00 - 0.00 held "
                  "by open orders)" +
                      kCashAccountAdvice);
  // The run goes on; an affordable order fills (at 3000, the ask 100.1).
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].quantity, 100);
  // cash 1e6 - 100 * 100.1 = 989990, plus 100 marked at the mid 100: 999990.
  EXPECT_EQ(out.result.summary.status, "completed");
  EXPECT_NEAR(out.result.summary.final_equity, 999990, 1e-6);
  EXPECT_NEAR(out.strategy("s").final_equity, 999990, 1e-6);
  for (const EquitySample& sample : out.equity) EXPECT_GT(sample.cash, 0) << sample.ts;
}

TEST(RunEngineBuyingPower, OpenBuyOrdersHoldTheirCashUntilTheyEnd) {
  // 10000 of cash; a resting limit buy of 60 @ 99 holds 5940, so a second
  // one is refused until the first is cancelled.
  Scenario s;
  s.equity("AAPL");
  s.run()["initial_cash"] = 10000;
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 60, 99)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 60, 99)),
              cancel_on("quote", 1, 0),  // reaches the venue at 2000, before quote 3000
              submit_on("quote", 2, order("AAPL", "buy", "limit", 60, 99))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_NE(out.order(1).state, KEEL_ORDER_REJECTED);
  expect_rejected(out, 2, "buy AAPL",
                  "account: buying power: the order needs 5940.00 (60 AAPL at 99, with fees) "
                  "but the cash account has 4060.00 free (cash 10000.00 - 5940.00 held by open "
                  "orders)" +
                      kCashAccountAdvice);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(out.order(3).state, KEEL_ORDER_EXPIRED);  // accepted, still resting at the end
}

TEST(RunEngineBuyingPower, FeesArePartOfTheCost) {
  // 10000 of cash, taker fee 10 bps + 1 per order: 99 @ 100 = 9900 + 9.90 +
  // 1 = 9910.90 fits; 100 @ 100 = 10000 + 10 + 1 = 10011 does not.
  Scenario s;
  s.equity("AAPL");
  s.run()["initial_cash"] = 10000;
  s.venue()["taker_fee_bps"] = 10;
  s.venue()["fee_per_order"] = 1;
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 100, 100)),
              submit_on("quote", 1, order("AAPL", "buy", "limit", 99, 100))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  expect_rejected(out, 1, "buy AAPL",
                  "account: buying power: the order needs 10011.00 (100 AAPL at 100, with fees) "
                  "but the cash account has 10000.00 free (cash 10000.00 - 0.00 held by open "
                  "orders)" +
                      kCashAccountAdvice);
  EXPECT_NE(out.order(2).state, KEEL_ORDER_REJECTED);
}

TEST(RunEngineBuyingPower, ACashAccountCannotSellShort) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "sell", "market", 1)),  // nothing held
              submit_on("quote", 0, order("AAPL", "buy", "market", 10)),  // fills at 2000
              submit_on("quote", 2, order("AAPL", "sell", "market", 10)),  // sells what it holds
              submit_on("quote", 2, order("AAPL", "sell", "market", 1))});  // one too many
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::string advice = "; set \"account\": {\"type\": \"margin\"} to sell short";
  expect_rejected(out, 1, "sell AAPL",
                  "account: a cash account cannot sell short: selling 1 AAPL with 0 held and 0 "
                  "on open sell orders would leave -1" +
                      advice);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);
  EXPECT_NE(out.order(3).state, KEEL_ORDER_REJECTED);
  expect_rejected(out, 4, "sell AAPL",
                  "account: a cash account cannot sell short: selling 1 AAPL with 10 held and "
                  "10 on open sell orders would leave -1" +
                      advice,
                  3000);
}

TEST(RunEngineBuyingPower, AMarginAccountWithLeverageTwoBuysTwiceItsCash) {
  // Two strategies with 10000 each send the same orders; only "margin" (its
  // own account section, leverage 2) may spend 2x. Quote 0: 199 @ 100.1 =
  // 19919.90 (<= 20000), filled at 2000. Then cash -9919.90, 199 marked at
  // 100: equity 9980.10, gross 19900, free 2 * 9980.10 - 19900 = 60.20 <
  // 100.10 for one more share at quote 2.
  Scenario s;
  s.equity("AAPL");
  s.run()["initial_cash"] = 10000;
  s.data("quotes.csv", "quotes", flat_quotes());
  const json actions = {submit_on("quote", 0, order("AAPL", "buy", "limit", 199, 100.1)),
                        submit_on("quote", 2, order("AAPL", "buy", "limit", 1, 100.1))};
  s.strategy("cash", {"AAPL"}, actions);
  s.strategy("margin", {"AAPL"}, actions).extra = {
      {"account", {{"type", "margin"}, {"leverage", 2}}}};
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  // Orders 1 and 2 at quote 0 (cash, then margin), 3 and 4 at quote 2.
  expect_rejected(out, 1, "buy AAPL",
                  "account: buying power: the order needs 19919.90 (199 AAPL at 100.1, with "
                  "fees) but the cash account has 10000.00 free (cash 10000.00 - 0.00 held by "
                  "open orders)" +
                      kCashAccountAdvice,
                  1000, "cash");
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);
  EXPECT_NE(out.order(3).state, KEEL_ORDER_REJECTED);  // cash: 1 share is affordable
  expect_rejected(out, 4, "buy AAPL",
                  "account: buying power: the order needs 100.10 (1 AAPL at 100.1, with fees) "
                  "but the margin account has 60.20 free (leverage 2 x equity 9980.10 - gross "
                  "19900.00 - 0.00 held by open orders); lower the quantity or raise "
                  "account.leverage",
                  3000, "margin");
  EXPECT_NEAR(out.strategy("margin").final_equity, 9980.1, 1e-6);
}

// ============================================================================
// The kill switch
// ============================================================================

// initial cash 10000, max_drawdown_pct 10, a margin account with leverage 2
// (the buy overdraws the cash). Buy 100 at market (fills 100.1 at
// 2000; cash 10000 - 10010 = -10; mid 100: equity 9990, drawdown 0.1%). At
// 3000 the mid is 89: equity -10 + 8900 = 8890, drawdown (10000 - 8890) /
// 10000 = 11.1% >= 10%: killed. The resting limit @ 50 is cancelled and a
// market sell of 100 flattens at the next quote's bid, 87.9 (4000):
// realised 100 * (87.9 - 100.1) = -1220; cash -10 + 8790 = 8780 = equity.
void kill_switch_scenario(Scenario& s, const json& more_actions = json::array()) {
  s.equity("AAPL");
  s.run()["initial_cash"] = 10000;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,1000,100.1,1000", "2000,AAPL,99.9,1000,100.1,1000",
                       "3000,AAPL,88.9,1000,89.1,1000", "4000,AAPL,87.9,1000,88.1,1000",
                       "5000,AAPL,90,1000,90.2,1000"}));
  json actions = json::array({submit_on("quote", 0, order("AAPL", "buy", "market", 100)),
                              submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 50))});
  for (const json& action : more_actions) actions.push_back(action);
  s.strategy("s", {"AAPL"}, actions).extra = {
      {"risk", {{"max_drawdown_pct", 10}}},
      {"account", {{"type", "margin"}, {"leverage", 2}}}};
}

TEST(RunEngineKillSwitch, DrawdownFlattensAndStopsTheStrategy) {
  Scenario s;
  kill_switch_scenario(s);
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "completed");
  EXPECT_EQ(out.strategy("s").status, "killed: drawdown 11.10% reached max_drawdown_pct 10");
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].ts, 2000);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 100.1);
  const FillRecord& flatten = out.fills[1];
  EXPECT_EQ(flatten.ts, 4000);
  EXPECT_EQ(flatten.order_id, 3u);
  EXPECT_EQ(flatten.side, KEEL_SIDE_SELL);
  EXPECT_DOUBLE_EQ(flatten.quantity, 100);
  EXPECT_DOUBLE_EQ(flatten.price, 87.9);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(out.order(2).reason, "cancelled by the kill switch");
  EXPECT_EQ(out.order(3).state, KEEL_ORDER_FILLED);
  EXPECT_EQ(out.order(3).reason, "kill switch: flatten");
  EXPECT_NEAR(out.result.summary.realized_pnl, -1220, 1e-6);
  EXPECT_NEAR(out.result.summary.final_equity, 8780, 1e-6);
  EXPECT_NEAR(out.strategy("s").final_equity, 8780, 1e-6);
  // Nothing reaches the strategy after the kill: its last market event is the
  // quote at 2000 (the one at 3000 triggered the switch before dispatch).
  const auto& j = out.journal();
  const long last_quote = index_of(j, "quote ts=2000");
  ASSERT_GE(last_quote, 0) << dump(j);
  for (size_t i = static_cast<size_t>(last_quote) + 1; i < j.size(); ++i) {
    EXPECT_EQ(j[i].rfind("stop", 0), 0u) << "delivered after the kill: " << j[i] << "\n" << dump(j);
  }
  EXPECT_EQ(count_containing(j, "ts=3000"), 0) << dump(j);
  EXPECT_EQ(count_containing(j, "ts=4000"), 0) << dump(j);
  EXPECT_EQ(count_containing(j, "quote ts=5000"), 0) << dump(j);  // only its on_stop
}

TEST(RunEngineKillSwitch, KilledStrategyGetsOnStop) {
  // strategy.h: on_stop is called "once, after the last event (or when the
  // strategy is stopped)"; the kill switch stops the strategy.
  Scenario s;
  kill_switch_scenario(s);
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(lines_with_prefix(out.journal(), "stop").size(), 1u);
}

TEST(RunEngineKillSwitch, AnOrderTheSwitchCancelledCannotBeCancelledAgain) {
  // The resting limit (order index 1) is cancelled by the kill switch with no
  // report; cancelling it from on_stop is told the handle is stale.
  Scenario s;
  kill_switch_scenario(s, json::array({cancel_on("stop", 0, 1)}));
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto cancels = lines_with_prefix(out.journal(), "cancel order_index=1 -> ");
  ASSERT_EQ(cancels.size(), 1u) << dump(out.journal());
  EXPECT_TRUE(contains(cancels[0], "is no longer open")) << cancels[0];
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_CANCELED);
}

// ============================================================================
// Timers
// ============================================================================

TEST(RunEngineTimers, TimerFiresAtItsTimeWithItsCookie) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {timer_on("quote", 0, 500, 42)});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  const long timer = index_of(j, "timer ts=1500 cookie=42");
  ASSERT_GE(timer, 0) << dump(j);
  EXPECT_GT(timer, index_of(j, "quote ts=1000")) << dump(j);
  EXPECT_LT(timer, index_of(j, "quote ts=2000")) << dump(j);
  EXPECT_EQ(lines_with_prefix(j, "timer").size(), 1u) << dump(j);
}

TEST(RunEngineTimers, TheClockReadsTheTimersTimeInsideOnTimer) {
  // host.h: now() is "the timestamp of the event being handled". In the
  // timer at 1500, now() + 100 = 1600, which is before the quote at 2000.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {timer_on("quote", 0, 500, 42), timer_on("timer", 0, 100, 43)});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  const long second = index_of(j, "timer ts=1600 cookie=43");
  ASSERT_GE(second, 0) << dump(j);
  EXPECT_LT(second, index_of(j, "quote ts=2000")) << dump(j);
}

// ============================================================================
// Strategy failures
// ============================================================================

TEST(RunEngineFailures, AStrategyErrorEndsTheRunNamingStrategyAndCallback) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {do_on("quote", 1, "fail")});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "failed: strategy 's': on_quote: scripted failure on quote");
  EXPECT_FALSE(out.result.failure.is_ok());
  EXPECT_EQ(out.result.failure.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out.strategy("s").status, "stopped: strategy 's': on_quote: scripted failure on quote");
  const auto& j = out.journal();
  EXPECT_GE(index_of(j, "quote ts=2000"), 0) << dump(j);
  EXPECT_EQ(index_of(j, "quote ts=3000"), -1) << dump(j);
  EXPECT_EQ(index_of(j, "stop"), -1) << dump(j);
}

TEST(RunEngineFailures, NoFillIsBookedAfterTheRunFailed) {
  // The accepted update (delivered at 2000, before the venue matches quote
  // 2000) fails and the run stops; the order must not then fill at 2000.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy(
      "s", {"AAPL"},
      {submit_on("quote", 0, order("AAPL", "buy", "market", 10)), do_on("update", 0, "fail")});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status,
            "failed: strategy 's': on_order_update: scripted failure on update");
  EXPECT_TRUE(out.fills.empty());
}

TEST(RunEngineFailures, OnErrorDisableStopsOnlyThatStrategy) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy(
       "a", {"AAPL"},
       {submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 90)), do_on("quote", 1, "fail")})
      .extra = {{"on_error", "disable"}};
  s.strategy("b", {"AAPL"});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "completed");
  EXPECT_TRUE(out.result.failure.is_ok());
  EXPECT_EQ(out.strategy("a").status,
            "disabled: strategy 'a': on_quote: scripted failure on quote");
  EXPECT_EQ(out.strategy("b").status, "completed");
  // a's working order is cancelled; a hears nothing more.
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(out.order(1).reason, "cancelled: the strategy was disabled after an error");
  EXPECT_EQ(index_of(out.journal("a"), "quote ts=3000"), -1) << dump(out.journal("a"));
  EXPECT_EQ(index_of(out.journal("a"), "stop"), -1) << dump(out.journal("a"));
  // b runs to the end.
  EXPECT_GE(index_of(out.journal("b"), "quote ts=3000"), 0) << dump(out.journal("b"));
  EXPECT_GE(index_of(out.journal("b"), "stop ts=3000"), 0) << dump(out.journal("b"));
}

TEST(RunEngineFailures, AThrowingStrategyPoisonsItsPluginAndFailsTheRun) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {do_on("quote", 1, "throw")});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::string& status = out.result.summary.status;
  EXPECT_EQ(status.rfind("failed: strategy 's': on_quote", 0), 0u) << status;
  EXPECT_TRUE(contains(status, "scripted exception on quote")) << status;
  EXPECT_TRUE(contains(status, "poisoned")) << status;
  EXPECT_EQ(out.result.failure.code(), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_EQ(index_of(out.journal(), "quote ts=3000"), -1) << dump(out.journal());
}

// ============================================================================
// Ordering and determinism
// ============================================================================

TEST(RunEngineOrdering, EqualTimestampsComeInDataFileOrder) {
  for (const bool trades_first : {true, false}) {
    Scenario s;
    s.equity("AAPL");
    const std::string trades = csv(kTrades, {"1000,AAPL,100,5"});
    const std::string quotes = csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100"});
    if (trades_first) {
      s.data("trades.csv", "trades", trades).data("quotes.csv", "quotes", quotes);
    } else {
      s.data("quotes.csv", "quotes", quotes).data("trades.csv", "trades", trades);
    }
    s.strategy("s", {"AAPL"});
    const RunOutput out = execute(s);
    ASSERT_TRUE(out.ran);
    const long trade = index_of(out.journal(), "trade ts=1000");
    const long quote = index_of(out.journal(), "quote ts=1000");
    ASSERT_GE(trade, 0);
    ASSERT_GE(quote, 0);
    EXPECT_EQ(trade < quote, trades_first) << dump(out.journal());
  }
}

// A busier run: two instruments, quotes and trades, latency both ways, fees,
// two strategies, resting and marketable orders, cancels and a timer.
void busy_scenario(Scenario& s) {
  s.equity("AAPL").equity("MSFT");
  s.venue() = {{"order_latency_ns", 250},
               {"report_latency_ns", 100},
               {"taker_fee_bps", 1},
               {"maker_fee_bps", -0.5},
               {"fee_per_order", 0.35}};
  std::string quotes = kQuotes + "\n";
  std::string trades = kTrades + "\n";
  uint64_t state = 12345;
  auto next = [&]() {  // a fixed LCG: the data is the same every time
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % 21) - 10;  // -10 .. 10 ticks
  };
  int aapl = 10000, msft = 40000;  // in cents
  for (int i = 0; i < 300; ++i) {
    const int64_t ts = 1000 + 100 * i;
    aapl += next();
    msft += next();
    const auto px = [](int cents) {
      return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
             std::to_string(cents % 100);
    };
    quotes += std::to_string(ts) + ",AAPL," + px(aapl) + ",50," + px(aapl + 2) + ",40\n";
    quotes += std::to_string(ts) + ",MSFT," + px(msft) + ",20," + px(msft + 5) + ",30\n";
    if (i % 3 == 0) trades += std::to_string(ts + 50) + ",AAPL," + px(aapl + 1) + ",7\n";
  }
  s.data("quotes.csv", "quotes", quotes).data("trades.csv", "trades", trades);
  json a = json::array();
  json b = json::array();
  for (int n = 0; n < 250; n += 10) {
    a.push_back(
        submit_on("quote", n, order("AAPL", n % 20 ? "buy" : "sell", "market", 25 + n % 7)));
    a.push_back(submit_on("quote", n + 3, order("MSFT", "buy", "limit", 5, 395 + n % 9)));
    b.push_back(submit_on("quote", n + 5,
                          order("AAPL", "sell", "limit", 15, 100, 0, n % 30 ? "gtc" : "ioc")));
  }
  a.push_back(cancel_on("quote", 40, 1));
  a.push_back(timer_on("quote", 7, 333, 5));
  b.push_back(cancel_on("fill", 2, 0));
  s.strategy("a", {"AAPL", "MSFT"}, a);
  s.strategy("b", {"AAPL"}, b);
}

TEST(RunEngineOrdering, TheSameRunTwiceGivesIdenticalOutput) {
  Scenario s;
  busy_scenario(s);
  const RunOutput first = execute(s);
  const RunOutput second = execute(s);
  ASSERT_TRUE(first.ran);
  ASSERT_TRUE(second.ran);
  EXPECT_EQ(first.result.summary.status, "completed");
  ASSERT_GT(first.fills.size(), 10u);  // the scenario does trade
  ASSERT_EQ(first.fills.size(), second.fills.size());
  for (size_t i = 0; i < first.fills.size(); ++i) {
    const FillRecord& x = first.fills[i];
    const FillRecord& y = second.fills[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(x.ts, y.ts);
    EXPECT_EQ(x.strategy, y.strategy);
    EXPECT_EQ(x.instrument, y.instrument);
    EXPECT_EQ(x.order_id, y.order_id);
    EXPECT_EQ(x.side, y.side);
    EXPECT_EQ(x.quantity, y.quantity);
    EXPECT_EQ(x.price, y.price);
    EXPECT_EQ(x.fee, y.fee);
    EXPECT_EQ(x.liquidity, y.liquidity);
  }
  ASSERT_EQ(first.orders.size(), second.orders.size());
  for (size_t i = 0; i < first.orders.size(); ++i) {
    const OrderRecord& x = first.orders[i];
    const OrderRecord& y = second.orders[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(x.order_id, y.order_id);
    EXPECT_EQ(x.strategy, y.strategy);
    EXPECT_EQ(x.state, y.state);
    EXPECT_EQ(x.filled_quantity, y.filled_quantity);
    EXPECT_EQ(x.average_fill_price, y.average_fill_price);
    EXPECT_EQ(x.fees, y.fees);
    EXPECT_EQ(x.submitted_ts, y.submitted_ts);
    EXPECT_EQ(x.last_update_ts, y.last_update_ts);
    EXPECT_EQ(x.reason, y.reason);
  }
  ASSERT_EQ(first.equity.size(), second.equity.size());
  for (size_t i = 0; i < first.equity.size(); ++i) {
    EXPECT_EQ(first.equity[i].ts, second.equity[i].ts);
    EXPECT_EQ(first.equity[i].equity, second.equity[i].equity);
    EXPECT_EQ(first.equity[i].cash, second.equity[i].cash);
  }
  const RunSummary& x = first.result.summary;
  const RunSummary& y = second.result.summary;
  EXPECT_EQ(x.status, y.status);
  EXPECT_EQ(x.events, y.events);
  EXPECT_EQ(x.final_equity, y.final_equity);
  EXPECT_EQ(x.realized_pnl, y.realized_pnl);
  EXPECT_EQ(x.unrealized_pnl, y.unrealized_pnl);
  EXPECT_EQ(x.total_fees, y.total_fees);
  EXPECT_EQ(x.num_orders, y.num_orders);
  EXPECT_EQ(x.num_fills, y.num_fills);
  EXPECT_EQ(first.journal("a"), second.journal("a"));
  EXPECT_EQ(first.journal("b"), second.journal("b"));
  // And the accounting identity holds for the whole run.
  EXPECT_NEAR(x.final_equity, x.initial_cash + x.realized_pnl + x.unrealized_pnl - x.total_fees,
              1e-6);
}

// ============================================================================
// Data errors
// ============================================================================

TEST(RunEngineDataErrors, ACorruptRowEndsTheRunWithItsPositionAndKeepsEarlierFills) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100",   // line 2: market buy sent
                       "2000,AAPL,100,100,100.2,100",    // line 3: fills @ 100.2
                       "3000,AAPL,100.1,100,100.3,100",  // line 4
                       "4000,AAPL,100.2,100,abc,100",    // line 5, column 5 (ask)
                       "5000,AAPL,100.3,100,100.5,100"}));
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::string path = (s.folder() / "quotes.csv").lexically_normal().string();
  EXPECT_EQ(out.result.summary.status,
            "failed: " + path + ":5:5: ask: expected a number, got 'abc'");
  EXPECT_FALSE(out.result.failure.is_ok());
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].ts, 2000);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 100.2);
  EXPECT_GE(index_of(out.journal(), "quote ts=3000"), 0) << dump(out.journal());
  EXPECT_EQ(index_of(out.journal(), "quote ts=5000"), -1) << dump(out.journal());
  EXPECT_EQ(out.result.summary.events, 3u);
}

TEST(RunEngineDataErrors, RowsOutOfTimeOrderNameTheirLine) {
  Scenario s;
  s.equity("AAPL");
  s.data("bars.csv", "bars",
         csv(kBars, {"1000,AAPL,100,101,99,100.5,1000", "3000,AAPL,100.8,101.5,100.2,101,1000",
                     "2000,AAPL,101,102,100.5,101.5,1000"}));  // line 4: earlier than line 3
  s.strategy("s", {"AAPL"});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::string path = (s.folder() / "bars.csv").lexically_normal().string();
  const std::string& status = out.result.summary.status;
  EXPECT_EQ(status.rfind("failed: " + path + ":4:1: ts ", 0), 0u) << status;
  EXPECT_TRUE(contains(status, "a data file must be sorted by time")) << status;
  EXPECT_EQ(out.result.summary.events, 2u);
}

TEST(RunEngineDataErrors, UnknownInstrumentMidFileNamesItsLineAndColumn) {
  Scenario s;
  s.equity("AAPL");
  s.data("trades.csv", "trades", csv(kTrades, {"1000,AAPL,100,5", "2000,APPL,100,5"}));
  s.strategy("s", {"AAPL"});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::string path = (s.folder() / "trades.csv").lexically_normal().string();
  EXPECT_EQ(out.result.summary.status,
            "failed: " + path +
                ":3:2: unknown instrument 'APPL' — not in the run file's instruments; did you "
                "mean 'AAPL'?");
}

// ============================================================================
// End of run
// ============================================================================

TEST(RunEngineEndOfRun, WorkingOrdersExpireAndStrategiesGetStop) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,99.9,100,100.1,100"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 95)),  // never crosses
              submit_on("quote", 0, order("AAPL", "buy", "market", 150))});  // 100 of 150 fill
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  ASSERT_GE(j.size(), 3u);
  const std::vector<std::string> tail(j.end() - 3, j.end());
  const std::vector<std::string> expected = {
      "update ts=2000 order=1 state=expired filled=0 remaining=0 avg=0 reason=end of run",
      "update ts=2000 order=2 state=expired filled=100 remaining=0 avg=100.1 reason=end of run",
      "stop ts=2000",
  };
  EXPECT_EQ(tail, expected) << dump(j);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_EXPIRED);
  EXPECT_EQ(out.order(1).reason, "end of run");
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_EXPIRED);
  EXPECT_DOUBLE_EQ(out.order(2).filled_quantity, 100);
  EXPECT_EQ(out.strategy("s").status, "completed");
}

TEST(RunEngineEndOfRun, AnOrderStillTravellingAtTheEndIsReportedExpired) {
  // order_latency 5000: sent at 1000, it would reach the venue at 6000, after
  // the last event (2000). on_order_update is documented as "every change of
  // state of one of its orders", so the strategy must hear that it expired.
  Scenario s;
  s.equity("AAPL");
  s.venue()["order_latency_ns"] = 5000;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,99.9,100,100.1,100"}));
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_EXPIRED);
  EXPECT_EQ(out.order(1).reason, "end of run: the order had not reached the venue");
  const auto& j = out.journal();
  const long update = index_of(j, "update ts=");
  ASSERT_GE(update, 0) << "the strategy never heard that its order expired:\n" << dump(j);
  EXPECT_TRUE(contains(j[static_cast<size_t>(update)],
                       "order=1 state=expired filled=0 remaining=0 avg=0 reason=end of run: the "
                       "order had not reached the venue"))
      << dump(j);
  EXPECT_LT(update, index_of(j, "stop")) << dump(j);
}

// An order's final record is recorded (orders.csv) as soon as it and every
// order before it have finished, not kept until the end of the run, so
// memory does not grow with the number of orders.
TEST(RunEngineEndOfRun, OrdersAreRecordedAsTheyFinish) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,99.9,100,100.1,100",
                       "3000,AAPL,99.9,100,100.1,100", "4000,AAPL,99.9,100,100.1,100"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 10)),    // fills at 2000
              submit_on("quote", 2, order("AAPL", "sell", "market", 10))});  // fills at 4000
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::vector<std::string> expected = {"fill order=1", "order 1", "fill order=2", "order 2"};
  EXPECT_EQ(out.recorded, expected) << dump(out.recorded);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);
}

TEST(RunEngineEndOfRun, AnOrderStillWorkingHoldsBackTheRecordsOfLaterOrders) {
  // Order 1 rests until the end of the run; order 2 fills at 2000 but is
  // recorded after order 1, so orders.csv stays in order_id order.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "2000,AAPL,99.9,100,100.1,100",
                       "3000,AAPL,99.9,100,100.1,100"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 95)),  // never crosses
              submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  const std::vector<std::string> expected = {"fill order=2", "order 1", "order 2"};
  EXPECT_EQ(out.recorded, expected) << dump(out.recorded);
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_EXPIRED);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_FILLED);
}

// ============================================================================
// Options without a quote are marked by the run's pricing model
// ============================================================================

// Black-Scholes-Merton call, written out here so the test does not trust
// the plugin it checks.
double bs_call(double spot, double strike, double years, double vol, double rate) {
  const double sd = vol * std::sqrt(years);
  const double d1 = (std::log(spot / strike) + (rate + vol * vol / 2) * years) / sd;
  const auto n = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  return spot * n(d1) - strike * std::exp(-rate * years) * n(d1 - sd);
}

constexpr int64_t kHalfYearNs = 365LL * 86400 * 1000000000 / 2;  // ACT/365

// AAPL quotes (mid 100, then 105) and one print of the call at 6.50, which
// fills a buy limit of 10 calls at its limit 7.00 (multiplier 100).
void option_scenario(Scenario& s, int64_t expiry_ns) {
  s.equity("AAPL");
  s.instrument({{"id", "AAPL-C100"},
                {"kind", "option"},
                {"underlying", "AAPL"},
                {"strike", 100},
                {"expiry", expiry_ns},
                {"right", "call"},
                {"multiplier", 100},
                {"mark", {{"model", "bs"}, {"vol", 0.2}, {"rate", 0.05}}}});
  s.pricing_model("bs", "keel.black_scholes");
  s.venue()["fill_on_trades"] = true;
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,100,100.1,100", "3000,AAPL,104.9,100,105.1,100"}));
  s.data("trades.csv", "trades", csv(kTrades, {"2000,AAPL-C100,6.5,10"}));
  s.strategy("s", {"AAPL", "AAPL-C100"},
             {submit_on("quote", 0, order("AAPL-C100", "buy", "limit", 10, 7.0))});
}

TEST(RunEngineMarks, AnOptionWithoutQuotesIsMarkedByItsPricingModel) {
  Scenario s;
  option_scenario(s, kHalfYearNs);
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 7.0);
  // Marked at the last event (3000 ns): spot 105, half a year less 3 us.
  const double years = static_cast<double>(kHalfYearNs - 3000) / (365.0 * 86400e9);
  const double mark = bs_call(105, 100, years, 0.2, 0.05);
  ASSERT_GT(mark, 7.0);  // ~10.9: the position is in profit
  const RunSummary& sum = out.result.summary;
  EXPECT_NEAR(sum.unrealized_pnl, (mark - 7.0) * 10 * 100, 1e-6);
  EXPECT_NEAR(sum.final_equity, 1e6 + (mark - 7.0) * 1000, 1e-6);
  // Every equity sample is marked too, never at a missing (zero) price.
  ASSERT_FALSE(out.equity.empty());
  for (const EquitySample& e : out.equity) {
    if (e.ts >= 2000) {
      EXPECT_GT(e.equity, 1e6) << "at ts=" << e.ts;
    }
  }
}

TEST(RunEngineMarks, AnExpiredOptionIsMarkedAtItsIntrinsicValue) {
  // Expires at 2500: at the end the call is worth max(0, 105 - 100) = 5.
  Scenario s;
  option_scenario(s, 2500);
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_NEAR(out.result.summary.unrealized_pnl, (5.0 - 7.0) * 10 * 100, 1e-9);
}

TEST(RunEngineMarks, AnOptionsOwnQuoteWinsOverTheModel) {
  Scenario s;
  option_scenario(s, kHalfYearNs);
  s.data("option_quotes.csv", "quotes", csv(kQuotes, {"2500,AAPL-C100,8.9,10,9.1,10"}));
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_NEAR(out.result.summary.unrealized_pnl, (9.0 - 7.0) * 10 * 100, 1e-9);
}

// ============================================================================
// Equity samples at the end, and a run that is stopped from outside
// ============================================================================

TEST(RunEngineEndOfRun, TheLastEquitySampleIsNotWrittenTwice) {
  // Every event falls on a 1000 ns sample boundary, the last one too: the end
  // of the run (nothing has moved since) must not repeat its sample.
  Scenario s;
  s.equity("AAPL");
  s.run()["equity_interval"] = 1000;
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  std::vector<int64_t> times;
  for (const EquitySample& e : out.equity) times.push_back(e.ts);
  EXPECT_EQ(times, (std::vector<int64_t>{1000, 2000, 3000}));
}

TEST(RunEngineEndOfRun, TheEndOfRunStillSamplesWhenTimeMovedOn) {
  // Samples every 60 s of simulated time: the loop samples the first event
  // only, so the end of the run adds the last moment.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  std::vector<int64_t> times;
  for (const EquitySample& e : out.equity) times.push_back(e.ts);
  EXPECT_EQ(times, (std::vector<int64_t>{1000, 3000}));
}

TEST(RunEngineStop, AFlagSetBeforeTheRunStopsItBeforeTheFirstEvent) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", flat_quotes());
  s.strategy("s", {"AAPL"}, {submit_on("quote", 0, order("AAPL", "buy", "market", 10))});
  const std::atomic<int> flag{2};
  const RunOutput out = s.execute(RunHooks{&flag, {}});
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "interrupted");
  EXPECT_EQ(out.result.interrupted_by, 2);
  EXPECT_TRUE(out.result.failure.is_ok()) << "an interruption is not a failure";
  EXPECT_EQ(out.strategy("s").status, "interrupted");
  EXPECT_EQ(out.result.summary.events, 0u);
  EXPECT_EQ(count_containing(out.journal(), "quote ts="), 0) << dump(out.journal());
  EXPECT_EQ(index_of(out.journal(), "stop"), static_cast<long>(out.journal().size()) - 1)
      << "the strategy still gets on_stop:\n"
      << dump(out.journal());
}

TEST(RunEngineStop, AFlagSetMidRunStopsTheRunAtTheNextEvent) {
  // The market order sent on the first quote fills at the second; the flag
  // is set right then (as a signal handler would), so the third quote is
  // never handled, and the report still holds every order.
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes",
         csv(kQuotes, {"1000,AAPL,99.9,1000,100.1,1000", "2000,AAPL,99.9,1000,100.1,1000",
                       "3000,AAPL,99.9,1000,100.1,1000", "4000,AAPL,99.9,1000,100.1,1000"}));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 10)),
              submit_on("quote", 1, order("AAPL", "buy", "limit", 10, 90))});  // rests
  std::atomic<int> flag{0};
  const RunOutput out = s.execute(
      RunHooks{&flag, [&](const FillRecord&) { flag.store(15, std::memory_order_relaxed); }});
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "interrupted");
  EXPECT_EQ(out.result.interrupted_by, 15);
  EXPECT_EQ(out.strategy("s").status, "interrupted");
  EXPECT_EQ(out.result.summary.events, 2u);
  EXPECT_EQ(out.result.summary.last_event_ts, 2000);
  const auto quotes = lines_with_prefix(out.journal(), "quote ts=");
  ASSERT_EQ(quotes.size(), 2u) << dump(out.journal());
  EXPECT_TRUE(contains(quotes[1], "ts=2000")) << dump(out.journal());
  ASSERT_EQ(out.fills.size(), 1u);
  ASSERT_EQ(out.orders.size(), 2u) << "every order has its final record";
  EXPECT_EQ(out.order(1).state, KEEL_ORDER_FILLED);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_EXPIRED);
  ASSERT_FALSE(out.equity.empty());
  EXPECT_EQ(out.equity.back().ts, 2000);
}

}  // namespace
}  // namespace keel::test

namespace keel::test {
namespace {

// ============================================================================
// Depth data through the whole run (docs/venue.md, Depth): the venue matches
// an order against the book the moment it arrives, and a resting limit
// fills by its queue position.

TEST(RunEngineDepth, OrdersMeetTheBookOnArrivalAndQueueBehindItsSize) {
  Scenario s;
  s.equity("AAPL");
  s.venue()["order_latency_ns"] = 500;
  s.venue()["taker_fee_bps"] = 1;
  // bid 99.90 x30; asks 100.00 x3, 100.10 x4.
  s.data("depth.csv", "depth",
         csv("ts,instrument,side,price,size",
             {"1000,AAPL,bid,99.90,30", "1000,AAPL,ask,100.00,3", "1000,AAPL,ask,100.10,4"}));
  s.data("trades.csv", "trades",
         csv(kTrades, {"2000,AAPL,99.90,1", "3000,AAPL,99.90,20", "4000,AAPL,99.90,15"}));
  // Sent at the first trade (2000), they reach the venue at 2500, between events.
  s.strategy("s", {"AAPL"},
             {submit_on("trade", 0, order("AAPL", "buy", "market", 5)),
              submit_on("trade", 0, order("AAPL", "buy", "limit", 5, 99.90))});
  const RunOutput out = execute(s);
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.fills.size(), 3u) << dump(out.journal());
  // The market order walks at its arrival: 3 @ 100.00, then 2 @ 100.10 (taker, 1 bp).
  EXPECT_EQ(out.fills[0].ts, 2500);
  EXPECT_EQ(out.fills[0].order_id, 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].quantity, 3);
  EXPECT_DOUBLE_EQ(out.fills[0].price, 100.00);
  EXPECT_DOUBLE_EQ(out.fills[0].fee, 3 * 100.00 * 1e-4);
  EXPECT_EQ(out.fills[1].ts, 2500);
  EXPECT_DOUBLE_EQ(out.fills[1].quantity, 2);
  EXPECT_DOUBLE_EQ(out.fills[1].price, 100.10);
  // The limit joins behind 30: the trade of 20 leaves 10 ahead, the one of 15
  // reaches 5 into it: 5 @ 99.90, maker, at 4000.
  EXPECT_EQ(out.fills[2].ts, 4000);
  EXPECT_EQ(out.fills[2].order_id, 2u);
  EXPECT_DOUBLE_EQ(out.fills[2].quantity, 5);
  EXPECT_DOUBLE_EQ(out.fills[2].price, 99.90);
  EXPECT_EQ(out.fills[2].liquidity, KEEL_LIQUIDITY_MAKER);
  // The strategy hears ACCEPTED before the fills.
  const auto& j = out.journal();
  EXPECT_LT(index_of(j, "update ts=2500 order=1 state=accepted"),
            index_of(j, "fill ts=2500 order=1 side=buy qty=3 price=100"))
      << dump(j);
  // The book marks at its mid, (99.90 + 100.00) / 2: the position of 10 is
  // valued at 99.95 at the end.
  ASSERT_FALSE(out.equity.empty());
  EXPECT_DOUBLE_EQ(out.equity.back().gross_exposure, 10 * 99.95);
}

}  // namespace
}  // namespace keel::test
