// The simulated venue on its own: every fill rule of engine/run/venue.hpp,
// with orders built by hand and market events fed to Venue::match.
//
// Conventions: instrument 0 unless said; quote(ts, bid, bid_size, ask,
// ask_size); bar(ts, open, high, low, close, volume). Every expected price is
// one of the event's prices or the order's limit/stop, picked by the rule the
// test names; quantities are worked out in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/market/market_event.hpp"
#include "engine/run/order.hpp"
#include "engine/run/venue.hpp"

namespace keel {
namespace {

constexpr int32_t BUY = KEEL_SIDE_BUY;
constexpr int32_t SELL = KEEL_SIDE_SELL;
constexpr int32_t MAKER = KEEL_LIQUIDITY_MAKER;
constexpr int32_t TAKER = KEEL_LIQUIDITY_TAKER;

std::string describe(const std::vector<VenueEvent>& events) {
  std::ostringstream out;
  out << events.size() << " event(s):";
  for (const VenueEvent& e : events) {
    switch (e.kind) {
      case VenueEvent::Kind::fill:
        out << " [fill order " << e.order_id << " " << e.quantity << " @ " << e.price << " "
            << (e.liquidity == MAKER ? "maker" : "taker") << "]";
        break;
      case VenueEvent::Kind::expired:
        out << " [expired order " << e.order_id << "]";
        break;
      case VenueEvent::Kind::canceled:
        out << " [canceled order " << e.order_id << "]";
        break;
    }
  }
  return out.str();
}

::testing::AssertionResult is_fill(const std::vector<VenueEvent>& events, size_t index,
                                   uint64_t order_id, double quantity, double price,
                                   int32_t liquidity) {
  if (index >= events.size()) {
    return ::testing::AssertionFailure() << "no event #" << index << "; " << describe(events);
  }
  const VenueEvent& e = events[index];
  if (e.kind != VenueEvent::Kind::fill || e.order_id != order_id ||
      std::abs(e.quantity - quantity) > 1e-9 || std::abs(e.price - price) > 1e-9 ||
      e.liquidity != liquidity) {
    return ::testing::AssertionFailure()
           << "event #" << index << " is not [fill order " << order_id << " " << quantity << " @ "
           << price << " " << (liquidity == MAKER ? "maker" : "taker") << "]; " << describe(events);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult is_expiry(const std::vector<VenueEvent>& events, size_t index,
                                     uint64_t order_id) {
  if (index >= events.size() || events[index].kind != VenueEvent::Kind::expired ||
      events[index].order_id != order_id) {
    return ::testing::AssertionFailure() << "event #" << index << " is not [expired order "
                                         << order_id << "]; " << describe(events);
  }
  return ::testing::AssertionSuccess();
}

class VenueFixture : public ::testing::Test {
 protected:
  VenueSpec spec;            // tests change it before the first order
  std::vector<double> lots;  // per instrument lot sizes (empty: no rounding), ditto
  OrderStore store;

  Venue& venue() {
    if (!venue_) venue_ = std::make_unique<Venue>(spec, 2, store, lots);
    return *venue_;
  }

  // An order sent at `submitted` that has reached the venue.
  Order& send(int32_t side, int32_t type, double quantity, double limit = 0, double stop = 0,
              int32_t tif = KEEL_TIF_GTC, keel_timestamp_t submitted = 0, size_t strategy = 0,
              keel_instrument_id_t instrument = 0) {
    Order& o = make(side, type, quantity, limit, stop, tif, submitted, strategy, instrument);
    arrived_.clear();
    venue().arrive(o, arrived_);
    return o;
  }
  // An order that has not reached the venue (still travelling).
  Order& make(int32_t side, int32_t type, double quantity, double limit = 0, double stop = 0,
              int32_t tif = KEEL_TIF_GTC, keel_timestamp_t submitted = 0, size_t strategy = 0,
              keel_instrument_id_t instrument = 0) {
    Order& o = store.create();
    o.strategy = strategy;
    o.request.struct_size = sizeof o.request;
    o.request.instrument = instrument;
    o.request.side = side;
    o.request.type = type;
    o.request.time_in_force = tif;
    o.request.quantity = quantity;
    o.request.limit_price = limit;
    o.request.stop_price = stop;
    o.submitted_ts = submitted;
    o.arrival_ts = submitted;
    return o;
  }

  std::vector<VenueEvent> quote(keel_timestamp_t ts, double bid, double bid_size, double ask,
                                double ask_size, keel_instrument_id_t instrument = 0) {
    MarketEvent e;
    e.kind = MarketEventKind::quote;
    e.as.quote = keel_quote_t{ts, instrument, 0, bid, bid_size, ask, ask_size};
    return match(e);
  }
  std::vector<VenueEvent> trade(keel_timestamp_t ts, double price, double size,
                                keel_instrument_id_t instrument = 0) {
    MarketEvent e;
    e.kind = MarketEventKind::trade;
    e.as.trade = keel_trade_t{ts, instrument, 0, price, size};
    return match(e);
  }
  // A depth update: the level `price` of `side` now holds `size` (0 removes it).
  std::vector<VenueEvent> book(keel_timestamp_t ts, int32_t side, double price, double size,
                               keel_instrument_id_t instrument = 0) {
    MarketEvent e;
    e.kind = MarketEventKind::book;
    e.as.book = keel_book_update_t{ts, instrument, side, price, size, ts};
    return match(e);
  }
  std::vector<VenueEvent> bar(keel_timestamp_t ts, double open, double high, double low,
                              double close, double volume, keel_instrument_id_t instrument = 0) {
    MarketEvent e;
    e.kind = MarketEventKind::bar;
    e.as.bar = keel_bar_t{ts, instrument, 0, open, high, low, close, volume};
    return match(e);
  }

 private:
  std::vector<VenueEvent> match(const MarketEvent& e) {
    std::vector<VenueEvent> out;
    venue().match(e, out);
    return out;
  }
  std::unique_ptr<Venue> venue_;

 protected:
  std::vector<VenueEvent> arrived_;  // what the last send() did on arrival (depth)
};

// ============================================================================
// Quotes
// ============================================================================

class RunVenueQuotes : public VenueFixture {};

TEST_F(RunVenueQuotes, MarketBuyTakesTheAskUpToItsDisplayedSizeAndTheRestWaits) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 100);
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  // 60 shown at 100.00: 60 of 100 fill there, 40 wait (GTC).
  auto e = quote(1000, 99.90, 50, 100.00, 60);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 60, 100.00, TAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_PARTIALLY_FILLED);
  EXPECT_DOUBLE_EQ(o.remaining(), 40);
  EXPECT_EQ(venue().working_orders(), 1u);
  // The next quote shows 500 at 100.20: the remaining 40 take it.
  e = quote(2000, 100.10, 50, 100.20, 500);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 40, 100.20, TAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
  // average = (60 * 100.00 + 40 * 100.20) / 100 = (6000 + 4008) / 100 = 100.08
  EXPECT_NEAR(o.average_price, 100.08, 1e-9);
  EXPECT_EQ(venue().working_orders(), 0u);
  EXPECT_TRUE(quote(3000, 99.0, 100, 99.5, 100).empty());
}

TEST_F(RunVenueQuotes, MarketSellHitsTheBidUpToItsDisplayedSize) {
  Order& o = send(SELL, KEEL_ORDER_MARKET, 100);
  auto e = quote(1000, 99.90, 70, 100.00, 10);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 70, 99.90, TAKER));
  e = quote(2000, 99.80, 500, 99.90, 10);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 30, 99.80, TAKER));
  // average = (70 * 99.90 + 30 * 99.80) / 100 = (6993 + 2994) / 100 = 99.87
  EXPECT_NEAR(o.average_price, 99.87, 1e-9);
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueQuotes, MarketableLimitTakesTheTouchNotItsLimit) {
  Order& buy = send(BUY, KEEL_ORDER_LIMIT, 10, 100.50);
  Order& sell = send(SELL, KEEL_ORDER_LIMIT, 10, 99.50);
  // ask 100.20 <= 100.50: the buy takes 100.20; bid 99.80 >= 99.50: the sell hits 99.80.
  auto e = quote(1000, 99.80, 100, 100.20, 100);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, buy.id, 10, 100.20, TAKER));
  EXPECT_TRUE(is_fill(e, 1, sell.id, 10, 99.80, TAKER));
}

