// keel.sma_cross through the real loader with a fake host: hand-computed
// moving averages give the exact orders (bar index, side, quantity).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <tuple>
#include <vector>

#include "strategy_test_support.hpp"

namespace keel::test {
namespace {

constexpr keel_instrument_id_t kA = 0;
constexpr keel_instrument_id_t kB = 3;

// (bar index, side, quantity) of every order the strategy sent.
using OrderRow = std::tuple<size_t, int32_t, double>;

std::vector<OrderRow> rows(const FakeHost& fake) {
  std::vector<OrderRow> out;
  for (const SubmittedOrder& o : fake.submits) {
    out.emplace_back(o.event_index, o.request.side, o.request.quantity);
  }
  return out;
}

class StrategySmaCross : public StrategyPluginTest {
 protected:
  void create(const std::string& params = R"({"fast": 2, "slow": 3, "quantity": 5})") {
    Status status = strategy_.create(host_, "keel.sma_cross", params, fake_);
    ASSERT_TRUE(status) << status.message();
  }
  // The last order the strategy sent, which the test plays the venue for.
  const SubmittedOrder& last() const { return fake_.submits.back(); }

  FakeHost fake_;
  StrategyUnderTest strategy_;
};

TEST_F(StrategySmaCross, FactoryIsAStrategyWithADocumentedSchema) {
  create();
  EXPECT_EQ(strategy_.factory().kind, FactoryKind::strategy);
  EXPECT_EQ(strategy_.factory().plugin->facts().id, "keel.sma_cross");
  const nlohmann::json schema = nlohmann::json::parse(strategy_.factory().params_schema);
  EXPECT_EQ(schema["additionalProperties"], false);
  for (const char* key : {"fast", "slow", "quantity"}) {
    ASSERT_TRUE(schema["properties"].contains(key)) << key;
    EXPECT_TRUE(schema["properties"][key].contains("description")) << key;
    EXPECT_TRUE(schema["properties"][key].contains("default")) << key;
  }
  // Found by scanning the build's plugin folder, as `keel run` would; the
  // defaults make a valid instance.
  Host scanning;
  scanning.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
  FakeHost fake;
  StrategyUnderTest defaults;
  Status status = defaults.create(scanning, "keel.sma_cross", "{}", fake, /*discover_only=*/true);
  EXPECT_TRUE(status) << status.message();
}

// fast = 2, slow = 3, quantity = 5. Fills are delivered (fill, then FILLED)
// after each order, before the next bar, as the engine does.
//
//   bar close  SMA2   SMA3   signal  position  order
//    0   10     -      -       -        0      (fewer than 3 bars)
//    1   10     -      -       -        0      (fewer than 3 bars)
//    2   10    10     10      flat      0      -        (equal is not above)
//    3   13    11.5   11      long      0      BUY 5
//    4   13    13     12      long      5      -
//    5   10    11.5   12      flat      5      SELL 5
//    6   10    10     11      flat      0      -
//    7   16    13     12      long      0      BUY 5
//    8   16    16     14      long      5      -
//    9    4    10     12      flat      5      SELL 5
TEST_F(StrategySmaCross, HandComputedCrossoversGiveExactOrders) {
  create();
  strategy_.start({kA});
  const std::vector<double> closes{10, 10, 10, 13, 13, 10, 10, 16, 16, 4};
  size_t handled = 0;
  for (double close : closes) {
    strategy_.bar(kA, close);
    if (fake_.submits.size() > handled) {  // play the venue: fill it all at this close
      handled = fake_.submits.size();
      strategy_.update(last(), KEEL_ORDER_PENDING);
      strategy_.update(last(), KEEL_ORDER_ACCEPTED);
      strategy_.fill_completely(last(), close);
    }
  }
  const std::vector<OrderRow> expected{{3, KEEL_SIDE_BUY, 5.0},
                                       {5, KEEL_SIDE_SELL, 5.0},
                                       {7, KEEL_SIDE_BUY, 5.0},
                                       {9, KEEL_SIDE_SELL, 5.0}};
  EXPECT_EQ(rows(fake_), expected);
  for (const SubmittedOrder& o : fake_.submits) {
    EXPECT_EQ(o.request.struct_size, sizeof(keel_order_request_t));
    EXPECT_EQ(o.request.instrument, kA);
    EXPECT_EQ(o.request.type, KEEL_ORDER_MARKET);
    EXPECT_EQ(o.request.time_in_force, KEEL_TIF_GTC);
  }
  EXPECT_TRUE(fake_.cancels.empty());
  strategy_.stop();
}

// Closes 10, 20, 30: SMA2 > SMA of what has been seen from the second bar
// on, but nothing may be sent before the third bar.
TEST_F(StrategySmaCross, NoOrderBeforeSlowBars) {
  create();
  strategy_.start({kA});
  strategy_.bar(kA, 10);
  strategy_.bar(kA, 20);
  EXPECT_TRUE(fake_.submits.empty());
  strategy_.bar(kA, 30);  // SMA2 25 > SMA3 20
  const std::vector<OrderRow> expected{{2, KEEL_SIDE_BUY, 5.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// BUY 5 at bar 3 is left pending (PENDING, then ACCEPTED, no fill) across
// bars 4..6, where the signal turns flat (bar 5: SMA2 11.5 < SMA3 12): no
// order is sent. Once it fills, bar 7 (SMA2 10 = SMA3 10, flat) sells the 5.
TEST_F(StrategySmaCross, NoSecondOrderWhilePending) {
  create();
  strategy_.start({kA});
  for (double close : {10.0, 10.0, 10.0, 13.0}) strategy_.bar(kA, close);
  ASSERT_EQ(fake_.submits.size(), 1u);
  const SubmittedOrder buy = last();
  strategy_.bar(kA, 13);  // long; pending
  strategy_.update(buy, KEEL_ORDER_PENDING);
  strategy_.bar(kA, 10);  // flat; pending
  strategy_.update(buy, KEEL_ORDER_ACCEPTED);
  strategy_.bar(kA, 10);  // flat; still pending (ACCEPTED is not terminal)
  EXPECT_EQ(fake_.submits.size(), 1u);
  strategy_.fill_completely(buy, 13);
  strategy_.bar(kA, 10);
  const std::vector<OrderRow> expected{{3, KEEL_SIDE_BUY, 5.0}, {7, KEEL_SIDE_SELL, 5.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// The BUY 5 at bar 3 fills 2 then 1 and the rest is cancelled: the strategy
// holds 3. Bar 4 (close 7: SMA2 10 = SMA3 10) is flat: it sells exactly 3.
TEST_F(StrategySmaCross, GoingFlatSellsExactlyTheHeldQuantity) {
  create();
  strategy_.start({kA});
  for (double close : {10.0, 10.0, 10.0, 13.0}) strategy_.bar(kA, close);
  ASSERT_EQ(fake_.submits.size(), 1u);
  const SubmittedOrder buy = last();
  strategy_.update(buy, KEEL_ORDER_ACCEPTED);
  strategy_.fill(buy, 2, 13);
  strategy_.update(buy, KEEL_ORDER_PARTIALLY_FILLED, 2);
  strategy_.fill(buy, 1, 13.01);
  strategy_.update(buy, KEEL_ORDER_PARTIALLY_FILLED, 3);
  strategy_.update(buy, KEEL_ORDER_CANCELED, 3);
  strategy_.bar(kA, 7);
  const std::vector<OrderRow> expected{{3, KEEL_SIDE_BUY, 5.0}, {4, KEEL_SIDE_SELL, 3.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// A partially filled order that ends (here EXPIRED) while the signal is
// still long is topped up to the target: BUY 5, 4 filled, then BUY 1.
TEST_F(StrategySmaCross, TopsUpAPartialFillWhileStillLong) {
  create();
  strategy_.start({kA});
  for (double close : {10.0, 10.0, 10.0, 13.0}) strategy_.bar(kA, close);
  ASSERT_EQ(fake_.submits.size(), 1u);
  const SubmittedOrder buy = last();
  strategy_.fill(buy, 4, 13);
  strategy_.update(buy, KEEL_ORDER_EXPIRED, 4);
  strategy_.bar(kA, 13);  // SMA2 13 > SMA3 12
  const std::vector<OrderRow> expected{{3, KEEL_SIDE_BUY, 5.0}, {4, KEEL_SIDE_BUY, 1.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// A submit refused by a risk check (KEEL_ERR_REJECTED) is logged and the
// strategy carries on: it tries again on the next bar where the target
// still differs. A REJECTED update for a live order frees it the same way.
TEST_F(StrategySmaCross, SurvivesRejections) {
  create();
  strategy_.start({kA});
  fake_.reject_next_submits = 1;
  for (double close : {10.0, 10.0, 10.0, 13.0}) strategy_.bar(kA, close);
  EXPECT_EQ(fake_.refused.size(), 1u);
  EXPECT_TRUE(fake_.submits.empty());
  EXPECT_TRUE(fake_.logged(KEEL_LOG_WARN, "max notional exceeded (fake)"));
  strategy_.bar(kA, 13);  // bar 4: still long, retried
  ASSERT_EQ(fake_.submits.size(), 1u);
  strategy_.update(last(), KEEL_ORDER_REJECTED, 0, "venue closed");
  EXPECT_TRUE(fake_.logged(KEEL_LOG_WARN, "venue closed"));
  strategy_.bar(kA, 14);  // bar 5: SMA2 13.5 > SMA3 13.33: retried again
  const std::vector<OrderRow> expected{{4, KEEL_SIDE_BUY, 5.0}, {5, KEEL_SIDE_BUY, 5.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// Two instruments, bars interleaved: each has its own windows, position and
// pending order. A (10,10,10,13) buys at its 4th bar; B (20,20,20,26) buys at
// its 4th bar although A's order is still pending; B (..., 14) then sells.
TEST_F(StrategySmaCross, InstrumentsAreIndependent) {
  create();
  strategy_.start({kA, kB});
  const std::vector<double> a{10, 10, 10, 13}, b{20, 20, 20, 26};
  for (size_t i = 0; i < a.size(); ++i) {
    strategy_.bar(kA, a[i]);  // event 2i
    strategy_.bar(kB, b[i]);  // event 2i+1
  }
  ASSERT_EQ(fake_.submits.size(), 2u);
  EXPECT_EQ(fake_.submits[0].request.instrument, kA);
  EXPECT_EQ(fake_.submits[1].request.instrument, kB);
  strategy_.fill_completely(fake_.submits[1], 26);
  strategy_.bar(kB, 14);  // B: SMA2 20 = SMA3 20 -> flat: sell 5
  strategy_.bar(kA, 7);   // A: flat too, but its BUY is still pending
  ASSERT_EQ(fake_.submits.size(), 3u);
  EXPECT_EQ(fake_.submits[2].request.instrument, kB);
  const std::vector<OrderRow> expected{
      {6, KEEL_SIDE_BUY, 5.0}, {7, KEEL_SIDE_BUY, 5.0}, {8, KEEL_SIDE_SELL, 5.0}};
  EXPECT_EQ(rows(fake_), expected);
}

// Bars of an instrument on_start did not list still work (state is made on
// first sight).
TEST_F(StrategySmaCross, InstrumentNotListedAtStart) {
  create();
  strategy_.start({});
  for (double close : {10.0, 10.0, 10.0, 13.0}) strategy_.bar(7, close);
  ASSERT_EQ(fake_.submits.size(), 1u);
  EXPECT_EQ(fake_.submits[0].request.instrument, 7u);
}

// The ring buffers and running sums against a brute-force reference over a
// long random walk (integer closes keep both sums exact, so the decisions
// must agree bar for bar), with every order filled at once.
TEST_F(StrategySmaCross, RunningSumsMatchBruteForceOverALongSeries) {
  const int fast = 5, slow = 20;
  create(R"({"fast": 5, "slow": 20, "quantity": 2})");
  strategy_.start({kA});
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> step(-3, 3);
  std::vector<double> closes;
  double price = 1000;
  std::vector<OrderRow> expected;
  double position = 0;
  for (size_t i = 0; i < 20000; ++i) {
    price += step(rng);
    closes.push_back(price);
    if (closes.size() >= static_cast<size_t>(slow)) {
      double fast_sum = 0, slow_sum = 0;
      for (int k = 0; k < slow; ++k) slow_sum += closes[closes.size() - 1 - k];
      for (int k = 0; k < fast; ++k) fast_sum += closes[closes.size() - 1 - k];
      const bool long_signal = fast_sum / fast > slow_sum / slow;
      const double target = long_signal ? 2 : 0;
      if (target != position) {
        expected.emplace_back(i, target > position ? KEEL_SIDE_BUY : KEEL_SIDE_SELL, 2.0);
        position = target;
      }
    }
    const size_t before = fake_.submits.size();
    strategy_.bar(kA, price);
    if (fake_.submits.size() > before) strategy_.fill_completely(last(), price);
  }
  ASSERT_GT(expected.size(), 100u);
  EXPECT_EQ(rows(fake_), expected);
}

TEST_F(StrategySmaCross, BadParamsNameTheParam) {
  const char* id = "keel.sma_cross";
  expect_create_fails(id, R"({"fast": 3, "slow": 3})", KEEL_ERR_INVALID_ARGUMENT, "/slow");
  expect_create_fails(id, R"({"fast": 5, "slow": 3})", KEEL_ERR_INVALID_ARGUMENT, "/slow");
  expect_create_fails(id, R"({"fast": 0, "slow": 3})", KEEL_ERR_INVALID_ARGUMENT, "/fast");
  expect_create_fails(id, R"({"fast": 1.5, "slow": 3})", KEEL_ERR_INVALID_ARGUMENT, "/fast");
  expect_create_fails(id, R"({"fast": 2, "slow": 3, "quantity": 0})", KEEL_ERR_INVALID_ARGUMENT,
                      "/quantity");
  expect_create_fails(id, R"({"fast": 2, "slow": 3, "quantity": -1})", KEEL_ERR_INVALID_ARGUMENT,
                      "/quantity");
  expect_create_fails(id, R"({"fast": 2, "slow": 3, "quantity": "5"})", KEEL_ERR_INVALID_ARGUMENT,
                      "/quantity");
  expect_create_fails(id, R"({"fast": 2, "slow": 3, "quantity": 1, "slwo": 4})",
                      KEEL_ERR_INVALID_ARGUMENT, "/slwo: unknown param");
  expect_create_fails(id, R"([1, 2])", KEEL_ERR_INVALID_ARGUMENT, "object");
}

}  // namespace
}  // namespace keel::test
