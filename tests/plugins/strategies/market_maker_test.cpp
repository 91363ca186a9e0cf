// keel.market_maker through the real loader with a fake host: hand-computed
// tick-rounded quotes, cancel-then-replace requoting, position limits and
// refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "strategy_test_support.hpp"

namespace keel::test {
namespace {

constexpr keel_instrument_id_t kA = 0;
constexpr keel_instrument_id_t kB = 1;

class StrategyMarketMaker : public StrategyPluginTest {
 protected:
  void create(const std::string& params = R"({"spread_bps": 10, "quantity": 1,
                                              "max_position": 2})") {
    Status status = strategy_.create(host_, "keel.market_maker", params, fake_);
    ASSERT_TRUE(status) << status.message();
  }
  void expect_order(size_t index, int32_t side, double price, double quantity = 1) {
    ASSERT_LT(index, fake_.submits.size());
    const keel_order_request_t& r = fake_.submits[index].request;
    EXPECT_EQ(r.struct_size, sizeof(keel_order_request_t));
    EXPECT_EQ(r.side, side) << "order " << index;
    EXPECT_EQ(r.type, KEEL_ORDER_LIMIT) << "order " << index;
    EXPECT_EQ(r.time_in_force, KEEL_TIF_GTC) << "order " << index;
    EXPECT_DOUBLE_EQ(r.limit_price, price) << "order " << index;
    EXPECT_DOUBLE_EQ(r.quantity, quantity) << "order " << index;
  }
  const SubmittedOrder& order(size_t index) const { return fake_.submits.at(index); }

  FakeHost fake_;
  StrategyUnderTest strategy_;
};

TEST_F(StrategyMarketMaker, FactoryIsAStrategyWithADocumentedSchema) {
  create();
  EXPECT_EQ(strategy_.factory().kind, FactoryKind::strategy);
  EXPECT_EQ(strategy_.factory().plugin->facts().id, "keel.market_maker");
  const nlohmann::json schema = nlohmann::json::parse(strategy_.factory().params_schema);
  EXPECT_EQ(schema["additionalProperties"], false);
  for (const char* key : {"spread_bps", "quantity", "max_position", "requote_threshold_bps"}) {
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
  Status status =
      defaults.create(scanning, "keel.market_maker", "{}", fake, /*discover_only=*/true);
  EXPECT_TRUE(status) << status.message();
}

// Tick 0.05 from instrument_get. Quote 100.002 / 100.004: mid 100.003.
//   bid: 100.003 * (1 - 10/2/1e4) = 99.9529985 -> 1999.06 ticks -> down -> 99.95
//   ask: 100.003 * (1 + 10/2/1e4) = 100.0530015 -> 2001.06 ticks -> up -> 100.10
TEST_F(StrategyMarketMaker, FirstQuotePostsOneBidAndOneAskAtTickRoundedPrices) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  EXPECT_GE(fake_.instrument_get_calls, 1);
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 2u);
  expect_order(0, KEEL_SIDE_BUY, 99.95);
  expect_order(1, KEEL_SIDE_SELL, 100.10);
  EXPECT_EQ(order(0).request.instrument, kA);
  EXPECT_NE(order(0).request.client_tag, order(1).request.client_tag);
  // The same quote again changes nothing.
  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.submits.size(), 2u);
  EXPECT_TRUE(fake_.cancels.empty());
}

// Without a tick from the host (no instrument_get, or NOT_FOUND) 0.01 is used:
//   bid 99.9529985 -> 9995.3 ticks -> 99.95; ask 100.0530015 -> 10005.3 -> 100.06
TEST_F(StrategyMarketMaker, TickFallsBackToOneCent) {
  fake_.table.instrument_get = nullptr;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 2u);
  expect_order(0, KEEL_SIDE_BUY, 99.95);
  expect_order(1, KEEL_SIDE_SELL, 100.06);
  EXPECT_TRUE(fake_.logged(KEEL_LOG_INFO, "0.01"));

  FakeHost unknown;  // has instrument_get, but not for this instrument
  StrategyUnderTest other;
  ASSERT_TRUE(other.create(host_, "keel.market_maker", R"({"spread_bps": 10})", unknown));
  other.start({kB});
  other.quote(kB, 100.002, 100.004);
  ASSERT_EQ(unknown.submits.size(), 2u);
  EXPECT_DOUBLE_EQ(unknown.submits[0].request.limit_price, 99.95);
  EXPECT_DOUBLE_EQ(unknown.submits[1].request.limit_price, 100.06);
}