TEST_F(RunVenueQuotes, RestingBuyLimitFillsAtItsLimitWhenALaterAskReachesIt) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 100, 100.00);
  EXPECT_TRUE(quote(1000, 99.90, 500, 100.05, 500).empty());  // 100.05 > 100.00: rests
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  // A later ask below the limit: fills at the limit (maker), up to the 30 shown.
  auto e = quote(2000, 99.80, 500, 99.95, 30);
  EXPECT_TRUE(is_fill(e, 0, o.id, 30, 100.00, MAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_PARTIALLY_FILLED);
  // An ask exactly at the limit fills too: the other 70 of the 1000 shown.
  e = quote(3000, 99.90, 500, 100.00, 1000);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 70, 100.00, MAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueQuotes, RestingSellLimitFillsAtItsLimitWhenALaterBidReachesIt) {
  Order& o = send(SELL, KEEL_ORDER_LIMIT, 10, 101.00);
  EXPECT_TRUE(quote(1000, 100.95, 100, 101.05, 100).empty());
  auto e = quote(2000, 101.05, 4, 101.10, 100);  // bid above the limit: 4 shown
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 101.00, MAKER));
  e = quote(3000, 101.00, 100, 101.10, 100);  // bid at the limit: the other 6
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 6, 101.00, MAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueQuotes, RemainderOfAMarketableGtcLimitRestsAndFillsAtItsLimit) {
  // Limit buy 100 @ 100.50 meets ask 100.20 x 60: 60 taken at the ask (taker).
  // The other 40 now rest at 100.50; a later ask of 100.30 crosses that
  // resting bid, so they fill at the resting price, 100.50 (maker).
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 100, 100.50);
  auto e = quote(1000, 100.00, 100, 100.20, 60);
  EXPECT_TRUE(is_fill(e, 0, o.id, 60, 100.20, TAKER));
  e = quote(2000, 100.10, 100, 100.30, 100);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 40, 100.50, MAKER));
}

TEST_F(RunVenueQuotes, OurOrdersShareOneQuotesSizeInArrivalOrder) {
  Order& a = send(BUY, KEEL_ORDER_LIMIT, 60, 100.00);  // arrives first
  Order& b = send(BUY, KEEL_ORDER_MARKET, 60);
  // 100 shown: a takes 60, b the 40 left; b's other 20 wait.
  auto e = quote(1000, 99.90, 100, 100.00, 100);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 60, 100.00, TAKER));
  EXPECT_TRUE(is_fill(e, 1, b.id, 40, 100.00, TAKER));
  EXPECT_EQ(a.state, KEEL_ORDER_FILLED);
  EXPECT_EQ(b.state, KEEL_ORDER_PARTIALLY_FILLED);
  e = quote(2000, 99.90, 100, 100.10, 100);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, b.id, 20, 100.10, TAKER));
}

TEST_F(RunVenueQuotes, ArrivalOrderDecidesWhoGetsTheSize) {
  Order& first = send(BUY, KEEL_ORDER_MARKET, 60);
  Order& second = send(BUY, KEEL_ORDER_LIMIT, 60, 100.00);
  auto e = quote(1000, 99.90, 100, 100.00, 100);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, first.id, 60, 100.00, TAKER));
  EXPECT_TRUE(is_fill(e, 1, second.id, 40, 100.00, TAKER));
}

TEST_F(RunVenueQuotes, BuysAndSellsDoNotShareASide) {
  Order& buy = send(BUY, KEEL_ORDER_MARKET, 50);
  Order& sell = send(SELL, KEEL_ORDER_MARKET, 50);
  // The buy uses the 50 on the ask, the sell the 50 on the bid.
  auto e = quote(1000, 99.90, 50, 100.10, 50);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, buy.id, 50, 100.10, TAKER));
  EXPECT_TRUE(is_fill(e, 1, sell.id, 50, 99.90, TAKER));
}

TEST_F(RunVenueQuotes, OtherInstrumentsQuotesDoNotTouchTheOrder) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 10);
  EXPECT_TRUE(quote(1000, 99.90, 100, 100.00, 100, /*instrument=*/1).empty());
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  EXPECT_TRUE(is_fill(quote(2000, 49.90, 100, 50.00, 100, 0), 0, o.id, 10, 50.00, TAKER));
}

// ============================================================================
// Trade prints
// ============================================================================

class RunVenueTrades : public VenueFixture {};

TEST_F(RunVenueTrades, RestingBuyLimitFillsAtItsLimitOnAPrintUpToItsSize) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 50, 100.00);
  EXPECT_TRUE(quote(1000, 99.90, 100, 100.10, 100).empty());
  EXPECT_TRUE(trade(1100, 100.05, 100).empty());  // above the limit
  auto e = trade(1200, 99.95, 20);                // below: 20 printed
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 20, 100.00, MAKER));
  e = trade(1300, 100.00, 100);  // at the limit: the other 30
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 30, 100.00, MAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueTrades, RestingSellLimitFillsAtItsLimitOnAPrintAtOrAboveIt) {
  Order& o = send(SELL, KEEL_ORDER_LIMIT, 10, 101.00);
  EXPECT_TRUE(quote(1000, 100.90, 100, 101.10, 100).empty());
  EXPECT_TRUE(trade(1100, 100.99, 100).empty());
  auto e = trade(1200, 101.10, 4);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 101.00, MAKER));
  e = trade(1300, 101.00, 50);
  EXPECT_TRUE(is_fill(e, 0, o.id, 6, 101.00, MAKER));
}

