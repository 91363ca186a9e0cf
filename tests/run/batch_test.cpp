// Batch delivery is an optimisation, never a semantic: a strategy that takes
// spans of events (keel_test.scripted_batched, on_events + events_consumed)
// must produce the same report as its per-event twin (keel_test.scripted)
// with the same script — including when it fails in the middle of a span:
// the run stops at the failing event, and what it sent there is dated there.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// A batched journal without its "span ..." lines (what per-event delivery
// has no counterpart for).
std::vector<std::string> without_spans(const std::vector<std::string>& journal) {
  std::vector<std::string> out;
  for (const std::string& line : journal) {
    if (line.rfind("span ", 0) != 0) out.push_back(line);
  }
  return out;
}

// The sizes of the spans a batched strategy was given, in order.
std::vector<size_t> span_sizes(const std::vector<std::string>& journal) {
  std::vector<size_t> sizes;
  for (const std::string& line : lines_with_prefix(journal, "span count=")) {
    sizes.push_back(std::stoul(line.substr(11)));
  }
  return sizes;
}
size_t largest_span(const std::vector<std::string>& journal) {
  const std::vector<size_t> sizes = span_sizes(journal);
  return sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
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
  EXPECT_EQ(without_spans(batched.journal()), per_event.journal()) << dump(batched.journal());
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

// ---- exact batches: the host answers for the event being handled ------------------

const std::string kQuoteHeader = "ts,instrument,bid,bid_size,ask,ask_size";

// n quotes a microsecond apart, alternating AAPL and MSFT, their mids
// wandering (AAPL around 100, MSFT around 50) so marks move at every event.
std::string quotes(int n) {
  std::string text = kQuoteHeader + "\n";
  for (int i = 1; i <= n; ++i) {
    const bool aapl = i % 2 == 1;
    const double mid = (aapl ? 100 : 50) + (i % 13) * 0.2 - (i % 7) * 0.15;
    text += std::to_string(i * 1000) + (aapl ? ",AAPL," : ",MSFT,") + std::to_string(mid - 0.05) +
            ",500," + std::to_string(mid + 0.05) + ",500\n";
  }
  return text;
}

struct QuoteRun {
  json actions = json::array();
  json risk = json::object();
  json venue = json::object();
  std::optional<double> initial_cash;
  std::vector<std::string> instruments = {"AAPL", "MSFT"};
  std::string factory = "keel_test.scripted";
};

RunOutput run_quotes(const QuoteRun& r) {
  Scenario s;
  s.equity("AAPL");
  s.equity("MSFT");
  s.data("quotes.csv", "quotes", quotes(400));
  s.run()["equity_interval"] = "50us";
  for (const auto& [key, value] : r.venue.items()) s.venue()[key] = value;
  StrategySetup& strategy = s.strategy("s", r.instruments, r.actions);
  strategy.extra["factory"] = r.factory;
  strategy.params["observe"] = true;
  if (!r.risk.empty()) strategy.extra["risk"] = r.risk;
  if (r.initial_cash) strategy.extra["initial_cash"] = *r.initial_cash;
  RunOutput out = s.execute();
  EXPECT_TRUE(out.config_errors.empty());
  EXPECT_TRUE(out.prepare.is_ok()) << out.prepare.message();
  EXPECT_TRUE(out.ran);
  return out;
}

// The same run per event and batched: the same report, and the same journal
// (what the strategy saw: now, position, account at every event).
std::pair<RunOutput, RunOutput> twins(QuoteRun r) {
  RunOutput per_event = run_quotes(r);
  r.factory = "keel_test.scripted_batched";
  RunOutput batched = run_quotes(r);
  expect_same_report(per_event, batched);
  return {std::move(per_event), std::move(batched)};
}

TEST(RunBatches, NowPositionAndAccountAreThoseOfTheEventBeingHandled) {
  QuoteRun r;
  r.actions = {submit_on("quote", 3, order("AAPL", "buy", "market", 10)),
               submit_on("quote", 150, order("AAPL", "sell", "market", 4)),
               submit_on("quote", 151, order("MSFT", "buy", "market", 20))};
  const auto [per_event, batched] = twins(r);
  EXPECT_EQ(per_event.fills.size(), 3u);
  // The strategy held positions while marks moved, inside spans of many events.
  EXPECT_GT(largest_span(batched.journal()), 50u);
  EXPECT_EQ(lines_with_prefix(per_event.journal(), "seen ").size(), 400u);  // every quote
}

TEST(RunBatches, RiskChecksInsideASpanAreThoseOfTheirEvent) {
  // Limit buys at 100.2 every 20 AAPL quotes: the collar (0.2% of the mid
  // at the event) passes some and refuses others; the notional cap refuses
  // the later ones as the position grows.
  QuoteRun r;
  for (int n = 5; n < 200; n += 20) {
    r.actions.push_back(submit_on("quote", n, order("AAPL", "buy", "limit", 10, 100.2)));
  }
  r.risk = {{"price_collar_pct", 0.2}, {"max_gross_notional", 4500}};
  const auto [per_event, batched] = twins(r);
  size_t rejected = 0, accepted = 0;
  for (const OrderRecord& o : per_event.orders) {
    (o.state == KEEL_ORDER_REJECTED ? rejected : accepted) += 1;
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(largest_span(batched.journal()), 10u);  // no longer refused batches
}

TEST(RunBatches, BuyingPowerInsideASpanIsThatOfItsEvent) {
  // A cash account that can afford 10 AAPL at some mids and not at others.
  QuoteRun r;
  for (int n = 1; n < 200; n += 9) {
    r.actions.push_back(submit_on("quote", n, order("AAPL", "buy", "market", 10)));
    r.actions.push_back(submit_on("quote", n + 4, order("AAPL", "sell", "market", 10)));
  }
  r.initial_cash = 1015.0;
  const auto [per_event, batched] = twins(r);
  size_t rejected = 0;
  for (const OrderRecord& o : per_event.orders) rejected += o.state == KEEL_ORDER_REJECTED;
  EXPECT_GT(rejected, 0u);
  EXPECT_LT(rejected, per_event.orders.size());
}

TEST(RunBatches, OrdersAreStampedWithTheEventTheyWereSentFrom) {
  QuoteRun r;
  r.venue = {{"order_latency_ns", 2500}, {"report_latency_ns", 1500}};
  r.actions = {submit_on("quote", 10, order("AAPL", "buy", "limit", 5, 99.0)),
               cancel_on("quote", 30, 0), timer_on("quote", 40, 7000, 9),
               submit_on("timer", 0, order("MSFT", "buy", "market", 5))};
  const auto [per_event, batched] = twins(r);
  ASSERT_EQ(per_event.orders.size(), 2u);
  // The 11th quote the strategy sees (AAPL and MSFT alternate): ts 11000.
  EXPECT_EQ(per_event.orders[0].submitted_ts, 11'000);
  EXPECT_EQ(per_event.orders[0].state, KEEL_ORDER_CANCELED);
}

// With report latency, position() and account() are what the strategy has
// been told: a fill counts from its on_fill on, not from the venue's fill.
TEST(RunBatches, PositionIsWhatTheStrategyHasBeenTold) {
  QuoteRun r;
  r.venue = {{"report_latency_ns", 5500}};
  r.actions = {submit_on("quote", 3, order("AAPL", "buy", "market", 10))};
  const auto [per_event, batched] = twins(r);
  ASSERT_EQ(per_event.fills.size(), 1u);
  const std::vector<std::string>& journal = per_event.journal();
  const long fill = index_of(journal, "fill ");
  ASSERT_GE(fill, 0) << dump(journal);
  for (long i = 0; i < static_cast<long>(journal.size()); ++i) {
    if (journal[i].rfind("seen ", 0) != 0 || journal[i].find("qty=10 ") == std::string::npos) {
      continue;
    }
    EXPECT_GT(i, fill) << "position 10 seen before its fill was reported:\n" << dump(journal);
    break;
  }
  // The venue filled it 5.5 us before the report: several events in between.
  EXPECT_GT(per_event.fills[0].ts + 5500, per_event.fills[0].ts);
}

// A strategy that acts every few events is handed views into the span
// gathered once, from the event after the one it stopped at.
TEST(RunBatches, TheRestOfASpanIsAViewNotACopy) {
  QuoteRun r;
  r.instruments = {"AAPL"};
  for (int n = 10; n < 200; n += 10) {
    r.actions.push_back(timer_on("quote", n, 1'000'000'000, n));  // far off: no callback
  }
  const auto [per_event, batched] = twins(r);
  const auto views = lines_with_prefix(batched.journal(), "span count=");
  size_t continued = 0;
  for (const std::string& line : views) continued += line.find("view=1") != std::string::npos;
  EXPECT_GE(continued, 15u) << dump(batched.journal());
}

// A 1.0 events-consumed extension (no cursor) still loads, and its strategy
// is given spans of one event.
TEST(RunBatches, AStrategyWithoutACursorGetsSpansOfOne) {
  QuoteRun r;
  r.actions = {submit_on("quote", 3, order("AAPL", "buy", "market", 10))};
  RunOutput per_event = run_quotes(r);
  r.factory = "keel_test.scripted_batched_10";
  RunOutput batched = run_quotes(r);
  expect_same_report(per_event, batched);
  const std::vector<size_t> sizes = span_sizes(batched.journal());
  EXPECT_EQ(sizes.size(), 400u);
  EXPECT_EQ(largest_span(batched.journal()), 1u);
}

// Order ids are given in the loop's order: a batched strategy's order sent
// from a later event gets a later id than a per-event strategy's order sent
// before it.
TEST(RunBatches, OrderIdsFollowTheLoopAcrossStrategies) {
  const auto run_pair = [](const std::string& second_factory) {
    Scenario s;
    s.equity("AAPL");
    s.equity("MSFT");
    s.data("quotes.csv", "quotes", quotes(400));
    s.strategy("p", {"MSFT"},
               {submit_on("quote", 20, order("MSFT", "buy", "market", 5)),
                submit_on("quote", 60, order("MSFT", "sell", "market", 5))});
    StrategySetup& b = s.strategy("b", {"AAPL"},
                                  {submit_on("quote", 30, order("AAPL", "buy", "market", 5)),
                                   submit_on("quote", 50, order("AAPL", "sell", "market", 5))});
    b.extra["factory"] = second_factory;
    RunOutput out = s.execute();
    EXPECT_TRUE(out.ran);
    return out;
  };
  const RunOutput per_event = run_pair("keel_test.scripted");
  const RunOutput batched = run_pair("keel_test.scripted_batched");
  ASSERT_EQ(per_event.orders.size(), 4u);
  ASSERT_EQ(batched.orders.size(), per_event.orders.size());
  for (size_t i = 0; i < per_event.orders.size(); ++i) {
    EXPECT_EQ(batched.orders[i].strategy, per_event.orders[i].strategy) << "order " << i + 1;
    EXPECT_EQ(batched.orders[i].submitted_ts, per_event.orders[i].submitted_ts);
  }
  for (size_t i = 1; i < batched.orders.size(); ++i) {
    EXPECT_LT(batched.orders[i - 1].submitted_ts, batched.orders[i].submitted_ts);
  }
  EXPECT_EQ(without_spans(batched.journal("b")), per_event.journal("b"));
}

}  // namespace
}  // namespace keel::test