// Mid 100.003 -> 101 (quote 100.99 / 101.01), tick 0.05:
//   bid 101 * 0.9995 = 100.9495 -> 2018.99 ticks -> 100.90
//   ask 101 * 1.0005 = 101.0505 -> 2021.01 ticks -> 101.10
// Both working orders are cancelled; each replacement is sent only when its
// cancel is confirmed.
TEST_F(StrategyMarketMaker, MidMoveCancelsThenReplacesAfterConfirmation) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 2u);
  strategy_.update(order(0), KEEL_ORDER_ACCEPTED);
  strategy_.update(order(1), KEEL_ORDER_ACCEPTED);

  strategy_.quote(kA, 100.99, 101.01);
  ASSERT_EQ(fake_.cancels.size(), 2u);
  EXPECT_EQ(fake_.cancels[0].bits, order(0).handle.bits);
  EXPECT_EQ(fake_.cancels[1].bits, order(1).handle.bits);
  EXPECT_EQ(fake_.submits.size(), 2u) << "no replacement before the cancel is confirmed";

  strategy_.update(order(0), KEEL_ORDER_CANCELED);
  ASSERT_EQ(fake_.submits.size(), 3u);
  expect_order(2, KEEL_SIDE_BUY, 100.90);
  strategy_.update(order(1), KEEL_ORDER_CANCELED);
  ASSERT_EQ(fake_.submits.size(), 4u);
  expect_order(3, KEEL_SIDE_SELL, 101.10);
  EXPECT_EQ(fake_.cancels.size(), 2u);
}

// Quotes that arrive while a cancel is in flight send nothing more (no second
// cancel, no second order on the side); the replacement goes out at the
// latest prices. Mid 101.5: bid 101.44925 -> 101.40, ask 101.55075 -> 101.60.
TEST_F(StrategyMarketMaker, ReplacementUsesTheLatestMid) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  strategy_.quote(kA, 100.99, 101.01);
  ASSERT_EQ(fake_.cancels.size(), 2u);
  strategy_.quote(kA, 101.49, 101.51);
  strategy_.quote(kA, 101.48, 101.52);  // same mid
  EXPECT_EQ(fake_.cancels.size(), 2u);
  EXPECT_EQ(fake_.submits.size(), 2u);
  strategy_.update(order(1), KEEL_ORDER_CANCELED);
  strategy_.update(order(0), KEEL_ORDER_CANCELED);
  ASSERT_EQ(fake_.submits.size(), 4u);
  expect_order(2, KEEL_SIDE_SELL, 101.60);
  expect_order(3, KEEL_SIDE_BUY, 101.40);
}

// A side whose rounded price does not change keeps its order (and its place
// in the queue): mid 100.003 -> 100.004 still rounds to 99.95 / 100.10.
TEST_F(StrategyMarketMaker, UnchangedRoundedPriceKeepsTheOrder) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  strategy_.quote(kA, 100.003, 100.005);
  EXPECT_TRUE(fake_.cancels.empty());
  EXPECT_EQ(fake_.submits.size(), 2u);
}

// An order that fills while its cancel is in flight frees the side too; the
// ask filled 1, so the position is -1 and the replacement ask (-2 >= -2) is
// still allowed.
TEST_F(StrategyMarketMaker, FillDuringCancelAlsoFreesTheSide) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  strategy_.quote(kA, 100.99, 101.01);
  ASSERT_EQ(fake_.cancels.size(), 2u);
  strategy_.fill_completely(order(1), 100.10);
  ASSERT_EQ(fake_.submits.size(), 3u);
  expect_order(2, KEEL_SIDE_SELL, 101.10);
}

// Position +2 = max_position (from the host at start): 2 + 1 > 2, so no bid.
// The ask fills: position 1, and on the FILLED update both sides quote again.
TEST_F(StrategyMarketMaker, NoBidAtMaxPosition) {
  fake_.ticks[kA] = 0.05;
  fake_.positions[kA] = 2;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 1u);
  expect_order(0, KEEL_SIDE_SELL, 100.10);
  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.submits.size(), 1u);

  strategy_.fill_completely(order(0), 100.10);
  ASSERT_EQ(fake_.submits.size(), 3u);
  expect_order(1, KEEL_SIDE_BUY, 99.95);
  expect_order(2, KEEL_SIDE_SELL, 100.10);
}