TEST_F(RunVenueTrades, PrintsFillNothingWhenFillOnTradesIsOff) {
  spec.fill_on_trades = false;
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 50, 100.00);
  EXPECT_TRUE(quote(1000, 99.90, 100, 100.10, 100).empty());
  EXPECT_TRUE(trade(1100, 99.50, 100).empty());
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  EXPECT_TRUE(is_fill(quote(1200, 99.80, 100, 99.90, 100), 0, o.id, 50, 100.00, MAKER));
}

TEST_F(RunVenueTrades, TwoRestingLimitsShareOnePrintInArrivalOrder) {
  Order& a = send(BUY, KEEL_ORDER_LIMIT, 30, 100.00);
  Order& b = send(BUY, KEEL_ORDER_LIMIT, 30, 100.00);
  EXPECT_TRUE(quote(1000, 99.90, 100, 100.10, 100).empty());
  // 50 printed at 99.50: a 30, b the other 20.
  auto e = trade(1100, 99.50, 50);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 30, 100.00, MAKER));
  EXPECT_TRUE(is_fill(e, 1, b.id, 20, 100.00, MAKER));
  EXPECT_DOUBLE_EQ(b.remaining(), 10);
}

TEST_F(RunVenueTrades, MarketOrdersIgnorePrintsOnAQuotedInstrument) {
  EXPECT_TRUE(quote(500, 99.90, 100, 100.10, 100).empty());  // the instrument has quotes
  Order& o = send(BUY, KEEL_ORDER_MARKET, 10);
  EXPECT_TRUE(trade(1000, 100.00, 100).empty());
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  EXPECT_TRUE(is_fill(quote(2000, 100.10, 100, 100.20, 100), 0, o.id, 10, 100.20, TAKER));
}

TEST_F(RunVenueTrades, MarketOrderOnATradesOnlyInstrumentFillsAtThePrintUpToItsSize) {
  Order& buy = send(BUY, KEEL_ORDER_MARKET, 10);
  auto e = trade(1000, 100.30, 4);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, buy.id, 4, 100.30, TAKER));
  e = trade(2000, 100.40, 10);
  EXPECT_TRUE(is_fill(e, 0, buy.id, 6, 100.40, TAKER));
  // average = (4 * 100.30 + 6 * 100.40) / 10 = (401.2 + 602.4) / 10 = 100.36
  EXPECT_NEAR(buy.average_price, 100.36, 1e-9);
  Order& sell = send(SELL, KEEL_ORDER_MARKET, 5);
  EXPECT_TRUE(is_fill(trade(3000, 99.00, 10), 0, sell.id, 5, 99.00, TAKER));
}

TEST_F(RunVenueTrades, RestingLimitOnATradesOnlyInstrumentFillsAtItsLimit) {
  Order& o = send(SELL, KEEL_ORDER_LIMIT, 10, 101.00);
  EXPECT_TRUE(trade(1000, 100.50, 100).empty());
  EXPECT_TRUE(is_fill(trade(2000, 101.20, 100), 0, o.id, 10, 101.00, MAKER));
}

// ============================================================================
// Time in force
// ============================================================================

class RunVenueTimeInForce : public VenueFixture {};

TEST_F(RunVenueTimeInForce, IocFillsWhatTheQuoteShowsAndExpiresTheRest) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_IOC);
  auto e = quote(1000, 99.90, 100, 100.00, 60);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 60, 100.00, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, o.id));
  EXPECT_EQ(o.state, KEEL_ORDER_EXPIRED);
  EXPECT_DOUBLE_EQ(o.filled, 60);
  EXPECT_NE(o.reason.find("immediate-or-cancel"), std::string::npos) << o.reason;
  EXPECT_EQ(venue().working_orders(), 0u);
  EXPECT_TRUE(quote(2000, 99.90, 100, 100.00, 1000).empty());
}

TEST_F(RunVenueTimeInForce, IocLimitThatDoesNotCrossExpiresAtItsFirstQuote) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 99.50, 0, KEEL_TIF_IOC);
  auto e = quote(1000, 99.40, 100, 100.00, 100);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_expiry(e, 0, o.id));
  EXPECT_DOUBLE_EQ(o.filled, 0);
}

TEST_F(RunVenueTimeInForce, IocMeetsItsFirstTradeOnATradesOnlyInstrument) {
  Order& o = send(SELL, KEEL_ORDER_MARKET, 10, 0, 0, KEEL_TIF_IOC);
  auto e = trade(1000, 99.00, 4);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 99.00, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, o.id));
}

TEST_F(RunVenueTimeInForce, FokThatTheQuoteCannotFillEntirelyIsKilled) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_FOK);
  auto e = quote(1000, 99.90, 100, 100.00, 60);  // 60 < 100
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_expiry(e, 0, o.id));
  EXPECT_EQ(o.state, KEEL_ORDER_EXPIRED);
  EXPECT_DOUBLE_EQ(o.filled, 0);
  EXPECT_NE(o.reason.find("fill-or-kill"), std::string::npos) << o.reason;
  EXPECT_TRUE(quote(2000, 99.90, 100, 100.00, 1000).empty());
}

TEST_F(RunVenueTimeInForce, FokThatFitsFillsEntirely) {
  Order& o = send(SELL, KEEL_ORDER_LIMIT, 50, 99.80, 0, KEEL_TIF_FOK);
  auto e = quote(1000, 99.90, 60, 100.00, 60);  // 60 >= 50 at 99.90 >= 99.80
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 50, 99.90, TAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueTimeInForce, FokCountsOnlyTheSizeLeftByEarlierOrders) {
  Order& a = send(BUY, KEEL_ORDER_MARKET, 30);
  Order& b = send(BUY, KEEL_ORDER_MARKET, 50, 0, 0, KEEL_TIF_FOK);
  // 60 shown: a takes 30; 30 left < 50, so b is killed.
  auto e = quote(1000, 99.90, 100, 100.00, 60);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 30, 100.00, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, b.id));
}

TEST_F(RunVenueTimeInForce, IocAndFokOnBars) {
  Order& ioc = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_IOC, /*submitted=*/1000);
  // volume 60: the IOC takes 60 at the open and expires the rest.
  auto e = bar(2000, 100.50, 101.00, 100.00, 100.80, 60);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, ioc.id, 60, 100.50, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, ioc.id));

  Order& fok = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_FOK, /*submitted=*/2000);
  e = bar(3000, 100.80, 101.00, 100.50, 100.90, 60);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_expiry(e, 0, fok.id));
  EXPECT_DOUBLE_EQ(fok.filled, 0);
}

// ============================================================================
// Stops on quotes and trades
// ============================================================================

class RunVenueStops : public VenueFixture {};

