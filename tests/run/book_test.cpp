// Book events (ABI 1.2) reach strategies: only those with on_book get them
// (per event or, batched, in their spans), book_levels shows the book as of
// the event being handled (in a span too: the venue has not applied the
// span's later updates yet), and an on_book failure stops the strategy like
// an on_quote failure does.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/run/run_harness.hpp"

namespace keel::test {
namespace {

const std::string kQuoteHeader = "ts,instrument,bid,bid_size,ask,ask_size";
const std::string kDepthHeader = "ts,instrument,side,price,size,exch_ts";

// Quotes every 10 ns (10..10n) and, between them, depth updates: at 10k+5
// the bid level 99 + (k % 3) / 100 gets size 10 + k and the ask level
// 101 - (k % 3) / 100 size 20 + k; every third step removes the levels of
// the step before (size 0), so the top of the book moves.
struct Data {
  std::string quotes = kQuoteHeader + "\n";
  std::string depth = kDepthHeader + "\n";
};
Data market(int n, const std::string& depth_symbol = "AAPL") {
  Data d;
  for (int k = 1; k <= n; ++k) {
    const std::string ts = std::to_string(10 * k);
    d.quotes += ts + ",AAPL,99.9,100,100.1,100\n";
    const std::string at = std::to_string(10 * k + 5);
    const std::string exch = std::to_string(10 * k + 3);
    const double bid = 99 + (k % 3) / 100.0, ask = 101 - (k % 3) / 100.0;
    d.depth += at + "," + depth_symbol + ",bid," + std::to_string(bid) + "," +
               std::to_string(10 + k) + "," + exch + "\n";
    d.depth += at + "," + depth_symbol + ",ask," + std::to_string(ask) + "," +
               std::to_string(20 + k) + "," + exch + "\n";
    if (k % 3 == 0) {
      const double old_bid = 99 + ((k - 1) % 3) / 100.0, old_ask = 101 - ((k - 1) % 3) / 100.0;
      d.depth += at + "," + depth_symbol + ",BID," + std::to_string(old_bid) + ",0," + exch + "\n";
      d.depth += at + "," + depth_symbol + ",Ask," + std::to_string(old_ask) + ",0," + exch + "\n";
    }
  }
  return d;
}

struct BookRun {
  std::string factory = "keel_test.scripted_book";
  json actions = json::array();
  json params = json::object();
  bool depth = true;
  int steps = 60;
  json extra = json::object();
  std::string depth_symbol = "AAPL";
};

RunOutput run(const BookRun& r) {
  Scenario s;
  s.equity("AAPL");
  s.equity("MSFT");
  const Data d = market(r.steps, r.depth_symbol);
  s.data("quotes.csv", "quotes", d.quotes);
  if (r.depth) s.data("depth.csv", "depth", d.depth);
  StrategySetup& strategy = s.strategy("s", {"AAPL", "MSFT"}, r.actions);
  strategy.extra = r.extra;
  strategy.extra["factory"] = r.factory;
  strategy.params = r.params;
  RunOutput out = s.execute();
  EXPECT_TRUE(out.config_errors.empty())
      << (out.config_errors.empty() ? "" : out.config_errors.front().message);
  EXPECT_TRUE(out.prepare.is_ok()) << out.prepare.message();
  return out;
}

std::vector<std::string> without_spans(const std::vector<std::string>& journal) {
  std::vector<std::string> out;
  for (const std::string& line : journal) {
    if (line.rfind("span ", 0) != 0) out.push_back(line);
  }
  return out;
}
size_t largest_span(const std::vector<std::string>& journal) {
  size_t largest = 0;
  for (const std::string& line : lines_with_prefix(journal, "span count=")) {
    largest = std::max<size_t>(largest, std::stoul(line.substr(11)));
  }
  return largest;
}

TEST(RunBook, AStrategyWithOnBookGetsEveryBookEventInDataOrder) {
  BookRun r;
  r.steps = 3;
  const RunOutput out = run(r);
  EXPECT_EQ(out.result.summary.status, "completed");
  const std::vector<std::string> expected = {"start ts=10 instruments=2",
                                             "quote ts=10 bid=99.9 ask=100.1",
                                             "book ts=15 side=bid price=99.01 size=11 exch_ts=13",
                                             "book ts=15 side=ask price=100.99 size=21 exch_ts=13",
                                             "quote ts=20 bid=99.9 ask=100.1",
                                             "book ts=25 side=bid price=99.02 size=12 exch_ts=23",
                                             "book ts=25 side=ask price=100.98 size=22 exch_ts=23",
                                             "quote ts=30 bid=99.9 ask=100.1",
                                             "book ts=35 side=bid price=99 size=13 exch_ts=33",
                                             "book ts=35 side=ask price=101 size=23 exch_ts=33",
                                             "book ts=35 side=bid price=99.02 size=0 exch_ts=33",
                                             "book ts=35 side=ask price=100.98 size=0 exch_ts=33",
                                             "stop ts=35"};
  EXPECT_EQ(out.journal(), expected) << dump(out.journal());
}

// keel_test.scripted has no on_book: it sees exactly what it sees in the
// same run without depth data (and its events count is the data's).
TEST(RunBook, AStrategyWithoutOnBookIsGivenNoBookEvents) {
  BookRun r;
  r.factory = "keel_test.scripted";
  const RunOutput with_depth = run(r);
  r.depth = false;
  const RunOutput without = run(r);
  EXPECT_EQ(lines_with_prefix(with_depth.journal(), "book").size(), 0u);
  EXPECT_EQ(lines_with_prefix(with_depth.journal(), "quote"),
            lines_with_prefix(without.journal(), "quote"));
  EXPECT_EQ(with_depth.result.summary.events, 60u * 3 + 2u * 20);  // quotes + depth rows
}

// book_levels in on_book already shows that update; in on_quote, the book
// as the depth rows before the quote left it.
TEST(RunBook, BookLevelsAreThoseOfTheEventBeingHandled) {
  BookRun r;
  r.steps = 3;
  r.params["observe_book"] = true;
  const RunOutput out = run(r);
  const std::vector<std::string> levels = lines_with_prefix(out.journal(), "levels");
  ASSERT_EQ(levels.size(), 3u + 8u) << dump(out.journal());
  EXPECT_EQ(levels[0], "levels bid= ask=");  // quote 10: no depth yet
  EXPECT_EQ(levels[1], "levels bid=99.01@11 ask=");
  EXPECT_EQ(levels[2], "levels bid=99.01@11 ask=100.99@21");
  EXPECT_EQ(levels[3], "levels bid=99.01@11 ask=100.99@21");  // quote 20
  EXPECT_EQ(levels[5], "levels bid=99.02@12,99.01@11 ask=100.98@22,100.99@21");
  EXPECT_EQ(levels[10], "levels bid=99.01@11,99@13 ask=100.99@21,101@23");  // after removals
}

// The batched twin (on_events with on_book) sees the very same journal,
// book levels included, though its spans run ahead of the venue's book.
TEST(RunBook, ABatchedStrategySeesTheBookOfItsEventInsideASpan) {
  BookRun r;
  r.params["observe_book"] = true;
  const RunOutput per_event = run(r);
  r.factory = "keel_test.scripted_batched_book";
  const RunOutput batched = run(r);
  EXPECT_EQ(without_spans(batched.journal()), per_event.journal()) << dump(batched.journal());
  // Spans of book events hold more than one update (two or four a step):
  // the look-ahead is what is being tested.
  EXPECT_GE(largest_span(batched.journal()), 2u) << dump(batched.journal());
}

// A batched strategy without on_book gets spans of quotes across the book
// events it is not given, and the same journal as per event.
TEST(RunBook, BookEventsDoNotBreakTheSpansOfAStrategyWithoutOnBook) {
  BookRun r;
  r.factory = "keel_test.scripted";
  r.params["observe_book"] = true;
  const RunOutput per_event = run(r);
  r.factory = "keel_test.scripted_batched";
  const RunOutput batched = run(r);
  EXPECT_EQ(without_spans(batched.journal()), per_event.journal()) << dump(batched.journal());
  EXPECT_GE(largest_span(batched.journal()), 16u) << dump(batched.journal());
}

// With an order working on MSFT, a book event of MSFT it is not given ends
// its span of AAPL quotes (the venue may fill the order there), and the
// report is that of per event.
TEST(RunBook, AWorkingOrderEndsASpanAtABookEventItIsNotGiven) {
  BookRun r;
  r.factory = "keel_test.scripted";
  r.depth_symbol = "MSFT";
  r.actions = {submit_on("quote", 5, order("MSFT", "buy", "limit", 5, 99.02))};
  const RunOutput per_event = run(r);
  r.factory = "keel_test.scripted_batched";
  const RunOutput batched = run(r);
  EXPECT_EQ(without_spans(batched.journal()), per_event.journal()) << dump(batched.journal());
  EXPECT_EQ(batched.orders.size(), per_event.orders.size());
  ASSERT_EQ(per_event.orders.size(), 1u);
  EXPECT_EQ(per_event.orders[0].state, KEEL_ORDER_EXPIRED)
      << "the order must stay working to the end";
  // After the order (quote 5) every span is one quote: a book event of
  // MSFT lies between any two of them. Before it, spans are long.
  EXPECT_GE(largest_span(batched.journal()), 5u) << dump(batched.journal());
  const auto spans = lines_with_prefix(batched.journal(), "span count=");
  ASSERT_GT(spans.size(), 50u) << dump(batched.journal());
  EXPECT_EQ(spans.back().rfind("span count=1 ", 0), 0u) << dump(batched.journal());
}

TEST(RunBook, AnOnBookFailureStopsTheStrategyLikeOnQuote) {
  BookRun r;
  r.actions = {do_on("book", 3, "fail")};
  const RunOutput out = run(r);
  EXPECT_NE(out.result.summary.status.find("on_book"), std::string::npos)
      << out.result.summary.status;
  EXPECT_EQ(out.strategy().status.rfind("stopped: ", 0), 0u) << out.strategy().status;
  EXPECT_EQ(out.journal().back(), "book ts=25 side=ask price=100.98 size=22 exch_ts=23");

  r.factory = "keel_test.scripted_batched_book";
  const RunOutput batched = run(r);
  EXPECT_EQ(without_spans(batched.journal()), out.journal()) << dump(batched.journal());
  EXPECT_NE(batched.strategy().status.find("on_book (batched)"), std::string::npos)
      << batched.strategy().status;
}

TEST(RunBook, BookLevelsRefusesAnUnknownInstrumentAndABadSide) {
  BookRun r;
  r.steps = 2;
  r.actions = {
      json{{"on", "quote"}, {"n", 1}, {"do", "book_levels"}, {"instrument_id", 0}},
      json{{"on", "quote"}, {"n", 1}, {"do", "book_levels"}, {"instrument_id", 7}},
      json{{"on", "quote"}, {"n", 1}, {"do", "book_levels"}, {"side", 2}},
      json{{"on", "quote"}, {"n", 1}, {"do", "book_levels"}, {"null_out", true}},
      json{{"on", "quote"}, {"n", 1}, {"do", "book_levels"}, {"null_out", true}, {"max", 0}}};
  const RunOutput out = run(r);
  const auto calls = lines_with_prefix(out.journal(), "book_levels");
  ASSERT_EQ(calls.size(), 5u) << dump(out.journal());
  EXPECT_EQ(calls[0], "book_levels -> ok count=1");
  EXPECT_EQ(calls[1].rfind("book_levels -> not found: ", 0), 0u) << calls[1];
  EXPECT_NE(calls[1].find("id 7"), std::string::npos) << calls[1];
  EXPECT_EQ(calls[2].rfind("book_levels -> invalid argument: ", 0), 0u) << calls[2];
  EXPECT_NE(calls[2].find("side 2"), std::string::npos) << calls[2];
  EXPECT_EQ(calls[3].rfind("book_levels -> invalid argument: ", 0), 0u) << calls[3];
  EXPECT_EQ(calls[4], "book_levels -> ok count=0");
  EXPECT_EQ(out.result.summary.status, "completed");
}

}  // namespace
}  // namespace keel::test