// The same limit reached through fills: max_position 1, quantity 1. The bid
// fills (position 1): no new bid; the ask fills (position 0): both again.
TEST_F(StrategyMarketMaker, PositionLimitFromFills) {
  fake_.ticks[kA] = 0.05;
  create(R"({"spread_bps": 10, "quantity": 1, "max_position": 1})");
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 2u);
  strategy_.fill_completely(order(0), 99.95);
  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.submits.size(), 2u);
  strategy_.fill_completely(order(1), 100.10);
  ASSERT_EQ(fake_.submits.size(), 4u);
  expect_order(2, KEEL_SIDE_BUY, 99.95);
  expect_order(3, KEEL_SIDE_SELL, 100.10);
}

// quantity 2, max_position 2: the bid fills 1 (position 1; 1 + 2 > 2), so
// the working rest of the bid is cancelled and not replaced.
TEST_F(StrategyMarketMaker, PartialFillThatReachesTheLimitCancelsTheSide) {
  fake_.ticks[kA] = 0.05;
  create(R"({"spread_bps": 10, "quantity": 2, "max_position": 2})");
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  ASSERT_EQ(fake_.submits.size(), 2u);
  strategy_.fill(order(0), 1, 99.95);
  strategy_.update(order(0), KEEL_ORDER_PARTIALLY_FILLED, 1);
  ASSERT_EQ(fake_.cancels.size(), 1u);
  EXPECT_EQ(fake_.cancels[0].bits, order(0).handle.bits);
  strategy_.update(order(0), KEEL_ORDER_CANCELED, 1);
  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.submits.size(), 2u);
  EXPECT_EQ(fake_.cancels.size(), 1u);
}

// The bid is refused at submit (KEEL_ERR_REJECTED): logged, the ask still
// goes out, the callback succeeds, and the bid is not retried at the same
// price. When the mid moves the bid is retried at its new price (100.90).
TEST_F(StrategyMarketMaker, SurvivesARefusedSubmit) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  fake_.reject_next_submits = 1;
  strategy_.quote(kA, 100.002, 100.004);  // check()s that on_quote returned KEEL_OK
  ASSERT_EQ(fake_.refused.size(), 1u);
  EXPECT_EQ(fake_.refused[0].side, KEEL_SIDE_BUY);
  ASSERT_EQ(fake_.submits.size(), 1u);
  expect_order(0, KEEL_SIDE_SELL, 100.10);
  EXPECT_TRUE(fake_.logged(KEEL_LOG_WARN, "max notional exceeded (fake)"));

  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.refused.size(), 1u);
  EXPECT_EQ(fake_.submits.size(), 1u);

  strategy_.quote(kA, 100.99, 101.01);
  ASSERT_EQ(fake_.submits.size(), 2u);
  expect_order(1, KEEL_SIDE_BUY, 100.90);
  ASSERT_EQ(fake_.cancels.size(), 1u);
  EXPECT_EQ(fake_.cancels[0].bits, order(0).handle.bits);
}

// A venue REJECTED update frees the side without an immediate resubmit.
TEST_F(StrategyMarketMaker, VenueRejectionIsNotRetriedAtOnce) {
  fake_.ticks[kA] = 0.05;
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 100.002, 100.004);
  strategy_.update(order(0), KEEL_ORDER_REJECTED, 0, "price band");
  EXPECT_TRUE(fake_.logged(KEEL_LOG_WARN, "price band"));
  strategy_.quote(kA, 100.002, 100.004);
  EXPECT_EQ(fake_.submits.size(), 2u);
  strategy_.quote(kA, 100.99, 101.01);  // new price: bid retried, ask cancelled
  ASSERT_EQ(fake_.submits.size(), 3u);
  expect_order(2, KEEL_SIDE_BUY, 100.90);
}

// requote_threshold_bps 5 around mid 100 (bid 99.95, ask 100.05): a 4 bp
// move leaves the quotes, a 6 bp move (mid 100.06) requotes at
// 100.00997 -> 100.00 and 100.11003 -> 100.15.
TEST_F(StrategyMarketMaker, RequoteThreshold) {
  fake_.ticks[kA] = 0.05;
  create(R"({"spread_bps": 10, "quantity": 1, "max_position": 2,
             "requote_threshold_bps": 5})");
  strategy_.start({kA});
  strategy_.quote(kA, 99.99, 100.01);
  ASSERT_EQ(fake_.submits.size(), 2u);
  expect_order(0, KEEL_SIDE_BUY, 99.95);
  expect_order(1, KEEL_SIDE_SELL, 100.05);
  strategy_.quote(kA, 100.03, 100.05);
  EXPECT_TRUE(fake_.cancels.empty());
  strategy_.quote(kA, 100.05, 100.07);
  ASSERT_EQ(fake_.cancels.size(), 2u);
  strategy_.update(order(0), KEEL_ORDER_CANCELED);
  strategy_.update(order(1), KEEL_ORDER_CANCELED);
  ASSERT_EQ(fake_.submits.size(), 4u);
  expect_order(2, KEEL_SIDE_BUY, 100.00);
  expect_order(3, KEEL_SIDE_SELL, 100.15);
}