TEST_F(RunVenueStops, BuyStopTriggersWhenTheAskReachesItThenTakesTheAsk) {
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00);
  EXPECT_TRUE(quote(1000, 100.80, 100, 100.90, 100).empty());  // ask 100.90 < 101
  EXPECT_FALSE(o.triggered);
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  auto e = quote(2000, 100.95, 100, 101.00, 100);  // ask reaches the stop
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 10, 101.00, TAKER));
}

TEST_F(RunVenueStops, BuyStopTakesTheAskItGapsTo) {
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00);
  EXPECT_TRUE(is_fill(quote(1000, 101.40, 100, 101.50, 100), 0, o.id, 10, 101.50, TAKER));
}

TEST_F(RunVenueStops, SellStopTriggersWhenTheBidReachesIt) {
  Order& o = send(SELL, KEEL_ORDER_STOP, 10, 0, 99.00);
  EXPECT_TRUE(quote(1000, 99.10, 100, 99.20, 100).empty());
  auto e = quote(2000, 98.80, 100, 98.90, 100);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 10, 98.80, TAKER));
}

TEST_F(RunVenueStops, StopLimitWithinItsLimitTakesTheAsk) {
  Order& o = send(BUY, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/101.50, /*stop=*/101.00);
  EXPECT_TRUE(quote(1000, 100.80, 100, 100.90, 100).empty());
  EXPECT_TRUE(is_fill(quote(2000, 101.10, 100, 101.20, 100), 0, o.id, 10, 101.20, TAKER));
}

TEST_F(RunVenueStops, StopLimitTriggeredBeyondItsLimitRestsAsALimit) {
  Order& o = send(BUY, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/101.50, /*stop=*/101.00);
  // ask 101.80 >= 101 triggers; 101.80 > 101.50, so nothing fills and it rests.
  EXPECT_TRUE(quote(1000, 101.70, 100, 101.80, 100).empty());
  EXPECT_TRUE(o.triggered);
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  // Resting limit: a later ask of 101.40 fills it at its limit 101.50 (maker).
  EXPECT_TRUE(is_fill(quote(2000, 101.30, 100, 101.40, 100), 0, o.id, 10, 101.50, MAKER));
}

TEST_F(RunVenueStops, SellStopLimitMirrors) {
  Order& o = send(SELL, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/98.50, /*stop=*/99.00);
  EXPECT_TRUE(quote(1000, 98.20, 100, 98.30, 100).empty());  // triggered, bid below the limit
  EXPECT_TRUE(o.triggered);
  EXPECT_TRUE(is_fill(quote(2000, 98.60, 100, 98.70, 100), 0, o.id, 10, 98.50, MAKER));
}

TEST_F(RunVenueStops, UntriggeredIocStopKeepsWorkingUntilTriggered) {
  // Time in force applies once the stop is reached.
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00, KEEL_TIF_IOC);
  EXPECT_TRUE(quote(1000, 100.40, 100, 100.50, 100).empty());
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  auto e = quote(2000, 101.10, 100, 101.20, 4);  // triggered: 4 fill, 6 expire
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 101.20, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, o.id));
}

TEST_F(RunVenueStops, BuyStopOnATradesOnlyInstrumentTriggersOnAPrint) {
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00);
  EXPECT_TRUE(trade(1000, 100.50, 100).empty());
  // 101.30 >= 101 triggers; as a market order it takes the print's 4.
  auto e = trade(2000, 101.30, 4);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 101.30, TAKER));
  EXPECT_TRUE(is_fill(trade(3000, 101.10, 100), 0, o.id, 6, 101.10, TAKER));
}

TEST_F(RunVenueStops, SellStopOnATradesOnlyInstrumentTriggersOnAPrint) {
  Order& o = send(SELL, KEEL_ORDER_STOP, 10, 0, 99.00);
  EXPECT_TRUE(trade(1000, 99.01, 100).empty());
  EXPECT_TRUE(is_fill(trade(2000, 99.00, 100), 0, o.id, 10, 99.00, TAKER));
}

TEST_F(RunVenueStops, StopLimitTriggeredByAPrintMatchesAsALimitAtOnce) {
  Order& o = send(SELL, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/98.50, /*stop=*/99.00);
  EXPECT_TRUE(quote(1000, 99.50, 100, 99.60, 100).empty());
  // 98.90 <= 99 triggers; 98.90 >= 98.50, so the limit fills on the print at its limit.
  auto e = trade(1100, 98.90, 100);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 10, 98.50, MAKER));
}

TEST_F(RunVenueStops, StopMarketTriggeredByAPrintOnAQuotedInstrumentTakesTheNextAsk) {
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00);
  EXPECT_TRUE(quote(1000, 100.40, 100, 100.50, 100).empty());
  EXPECT_TRUE(trade(1100, 101.20, 100).empty());  // triggers; market orders take quotes here
  EXPECT_TRUE(o.triggered);
  EXPECT_TRUE(is_fill(quote(1200, 101.40, 100, 101.50, 100), 0, o.id, 10, 101.50, TAKER));
}

TEST_F(RunVenueStops, IocStopTriggeredByAPrintExpiresAtTheFirstQuoteItThenMeets) {
  // IOC applies once triggered: the stop is reached on the print at 1100, so
  // the first quote after (ask 101.50 x 4) fills 4 and the other 6 expire.
  Order& o = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00, KEEL_TIF_IOC);
  EXPECT_TRUE(quote(1000, 100.40, 100, 100.50, 100).empty());
  EXPECT_TRUE(trade(1100, 101.20, 100).empty());
  auto e = quote(1200, 101.40, 100, 101.50, 4);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 4, 101.50, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, o.id));
  EXPECT_EQ(o.state, KEEL_ORDER_EXPIRED);
}

// ============================================================================
// Bars
// ============================================================================

class RunVenueBars : public VenueFixture {};

TEST_F(RunVenueBars, MarketOrderFillsAtTheOpenOfTheNextBarNeverItsOwn) {
  Order& buy = send(BUY, KEEL_ORDER_MARKET, 10, 0, 0, KEEL_TIF_GTC, /*submitted=*/1000);
  Order& sell = send(SELL, KEEL_ORDER_MARKET, 5, 0, 0, KEEL_TIF_GTC, /*submitted=*/1000);
  EXPECT_TRUE(bar(500, 99.00, 99.50, 98.50, 99.20, 1000).empty());     // older than the signal
  EXPECT_TRUE(bar(1000, 99.20, 101.00, 99.00, 100.50, 1000).empty());  // the signal's own bar
  EXPECT_EQ(buy.state, KEEL_ORDER_ACCEPTED);
  auto e = bar(2000, 100.80, 101.50, 100.20, 101.00, 1000);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, buy.id, 10, 100.80, TAKER));
  EXPECT_TRUE(is_fill(e, 1, sell.id, 5, 100.80, TAKER));
}

