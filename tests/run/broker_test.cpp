// The broker's own rules, through whole runs: the kill switch's orders go
// through the pending queue like any other order.
#include <gtest/gtest.h>

#include <string>

#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

const std::string kQuotes = "ts,instrument,bid,bid_size,ask,ask_size";

// Buy 100 on a margin account (leverage 2) at 2000, then the mid falls to
// 89 at 3000: a drawdown of 11.1% >= 10% kills the strategy there.
Scenario& kill_at_3000(Scenario& s, const std::string& last_rows) {
  s.equity("AAPL");
  s.run()["initial_cash"] = 10000;
  s.data("quotes.csv", "quotes",
         kQuotes + "\n1000,AAPL,99.9,1000,100.1,1000\n2000,AAPL,99.9,1000,100.1,1000\n" +
             "3000,AAPL,88.9,1000,89.1,1000\n" + last_rows);
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 100)),
              submit_on("quote", 0, order("AAPL", "buy", "limit", 10, 50))})
      .extra = {{"risk", {{"max_drawdown_pct", 10}}},
                {"account", {{"type", "margin"}, {"leverage", 2}}}};
  return s;
}

// The switch cancels at once (order 2), and its flatten order (3) is sent
// from the killing event, reaches the venue through the queue with no
// latency and fills at the next quote.
TEST(RunBroker, TheKillSwitchCancelsThenFlattensThroughTheQueue) {
  Scenario s;
  const RunOutput out = kill_at_3000(s, "4000,AAPL,87.9,1000,88.1,1000\n").execute();
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.orders.size(), 3u);
  EXPECT_EQ(out.order(2).state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(out.order(2).last_update_ts, 3000);
  EXPECT_EQ(out.order(3).submitted_ts, 3000);
  EXPECT_EQ(out.order(3).state, KEEL_ORDER_FILLED);
  EXPECT_EQ(out.order(3).last_update_ts, 4000);
  // Recorded in that order: the buy's fill, the cancelled limit, then the
  // flatten's fill.
  const std::vector<std::string> expected = {"fill order=1", "order 1", "order 2", "fill order=3",
                                             "order 3"};
  EXPECT_EQ(out.recorded, expected);
}

// Killed at the last event, the flatten order never reaches the venue: it
// was still in the queue when the data ended.
TEST(RunBroker, AFlattenOrderSentAtTheLastEventNeverReachesTheVenue) {
  Scenario s;
  const RunOutput out = kill_at_3000(s, "").execute();
  ASSERT_TRUE(out.ran);
  ASSERT_EQ(out.orders.size(), 3u);
  EXPECT_EQ(out.order(3).reason, "end of run: the order had not reached the venue");
  EXPECT_EQ(out.order(3).state, KEEL_ORDER_EXPIRED);
  EXPECT_EQ(out.fills.size(), 1u);
}

}  // namespace
}  // namespace keel::test