TEST_F(StrategyMarketMaker, OneSidedOrCrossedQuotesAreIgnored) {
  create();
  strategy_.start({kA});
  strategy_.quote(kA, 0, 100);
  strategy_.quote(kA, 101, 100);
  strategy_.quote(kA, NAN, 100);
  EXPECT_TRUE(fake_.submits.empty());
}

// Random quotes, cancel confirmations and fills in random order: the
// strategy never has two open orders on one side, never cancels an order
// twice or one that is closed, and its position stays within the limit.
TEST_F(StrategyMarketMaker, InvariantsUnderRandomEvents) {
  fake_.ticks[kA] = 0.01;
  create(R"({"spread_bps": 4, "quantity": 1, "max_position": 3})");
  strategy_.start({kA});
  struct Open {
    bool cancel_requested = false;
  };
  std::map<uint64_t, Open> open;  // handle bits -> state
  std::map<uint64_t, size_t> index_of;
  size_t submits_seen = 0, cancels_seen = 0;
  double position = 0;
  std::mt19937 rng(11);
  double mid = 100;
  size_t fills = 0, confirmed_cancels = 0;
  for (int step = 0; step < 5000; ++step) {
    const unsigned r = rng() % 4;
    if (r <= 1) {
      mid += 0.01 * (static_cast<int>(rng() % 7) - 3);
      strategy_.quote(kA, mid - 0.01, mid + 0.01);
    } else if (!open.empty()) {
      auto it = open.begin();
      std::advance(it, rng() % open.size());
      const SubmittedOrder o = order(index_of[it->first]);
      const bool cancelled = it->second.cancel_requested && r == 2;
      open.erase(it);
      if (cancelled) {
        ++confirmed_cancels;
        strategy_.update(o, KEEL_ORDER_CANCELED);
      } else {
        ++fills;
        position += o.request.side == KEEL_SIDE_BUY ? 1 : -1;
        strategy_.fill_completely(o, o.request.limit_price);
      }
    }
    // Take in what the strategy did during that event.
    for (; cancels_seen < fake_.cancels.size(); ++cancels_seen) {
      auto it = open.find(fake_.cancels[cancels_seen].bits);
      ASSERT_NE(it, open.end()) << "cancel of a closed order at step " << step;
      ASSERT_FALSE(it->second.cancel_requested) << "second cancel at step " << step;
      it->second.cancel_requested = true;
    }
    for (; submits_seen < fake_.submits.size(); ++submits_seen) {
      open[order(submits_seen).handle.bits] = Open{};
      index_of[order(submits_seen).handle.bits] = submits_seen;
    }
    int bids = 0, asks = 0;
    for (const auto& [bits, state] : open) {
      (order(index_of[bits]).request.side == KEEL_SIDE_BUY ? bids : asks)++;
    }
    ASSERT_LE(bids, 1) << "step " << step;
    ASSERT_LE(asks, 1) << "step " << step;
    ASSERT_LE(std::fabs(position), 3.0) << "step " << step;
  }
  EXPECT_GT(fills, 100u);
  EXPECT_GT(confirmed_cancels, 100u);
}

TEST_F(StrategyMarketMaker, BadParamsNameTheParam) {
  const char* id = "keel.market_maker";
  const keel_status_t invalid = KEEL_ERR_INVALID_ARGUMENT;
  expect_create_fails(id, R"({"spread_bps": 0})", invalid, "/spread_bps");
  expect_create_fails(id, R"({"spread_bps": -3})", invalid, "/spread_bps");
  expect_create_fails(id, R"({"quantity": 0})", invalid, "/quantity");
  expect_create_fails(id, R"({"max_position": 0})", invalid, "/max_position");
  expect_create_fails(id, R"({"quantity": 5, "max_position": 2})", invalid, "/max_position");
  expect_create_fails(id, R"({"requote_threshold_bps": -1})", invalid, "/requote_threshold_bps");
  expect_create_fails(id, R"({"spread_bsp": 10})", invalid, "/spread_bsp: unknown param");
}

}  // namespace
}  // namespace keel::test