TEST_F(RunVenueBars, BuyLimitFillsAtItsLimitWhenTheBarTradesDownThroughIt) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 100.00, 0, KEEL_TIF_GTC, 1000);
  // The signal's bar reaches 99 but is never used.
  EXPECT_TRUE(bar(1000, 100.50, 101.00, 99.00, 100.50, 1000).empty());
  // open 101 > 100, low 99.50 <= 100: fills at min(open, limit) = 100, maker.
  auto e = bar(2000, 101.00, 101.50, 99.50, 100.00, 1000);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 10, 100.00, MAKER));
}

TEST_F(RunVenueBars, BuyLimitFillsAtTheOpenAsTakerWhenTheBarOpensBelowIt) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 100.00, 0, KEEL_TIF_GTC, 1000);
  // open 99.80 <= 100: min(open, limit) = 99.80, taker.
  EXPECT_TRUE(is_fill(bar(2000, 99.80, 100.20, 99.50, 100.00, 1000), 0, o.id, 10, 99.80, TAKER));
}

TEST_F(RunVenueBars, BuyLimitNeedsTheLowAtOrBelowIt) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 100.00, 0, KEEL_TIF_GTC, 1000);
  EXPECT_TRUE(bar(2000, 100.50, 101.00, 100.01, 100.80, 1000).empty());  // low 100.01 > 100
  EXPECT_TRUE(is_fill(bar(3000, 100.50, 101.00, 100.00, 100.80, 1000), 0, o.id, 10, 100.00, MAKER));
}

TEST_F(RunVenueBars, SellLimitMirrors) {
  Order& a = send(SELL, KEEL_ORDER_LIMIT, 10, 101.00, 0, KEEL_TIF_GTC, 1000);
  EXPECT_TRUE(bar(2000, 100.50, 100.99, 100.20, 100.80, 1000).empty());  // high 100.99 < 101
  // open 100.50 < 101, high 101.50 >= 101: at max(open, limit) = 101, maker.
  EXPECT_TRUE(is_fill(bar(3000, 100.50, 101.50, 100.20, 101.00, 1000), 0, a.id, 10, 101.00, MAKER));
  Order& b = send(SELL, KEEL_ORDER_LIMIT, 10, 101.00, 0, KEEL_TIF_GTC, 3000);
  // open 101.30 >= 101: at the open, taker.
  EXPECT_TRUE(is_fill(bar(4000, 101.30, 101.60, 100.90, 101.10, 1000), 0, b.id, 10, 101.30, TAKER));
}

TEST_F(RunVenueBars, RestingBuyLimitGappedThroughAtTheOpenFillsAtTheOpenAsTaker) {
  // venue.hpp: "buy limit: when low <= limit, at min(open, limit) — taker if
  // the open was already at or below the limit, else maker". The order rests
  // through bar 2000 (low 100.20 > 100); bar 3000 opens at 99.50 <= 100.
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 100.00, 0, KEEL_TIF_GTC, 1000);
  EXPECT_TRUE(bar(2000, 100.50, 101.00, 100.20, 100.60, 1000).empty());
  auto e = bar(3000, 99.50, 99.90, 99.20, 99.60, 1000);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 10, 99.50, TAKER));
}

TEST_F(RunVenueBars, BuyStopFillsAtTheStopOrAtTheOpenItGappedTo) {
  Order& a = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00, KEEL_TIF_GTC, 1000);
  EXPECT_TRUE(bar(2000, 100.50, 100.90, 100.20, 100.80, 1000).empty());  // high < stop
  // open 100.60 < 101 <= high 101.50: at max(open, stop) = 101, taker.
  EXPECT_TRUE(is_fill(bar(3000, 100.60, 101.50, 100.50, 101.20, 1000), 0, a.id, 10, 101.00, TAKER));
  Order& b = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00, KEEL_TIF_GTC, 3000);
  // Gap: open 102 > 101: at max(open, stop) = 102.
  EXPECT_TRUE(is_fill(bar(4000, 102.00, 102.50, 101.80, 102.20, 1000), 0, b.id, 10, 102.00, TAKER));
}

TEST_F(RunVenueBars, AnIocStopWaitsForItsTriggerThenGetsOneBar) {
  // As on quotes, time in force starts when the stop triggers.
  Order& a = send(BUY, KEEL_ORDER_STOP, 10, 0, 101.00, KEEL_TIF_IOC, 1000);
  EXPECT_TRUE(bar(2000, 100.50, 100.90, 100.20, 100.80, 1000).empty());  // high < stop
  EXPECT_EQ(a.state, KEEL_ORDER_ACCEPTED);
  // Triggered at 101 with only 4 traded (volume cap): 4 fill, 6 expire.
  auto e = bar(3000, 100.60, 101.50, 100.50, 101.20, 4);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 4, 101.00, TAKER));
  EXPECT_TRUE(is_expiry(e, 1, a.id));
  // A stop-limit IOC triggered beyond its limit expires at that bar.
  Order& b =
      send(BUY, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/101.50, /*stop=*/101.00, KEEL_TIF_IOC, 3000);
  e = bar(4000, 102.00, 102.50, 101.80, 102.20, 1000);  // trigger 102 > limit 101.50
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_expiry(e, 0, b.id));
}

TEST_F(RunVenueBars, SellStopFillsAtTheStopOrAtTheOpenItGappedTo) {
  Order& a = send(SELL, KEEL_ORDER_STOP, 10, 0, 99.00, KEEL_TIF_GTC, 1000);
  EXPECT_TRUE(bar(2000, 99.50, 99.80, 99.01, 99.40, 1000).empty());  // low > stop
  EXPECT_TRUE(is_fill(bar(3000, 99.50, 99.70, 98.50, 98.80, 1000), 0, a.id, 10, 99.00, TAKER));
  Order& b = send(SELL, KEEL_ORDER_STOP, 10, 0, 99.00, KEEL_TIF_GTC, 3000);
  EXPECT_TRUE(is_fill(bar(4000, 98.00, 98.40, 97.50, 98.10, 1000), 0, b.id, 10, 98.00, TAKER));
}

TEST_F(RunVenueBars, StopLimitFillsAtTheTriggerWhenWithinItsLimit) {
  Order& o =
      send(BUY, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/101.50, /*stop=*/101.00, KEEL_TIF_GTC, 1000);
  // trigger = max(100.50, 101) = 101 <= 101.50: fills at 101.
  EXPECT_TRUE(is_fill(bar(2000, 100.50, 102.00, 100.40, 101.80, 1000), 0, o.id, 10, 101.00, TAKER));
}

