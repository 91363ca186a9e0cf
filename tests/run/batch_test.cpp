// Batch delivery is an optimisation, never a semantic: a strategy that takes
// spans of events (keel_test.scripted_batched, on_events + events_consumed)
// must produce the same report as its per-event twin (keel_test.scripted)
// with the same script — including when it fails in the middle of a span:
// the run stops at the failing event, and what it sent there is dated there.
#include <gtest/gtest.h>

#include <string>

#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

const std::string kBars = "ts,instrument,open,high,low,close,volume";
constexpr int64_t kMinute = 60'000'000'000;

// n one-minute bars on AAPL, drifting up and down so orders fill.
std::string bars(int n) {
  std::string text = kBars + "\n";
  for (int i = 1; i <= n; ++i) {
    const double close = 100 + (i % 17) * 0.25 - (i % 5) * 0.1;
    text += std::to_string(i * kMinute) + ",AAPL," + std::to_string(close - 0.05) + "," +
            std::to_string(close + 0.3) + "," + std::to_string(close - 0.3) + "," +
            std::to_string(close) + ",10000\n";
  }
  return text;
}

RunOutput run(const json& actions, bool batched, const json& risk = json::object()) {
  Scenario s;
  s.equity("AAPL");
  s.data("bars.csv", "bars", bars(200));
  s.run()["equity_interval"] = "5m";
  StrategySetup& strategy = s.strategy("s", {"AAPL"}, actions);
  if (batched) strategy.extra["factory"] = "keel_test.scripted_batched";
  if (!risk.empty()) strategy.extra["risk"] = risk;
  RunOutput out = s.execute();
  EXPECT_TRUE(out.config_errors.empty());
  EXPECT_TRUE(out.prepare.is_ok()) << out.prepare.message();
  EXPECT_TRUE(out.ran);
  return out;
}

// Everything the report holds, compared field by field.
void expect_same_report(const RunOutput& per_event, const RunOutput& batched) {
  const RunSummary& a = per_event.result.summary;
  const RunSummary& b = batched.result.summary;
  // Messages name the member per-event delivery calls, marked as batched.
  std::string status = b.status;
  if (const size_t at = status.find(" (batched)"); at != std::string::npos) status.erase(at, 10);
  EXPECT_EQ(status, a.status);
  EXPECT_EQ(b.events, a.events);
  EXPECT_EQ(b.last_event_ts, a.last_event_ts);
  EXPECT_EQ(b.final_equity, a.final_equity);
  EXPECT_EQ(b.num_orders, a.num_orders);
  EXPECT_EQ(b.num_fills, a.num_fills);
  EXPECT_EQ(batched.result.failure.code(), per_event.result.failure.code());
  ASSERT_EQ(batched.orders.size(), per_event.orders.size());
  for (size_t i = 0; i < per_event.orders.size(); ++i) {
    const OrderRecord& x = per_event.orders[i];
    const OrderRecord& y = batched.orders[i];
    EXPECT_EQ(y.submitted_ts, x.submitted_ts) << "order " << x.order_id;
    EXPECT_EQ(y.last_update_ts, x.last_update_ts) << "order " << x.order_id;
    EXPECT_EQ(y.state, x.state) << "order " << x.order_id;
    EXPECT_EQ(y.filled_quantity, x.filled_quantity) << "order " << x.order_id;
    EXPECT_EQ(y.reason, x.reason) << "order " << x.order_id;
  }
  ASSERT_EQ(batched.fills.size(), per_event.fills.size());
  for (size_t i = 0; i < per_event.fills.size(); ++i) {
    EXPECT_EQ(batched.fills[i].ts, per_event.fills[i].ts) << "fill " << i;
    EXPECT_EQ(batched.fills[i].price, per_event.fills[i].price) << "fill " << i;
  }
  ASSERT_EQ(batched.equity.size(), per_event.equity.size());
  for (size_t i = 0; i < per_event.equity.size(); ++i) {
    EXPECT_EQ(batched.equity[i].ts, per_event.equity[i].ts) << "sample " << i;
    EXPECT_EQ(batched.equity[i].equity, per_event.equity[i].equity) << "sample " << i;
  }
  EXPECT_EQ(batched.journal(), per_event.journal()) << dump(batched.journal());
}

TEST(RunBatches, ABatchedStrategyGivesThePerEventReport) {
  const json actions = {submit_on("bar", 10, order("AAPL", "buy", "market", 100)),
                        submit_on("bar", 40, order("AAPL", "sell", "limit", 100, 103)),
                        timer_on("bar", 60, 90 * kMinute, 3),
                        submit_on("timer", 0, order("AAPL", "sell", "market", 50))};
  const RunOutput per_event = run(actions, false);
  const RunOutput batched = run(actions, true);
  EXPECT_EQ(per_event.result.summary.status, "completed");
  EXPECT_GE(per_event.orders.size(), 3u);
  expect_same_report(per_event, batched);
}

// The case: at bar 50 of 200 the strategy sends an order that risk
// rejects, then fails. Per-event delivery stops the report at bar 50 and
// dates the rejected order at bar 50; so must batches.
TEST(RunBatches, AFailureMidSpanStopsTheRunAtThatEvent) {
  const json actions = {submit_on("bar", 49, order("AAPL", "buy", "market", 5000)),
                        do_on("bar", 49, "fail")};
  const json risk = {{"max_order_quantity", 1000}};
  const RunOutput per_event = run(actions, false, risk);
  const RunOutput batched = run(actions, true, risk);
  EXPECT_EQ(per_event.result.summary.last_event_ts, 50 * kMinute);
  ASSERT_EQ(per_event.orders.size(), 1u);
  EXPECT_EQ(per_event.orders[0].state, KEEL_ORDER_REJECTED);
  EXPECT_EQ(per_event.orders[0].submitted_ts, 50 * kMinute);
  expect_same_report(per_event, batched);
}

TEST(RunBatches, AFaultMidSpanStopsTheRunAtThatEvent) {
  const json actions = {submit_on("bar", 20, order("AAPL", "buy", "market", 10)),
                        do_on("bar", 120, "throw")};
  const RunOutput per_event = run(actions, false);
  const RunOutput batched = run(actions, true);
  EXPECT_EQ(per_event.result.failure.code(), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_EQ(per_event.result.summary.last_event_ts, 121 * kMinute);
  expect_same_report(per_event, batched);
}

// A span's first event failing is the plain case (no deferral).
TEST(RunBatches, AFailureAtTheFirstEventOfASpan) {
  const json actions = {do_on("bar", 0, "fail")};
  const RunOutput per_event = run(actions, false);
  const RunOutput batched = run(actions, true);
  EXPECT_EQ(per_event.result.summary.last_event_ts, kMinute);
  expect_same_report(per_event, batched);
}

}  // namespace
}  // namespace keel::test
