// The host-thread rule (keel/host.h): a strategy that calls a [host-thread]
// member from a thread of its own gets KEEL_ERR_WRONG_THREAD, the call does
// nothing, and the strategy is stopped as its on_error says. Before the rule
// was enforced, the hammering run below crashed the host (a corrupted
// pending-event heap) in 8 runs of 8.
#include <gtest/gtest.h>

#include <string>

#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

const std::string kQuotes = "ts,instrument,bid,bid_size,ask,ask_size";

// n quotes on AAPL, one per microsecond, mid 100.
std::string quotes(int n) {
  std::string text = kQuotes + "\n";
  for (int i = 1; i <= n; ++i) {
    text += std::to_string(i * 1000) + ",AAPL,99.9,1000,100.1,1000\n";
  }
  return text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RunHostThread, AnOrderFromAnotherThreadIsRefusedAndStopsTheRun) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", quotes(5));
  s.strategy("s", {"AAPL"},
             {submit_on("quote", 0, order("AAPL", "buy", "market", 10)),
              {{"on", "quote"}, {"n", 2}, {"do", "submit_from_thread"},
               {"order", order("AAPL", "buy", "market", 5)}}});
  const RunOutput out = s.execute();
  ASSERT_TRUE(out.prepare.is_ok()) << out.prepare.message();
  ASSERT_TRUE(out.ran);
  const auto& j = out.journal();
  // The thread's submit came back with the rule, naming instance and member.
  const auto submits = lines_with_prefix(j, "submit -> ");
  ASSERT_EQ(submits.size(), 2u) << dump(j);
  EXPECT_EQ(submits[0], "submit -> ok");
  EXPECT_TRUE(contains(submits[1], "wrong thread")) << submits[1];
  EXPECT_TRUE(contains(submits[1], "strategy 's'")) << submits[1];
  EXPECT_TRUE(contains(submits[1], "order_submit")) << submits[1];
  EXPECT_TRUE(contains(submits[1], "[host-thread]")) << submits[1];
  // Only the host-thread order exists; the run stopped at the quote whose
  // callback broke the rule.
  ASSERT_EQ(out.orders.size(), 1u);
  EXPECT_EQ(out.orders[0].quantity, 10);
  EXPECT_EQ(out.result.failure.code(), KEEL_ERR_WRONG_THREAD);
  const std::string& status = out.result.summary.status;
  EXPECT_TRUE(contains(status, "strategy 's': on_quote:")) << status;
  EXPECT_TRUE(contains(status, "order_submit from a thread")) << status;
  EXPECT_EQ(out.result.summary.last_event_ts, 3000) << status;
  EXPECT_EQ(index_of(j, "quote ts=4000"), -1) << dump(j);
}

TEST(RunHostThread, OnErrorDisableStopsOnlyTheStrategyThatBrokeTheRule) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", quotes(5));
  s.strategy("bad", {"AAPL"},
             {{{"on", "quote"}, {"n", 1}, {"do", "submit_from_thread"},
               {"order", order("AAPL", "buy", "market", 5)}}})
      .extra = {{"on_error", "disable"}};
  s.strategy("good", {"AAPL"}, {submit_on("quote", 3, order("AAPL", "buy", "market", 7))});
  const RunOutput out = s.execute();
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.summary.status, "completed");
  EXPECT_TRUE(contains(out.strategy("bad").status, "disabled: strategy 'bad': on_quote:"))
      << out.strategy("bad").status;
  EXPECT_TRUE(contains(out.strategy("bad").status, "wrong thread") ||
              contains(out.strategy("bad").status, "from a thread"))
      << out.strategy("bad").status;
  EXPECT_EQ(out.strategy("good").status, "completed");
  ASSERT_EQ(out.orders.size(), 1u);
  EXPECT_EQ(out.orders[0].strategy, "good");
  EXPECT_GE(index_of(out.journal("good"), "stop ts=5000"), 0) << dump(out.journal("good"));
}

// The last callback is no hiding place: a breach during on_stop still
// fails the run (its order is refused like any other).
TEST(RunHostThread, ABreachDuringOnStopFailsTheRun) {
  Scenario s;
  s.equity("AAPL");
  s.data("quotes.csv", "quotes", quotes(3));
  s.strategy("s", {"AAPL"},
             {{{"on", "stop"}, {"n", 0}, {"do", "submit_from_thread"},
               {"order", order("AAPL", "buy", "market", 5)}}});
  const RunOutput out = s.execute();
  ASSERT_TRUE(out.ran);
  EXPECT_EQ(out.result.failure.code(), KEEL_ERR_WRONG_THREAD) << out.result.summary.status;
  EXPECT_EQ(out.result.kind, FailureKind::plugin);
  EXPECT_TRUE(contains(out.strategy("s").status, "stopped: strategy 's': on_stop:"))
      << out.strategy("s").status;
  EXPECT_TRUE(out.orders.empty());
}

// A thread that keeps calling order_submit, position_get and account_get
// while the loop runs: every call is refused, nothing it sent exists, and
// the run ends with the rule's status instead of a crash. (Run under ASan
// and UBSan by `make test`.)
TEST(RunHostThread, AThreadHammeringTheHostChangesNothing) {
  for (int round = 0; round < 4; ++round) {
    Scenario s;
    s.equity("AAPL");
    s.data("quotes.csv", "quotes", quotes(2000));
    s.strategy("s", {"AAPL"},
               {{{"on", "quote"}, {"n", 0}, {"do", "hammer_from_thread"},
                 {"order", order("AAPL", "buy", "market", 1)}},
                submit_on("quote", 1, order("AAPL", "buy", "market", 10))});
    const RunOutput out = s.execute();
    ASSERT_TRUE(out.ran);
    EXPECT_EQ(out.result.failure.code(), KEEL_ERR_WRONG_THREAD) << out.result.summary.status;
    for (const OrderRecord& o : out.orders) EXPECT_EQ(o.quantity, 10) << "order " << o.order_id;
    const auto& j = out.journal();
    EXPECT_GE(index_of(j, "hammer accepted=0"), 0) << dump(j);
  }
}

}  // namespace
}  // namespace keel::test