TEST_F(RunVenueBars, StopLimitGappedBeyondItsLimitRestsThenFillsAsALimit) {
  Order& o =
      send(BUY, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/101.50, /*stop=*/101.00, KEEL_TIF_GTC, 1000);
  // trigger = max(102, 101) = 102 > 101.50: rests as a limit (even though the low touched 101.20).
  EXPECT_TRUE(bar(2000, 102.00, 102.50, 101.20, 102.20, 1000).empty());
  EXPECT_TRUE(o.triggered);
  EXPECT_EQ(o.state, KEEL_ORDER_ACCEPTED);
  // Next bar: open 101.80 > 101.50, low 101.30 <= 101.50: at the limit, maker.
  EXPECT_TRUE(is_fill(bar(3000, 101.80, 102.00, 101.30, 101.50, 1000), 0, o.id, 10, 101.50, MAKER));
}

TEST_F(RunVenueBars, SellStopLimitMirrors) {
  Order& o =
      send(SELL, KEEL_ORDER_STOP_LIMIT, 10, /*limit=*/98.50, /*stop=*/99.00, KEEL_TIF_GTC, 1000);
  // trigger = min(99.50, 99) = 99 >= 98.50: fills at 99.
  EXPECT_TRUE(is_fill(bar(2000, 99.50, 99.60, 98.00, 98.40, 1000), 0, o.id, 10, 99.00, TAKER));
  Order& p = send(SELL, KEEL_ORDER_STOP_LIMIT, 10, 98.50, 99.00, KEEL_TIF_GTC, 2000);
  // Gap down to 98 < 98.50: rests; next bar's high 98.70 >= 98.50 fills at 98.50.
  EXPECT_TRUE(bar(3000, 98.00, 98.40, 97.80, 98.20, 1000).empty());
  EXPECT_TRUE(is_fill(bar(4000, 98.20, 98.70, 98.10, 98.60, 1000), 0, p.id, 10, 98.50, MAKER));
}

TEST_F(RunVenueBars, VolumeCapIsSharedInArrivalOrder) {
  Order& a = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_GTC, 1000);
  Order& b = send(BUY, KEEL_ORDER_LIMIT, 100, 101.00, 0, KEEL_TIF_GTC, 1000);
  // volume 150: a takes 100 at the open; b (open 100.50 <= 101: at the open) the other 50.
  auto e = bar(2000, 100.50, 101.00, 100.00, 100.80, 150);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 100, 100.50, TAKER));
  EXPECT_TRUE(is_fill(e, 1, b.id, 50, 100.50, TAKER));
  // b's other 50 fill on the next bar, now resting: open 100.90 <= 101.
  e = bar(3000, 100.90, 101.20, 100.70, 101.00, 1000);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_EQ(e[0].order_id, b.id);
  EXPECT_DOUBLE_EQ(e[0].quantity, 50);
  EXPECT_DOUBLE_EQ(e[0].price, 100.90);
  EXPECT_EQ(b.state, KEEL_ORDER_FILLED);
}

TEST_F(RunVenueBars, NoVolumeCapWhenTheRunTurnsItOff) {
  spec.cap_bar_fills_at_volume = false;
  Order& a = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_GTC, 1000);
  Order& b = send(BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_GTC, 1000);
  auto e = bar(2000, 100.50, 101.00, 100.00, 100.80, 150);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 100, 100.50, TAKER));
  EXPECT_TRUE(is_fill(e, 1, b.id, 100, 100.50, TAKER));
}

// ============================================================================
// Cancels
// ============================================================================

class RunVenueCancel : public VenueFixture {};

TEST_F(RunVenueCancel, CancellingAWorkingOrderTakesItOffTheBook) {
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 10, 99.00);
  EXPECT_TRUE(quote(1000, 99.40, 100, 99.50, 100).empty());
  EXPECT_TRUE(venue().cancel(o));
  EXPECT_EQ(o.state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(o.reason, "cancelled by the strategy");
  EXPECT_EQ(venue().working_orders(), 0u);
  EXPECT_TRUE(quote(2000, 98.00, 100, 98.50, 100).empty());  // would have crossed
}

TEST_F(RunVenueCancel, CancellingAPartiallyFilledOrderKeepsItsFills) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 100);
  EXPECT_TRUE(is_fill(quote(1000, 99.90, 100, 100.00, 30), 0, o.id, 30, 100.00, TAKER));
  EXPECT_TRUE(venue().cancel(o));
  EXPECT_EQ(o.state, KEEL_ORDER_CANCELED);
  EXPECT_DOUBLE_EQ(o.filled, 30);
  EXPECT_TRUE(quote(2000, 99.90, 100, 100.00, 100).empty());
}

TEST_F(RunVenueCancel, CancellingAFinishedOrderChangesNothing) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 10);
  EXPECT_TRUE(is_fill(quote(1000, 99.90, 100, 100.00, 100), 0, o.id, 10, 100.00, TAKER));
  EXPECT_FALSE(venue().cancel(o));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
  EXPECT_EQ(o.reason, "");
}

TEST_F(RunVenueCancel, CancellingAnOrderNotYetAtTheVenueIsRefused) {
  Order& o = make(BUY, KEEL_ORDER_LIMIT, 10, 99.00);
  EXPECT_FALSE(venue().cancel(o));
  EXPECT_EQ(o.state, KEEL_ORDER_PENDING);
}

TEST_F(RunVenueCancel, CancelAllTakesOneStrategysOrdersOnEveryInstrument) {
  Order& a0 = send(BUY, KEEL_ORDER_LIMIT, 10, 99.00, 0, KEEL_TIF_GTC, 0, /*strategy=*/0, 0);
  Order& a1 = send(SELL, KEEL_ORDER_LIMIT, 10, 51.00, 0, KEEL_TIF_GTC, 0, /*strategy=*/0, 1);
  Order& b0 = send(BUY, KEEL_ORDER_LIMIT, 10, 99.00, 0, KEEL_TIF_GTC, 0, /*strategy=*/1, 0);
  std::vector<VenueEvent> out;
  venue().cancel_all(0, out);
  ASSERT_EQ(out.size(), 2u) << describe(out);
  EXPECT_EQ(out[0].kind, VenueEvent::Kind::canceled);
  EXPECT_EQ(out[0].order_id, a0.id);
  EXPECT_EQ(out[1].order_id, a1.id);
  EXPECT_EQ(a0.state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(a1.state, KEEL_ORDER_CANCELED);
  EXPECT_EQ(b0.state, KEEL_ORDER_ACCEPTED);
  EXPECT_EQ(venue().working_orders(), 1u);
  // b0 meets its first quote: ask 98.50 <= 99, taken at the ask.
  EXPECT_TRUE(is_fill(quote(1000, 98.00, 100, 98.50, 100), 0, b0.id, 10, 98.50, TAKER));
}

// ============================================================================
// Depth: an instrument whose book has depth data (venue.hpp "Depth",
// docs/venue.md). book(ts, side, price, size) sets one level.

constexpr int32_t BID = KEEL_BOOK_BID;
constexpr int32_t ASK = KEEL_BOOK_ASK;

class DepthVenue : public VenueFixture {
 protected:
  // bid 50.00 x30, ask 50.05 x10: a buy limit at 50.00 rests behind 30.
  void issue_book() {
    book(1, BID, 50.00, 30);
    book(2, ASK, 50.05, 10);
  }
  // asks 100.00 x3, 100.50 x4, 101.00 x10
  void three_asks() {
    book(1, ASK, 100.00, 3);
    book(2, ASK, 100.50, 4);
    book(3, ASK, 101.00, 10);
  }
};

TEST_F(DepthVenue, TheIssuesExampleJoinsBehind30AndFillsAtTheSecondTrade) {
  issue_book();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);
  EXPECT_TRUE(arrived_.empty()) << describe(arrived_);  // 50.05 > 50.00: rests, ahead = 30
  // 30 - 20 = 10 still ahead: no fill.
  EXPECT_TRUE(trade(10, 50.00, 20).empty());
  // 10 - 15 = -5: the trade reached 5 into us: fill min(5, 5) = 5 maker at the limit.
  const auto e = trade(11, 50.00, 15);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 5, 50.00, MAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
}

TEST_F(DepthVenue, AMarketOrderWalksThreeLevelsOneFillPerLevelOnArrival) {
  three_asks();
  Order& o = send(BUY, KEEL_ORDER_MARKET, 10);
  // 3 @ 100.00, 4 @ 100.50, then 10 - 3 - 4 = 3 @ 101.00.
  ASSERT_EQ(arrived_.size(), 3u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 0, o.id, 3, 100.00, TAKER));
  EXPECT_TRUE(is_fill(arrived_, 1, o.id, 4, 100.50, TAKER));
  EXPECT_TRUE(is_fill(arrived_, 2, o.id, 3, 101.00, TAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_FILLED);
  EXPECT_EQ(venue().working_orders(), 0u);
  // Strategies still see the data's sizes.
  EXPECT_DOUBLE_EQ(venue().book(0).level(ASK, 0).size, 3);
}

TEST_F(DepthVenue, ALimitWalksOnlyWithinItsLimitAndItsRestJoinsTheQueue) {
  three_asks();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 9, 100.50);
  // 3 @ 100.00 and 4 @ 100.50; 101.00 is beyond the limit: 2 rest at 100.50 (a new best bid,
  // nothing ahead).
  ASSERT_EQ(arrived_.size(), 2u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 1, o.id, 4, 100.50, TAKER));
  EXPECT_EQ(o.state, KEEL_ORDER_PARTIALLY_FILLED);
  // A trade of 1 at 100.50: ahead 0 - 1 = -1: fill 1 maker.
  EXPECT_TRUE(is_fill(trade(10, 100.50, 1), 0, o.id, 1, 100.50, MAKER));
}

TEST_F(DepthVenue, TakenLiquidityIsGoneForOurNextOrderUntilTheDataSetsTheLevelAgain) {
  three_asks();
  send(BUY, KEEL_ORDER_MARKET, 10);  // takes 3, 4 and 3 of the 10 at 101.00
  // Left for us: 100.00: 0, 100.50: 0, 101.00: 7 -> an IOC for 10 gets 7 @ 101.00.
  Order& second = send(BUY, KEEL_ORDER_MARKET, 10, 0, 0, KEEL_TIF_IOC);
  ASSERT_EQ(arrived_.size(), 2u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 0, second.id, 7, 101.00, TAKER));
  EXPECT_TRUE(is_expiry(arrived_, 1, second.id));
  // The data sets 100.00 to 3 again (taken reset); 100.50 is still ours (taken 4 of 4).
  book(20, ASK, 100.00, 3);
  book(21, ASK, 101.00, 10);
  Order& third = send(BUY, KEEL_ORDER_MARKET, 5);
  // 3 @ 100.00 (re-set), nothing at 100.50 (still taken), 2 @ 101.00 (re-set).
  ASSERT_EQ(arrived_.size(), 2u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 0, third.id, 3, 100.00, TAKER));
  EXPECT_TRUE(is_fill(arrived_, 1, third.id, 2, 101.00, TAKER));
}

TEST_F(DepthVenue, AGtcMarketRestWalksAgainAtTheNextOppositeBookUpdate) {
  book(1, ASK, 100.00, 3);
  Order& o = send(BUY, KEEL_ORDER_MARKET, 5);  // 3 @ 100.00, 2 left working
  ASSERT_EQ(arrived_.size(), 1u) << describe(arrived_);
  EXPECT_TRUE(book(2, BID, 99.00, 10).empty());  // own side: nothing
  // ask 100.10 x1 appears: the rest walks (100.00 taken, 100.10 has 1).
  const auto e = book(3, ASK, 100.10, 1);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 1, 100.10, TAKER));
}

TEST_F(DepthVenue, IocAndFokOnAWalk) {
  three_asks();
  // FOK buy 8 limit 100.50: within the limit 3 + 4 = 7 < 8: expires, no fill.
  Order& fok = send(BUY, KEEL_ORDER_LIMIT, 8, 100.50, 0, KEEL_TIF_FOK);
  ASSERT_EQ(arrived_.size(), 1u) << describe(arrived_);
  EXPECT_TRUE(is_expiry(arrived_, 0, fok.id));
  EXPECT_DOUBLE_EQ(fok.filled, 0);
  // FOK buy 7 limit 100.50: 3 + 4 = 7 is enough: 3 @ 100.00, 4 @ 100.50.
  Order& fok7 = send(BUY, KEEL_ORDER_LIMIT, 7, 100.50, 0, KEEL_TIF_FOK);
  ASSERT_EQ(arrived_.size(), 2u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 0, fok7.id, 3, 100.00, TAKER));
  EXPECT_TRUE(is_fill(arrived_, 1, fok7.id, 4, 100.50, TAKER));
  // IOC buy 12 limit 101.00: 100.00 and 100.50 are taken; 10 @ 101.00, the 2 left expire.
  Order& ioc = send(BUY, KEEL_ORDER_LIMIT, 12, 101.00, 0, KEEL_TIF_IOC);
  ASSERT_EQ(arrived_.size(), 2u) << describe(arrived_);
  EXPECT_TRUE(is_fill(arrived_, 0, ioc.id, 10, 101.00, TAKER));
  EXPECT_TRUE(is_expiry(arrived_, 1, ioc.id));
}

TEST_F(DepthVenue, RiskAverseMovesUpOnlyWhenTheLevelShrinksBelowUs) {
  issue_book();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);  // ahead 30
  book(3, BID, 50.00, 40);                   // grows: min(30, 40) = 30 (the new size is behind us)
  book(4, BID, 50.00, 12);                   // shrinks below us: min(30, 12) = 12
  EXPECT_TRUE(trade(5, 50.00, 12).empty());  // 12 - 12 = 0: no fill
  // 0 - 3 = -3: fill 3.
  EXPECT_TRUE(is_fill(trade(6, 50.00, 3), 0, o.id, 3, 50.00, MAKER));
}

// The power and log models on one story, lots of 0.1: bid 50.00 x10, we join
// with 5 (ahead 10); the level grows to 40 (an increase: ahead stays 10),
// then falls to 20 with no trade: chg = 40 - 20 - 0 = 20, front = 10,
// back = 40 - 10 = 30.
class DepthQueueModels : public DepthVenue {
 protected:
  Order& story() {
    lots = {0.1, 0.1};
    book(1, BID, 50.00, 10);
    book(2, ASK, 50.05, 10);
    Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);
    book(3, BID, 50.00, 40);
    book(4, BID, 50.00, 20);
    return o;
  }
};

TEST_F(DepthQueueModels, PowerThreeMovesUsByTheShareOfTheDecreaseInFront) {
  spec.queue_model = QueueModel::power;
  spec.queue_exponent = 3;
  Order& o = story();
  // p = 30^3 / (30^3 + 10^3) = 27000 / 28000 = 0.9642857
  // ahead = min(10 - (1 - p) * 20 + min(30 - p * 20, 0), 20)
  //       = 10 - 0.0357143 * 20 + min(10.714, 0) = 9.2857143
  // A trade of 10: ahead -0.7142857: fill 0.71 rounded down to lots of 0.1 = 0.7.
  const auto e = trade(5, 50.00, 10);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 0.7, 50.00, MAKER));
}

TEST_F(DepthQueueModels, LogMovesUsFurther) {
  spec.queue_model = QueueModel::log;
  Order& o = story();
  // p = ln(31) / (ln(31) + ln(11)) = 3.4339872 / (3.4339872 + 2.3978953) = 0.5888300
  // ahead = min(10 - 0.4111700 * 20 + min(30 - 11.7766, 0), 20) = 10 - 8.2234005 = 1.7765995
  // A trade of 2: ahead -0.2234005: fill rounded down to 0.2.
  const auto e = trade(5, 50.00, 2);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 0.2, 50.00, MAKER));
}

TEST_F(DepthQueueModels, RiskAverseOnTheSameStoryStaysBehindTen) {
  Order& o = story();  // ahead = min(10, 40) = 10, then min(10, 20) = 10
  EXPECT_TRUE(trade(5, 50.00, 10).empty()) << o.queue_ahead;  // 10 - 10 = 0: no fill
}

TEST_F(DepthQueueModels, ADecreaseThatTradesAlreadyMadeIsNotCountedTwice) {
  spec.queue_model = QueueModel::power;
  lots = {1, 1};
  book(1, BID, 50.00, 10);
  book(2, ASK, 50.05, 10);
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);  // ahead 10
  EXPECT_TRUE(trade(3, 50.00, 4).empty());           // ahead 6, traded 4
  // The data shows the trade: 10 -> 6. chg = 10 - 6 - 4 = 0: front 6, back 10 - 6 = 4,
  // p = 64 / (64 + 216) = 0.2286; ahead = min(6 - 0 + min(4 - 0, 0), 6) = 6.
  // (Counting the 4 again would give 6 - 0.7714 * 4 = 2.91 and a fill of 3 below.)
  book(4, BID, 50.00, 6);
  EXPECT_TRUE(trade(5, 50.00, 6).empty());                             // 6 - 6 = 0
  EXPECT_TRUE(is_fill(trade(6, 50.00, 2), 0, o.id, 2, 50.00, MAKER));  // -2: fill 2
}

TEST_F(DepthVenue, ATradeThroughOurLimitFillsAllOfIt) {
  issue_book();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);  // 30 ahead
  // A trade at 49.99 < 50.00: the level traded out: all 5 at our limit, maker.
  EXPECT_TRUE(is_fill(trade(10, 49.99, 1), 0, o.id, 5, 50.00, MAKER));
}

TEST_F(DepthVenue, TheOppositeSideCrossingOurLimitFillsUsUpToItsSize) {
  issue_book();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);
  // An ask of 3 at 50.00 reaches our limit: fill 3 at 50.00, maker; taken 3.
  EXPECT_TRUE(is_fill(book(10, ASK, 50.00, 3), 0, o.id, 3, 50.00, MAKER));
  // An ask of 1 at 49.99 through it: 1 there, 0 left at 50.00: fill 1 at our limit.
  const auto e = book(11, ASK, 49.99, 1);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, o.id, 1, 50.00, MAKER));
  // The 50.05 ask is beyond our limit: no more.
  EXPECT_DOUBLE_EQ(o.remaining(), 1);
}

TEST_F(DepthVenue, OurOrdersAtOneLevelQueueInArrivalOrder) {
  issue_book();
  Order& a = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);  // ahead 30
  Order& b = send(BUY, KEEL_ORDER_LIMIT, 4, 50.00);  // ahead 30 + 5 (a) = 35
  // Trade 32: a: 30 - 32 = -2: fill 2; b: 35 - 32 = 3.
  auto e = trade(10, 50.00, 32);
  ASSERT_EQ(e.size(), 1u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 2, 50.00, MAKER));
  // Trade 5: a: 0 - 5: fill its last 3; b: 3 - 5 = -2: fill 2. 3 + 2 = the trade's 5.
  e = trade(11, 50.00, 5);
  ASSERT_EQ(e.size(), 2u) << describe(e);
  EXPECT_TRUE(is_fill(e, 0, a.id, 3, 50.00, MAKER));
  EXPECT_TRUE(is_fill(e, 1, b.id, 2, 50.00, MAKER));
  // The level empties in the data: b keeps nothing ahead (a is done).
  book(12, BID, 50.00, 0);
  EXPECT_TRUE(is_fill(trade(13, 50.00, 1), 0, b.id, 1, 50.00, MAKER));
}

TEST_F(DepthVenue, QuotesAndBarsOnlyMarkAnInstrumentWithDepth) {
  issue_book();
  Order& o = send(BUY, KEEL_ORDER_LIMIT, 5, 50.00);
  // Under the quote rules an ask at 49.90 would fill us; with depth it does not.
  EXPECT_TRUE(quote(10, 49.80, 100, 49.90, 100).empty());
  EXPECT_TRUE(bar(11, 49.9, 49.9, 49.0, 49.5, 1000).empty());
  EXPECT_DOUBLE_EQ(o.filled, 0);
}

TEST_F(DepthVenue, AnOrderThatArrivedBeforeAnyDepthMeetsTheFirstBookUpdate) {
  Order& o = send(BUY, KEEL_ORDER_MARKET, 2);
  EXPECT_TRUE(arrived_.empty());
  EXPECT_TRUE(book(1, BID, 99.00, 5).empty());  // no ask yet: it waits
  EXPECT_TRUE(is_fill(book(2, ASK, 100.00, 5), 0, o.id, 2, 100.00, TAKER));
}

}  // namespace
}  // namespace keel
