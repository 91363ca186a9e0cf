// Pre-trade checks: check_order_form (the order fits its instrument) and
// check_risk_limits (every RiskSpec limit), each exactly at its limit and
// just past it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/market/instrument.hpp"
#include "engine/run/portfolio.hpp"
#include "engine/run/risk.hpp"

namespace keel {
namespace {

keel_order_request_t request(int32_t side, int32_t type, double quantity, double limit = 0,
                             double stop = 0, int32_t tif = KEEL_TIF_GTC,
                             keel_instrument_id_t instrument = 0) {
  keel_order_request_t r{};
  r.struct_size = sizeof r;
  r.instrument = instrument;
  r.side = side;
  r.type = type;
  r.time_in_force = tif;
  r.quantity = quantity;
  r.limit_price = limit;
  r.stop_price = stop;
  return r;
}

class RunRiskFixture : public ::testing::Test {
 protected:
  RunRiskFixture() {
    Instrument stock;
    stock.symbol = "AAPL";  // tick 0.01, lot 1
    stock_ = instruments.add(stock);
    Instrument board;
    board.symbol = "BOARD";
    board.tick_size = 0.05;
    board.lot_size = 100;
    board_ = instruments.add(board);
    Instrument option;
    option.symbol = "OPT";
    option.kind = KEEL_INSTRUMENT_OPTION;
    option.multiplier = 100;
    option_ = instruments.add(option);
    portfolio = std::make_unique<Portfolio>(instruments, std::vector<double>{1'000'000});
  }
  const Instrument& stock() const { return instruments.get(stock_); }
  const Instrument& board() const { return instruments.get(board_); }
  const Instrument& option() const { return instruments.get(option_); }

  std::string limits(const keel_order_request_t& r, const Instrument& i, OpenOrders open = {},
                     double reference = 0) {
    return check_risk_limits(risk, r, i, *portfolio, 0, open, reference);
  }

  InstrumentTable instruments;
  keel_instrument_id_t stock_ = 0, board_ = 0, option_ = 0;
  std::unique_ptr<Portfolio> portfolio;
  RiskSpec risk;
};

// ============================================================================
// check_order_form
// ============================================================================

class RunRiskOrderForm : public RunRiskFixture {};

TEST_F(RunRiskOrderForm, WellFormedOrdersPass) {
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock()), "");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 5, 100.01), stock()), "");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 5, 0, 123.45), stock()), "");
  EXPECT_EQ(
      check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 5, 0.07, 0.29, KEEL_TIF_FOK),
                       stock()),
      "");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 300, 100.05, 0, KEEL_TIF_IOC),
                             board()),
            "");
  // A market order's price fields are not looked at.
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1, 0.003, -1), stock()), "");
}

TEST_F(RunRiskOrderForm, BadEnumsAreRefused) {
  EXPECT_EQ(check_order_form(request(2, KEEL_ORDER_MARKET, 1), stock()),
            "side must be buy or sell");
  EXPECT_EQ(check_order_form(request(-1, KEEL_ORDER_MARKET, 1), stock()),
            "side must be buy or sell");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, 4, 1), stock()),
            "type must be market, limit, stop or stop-limit");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, -1, 1), stock()),
            "type must be market, limit, stop or stop-limit");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1, 0, 0, 3), stock()),
            "time in force must be GTC, IOC or FOK");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1, 0, 0, -1), stock()),
            "time in force must be GTC, IOC or FOK");
}

TEST_F(RunRiskOrderForm, QuantityMustBePositiveAndALotMultiple) {
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 0), stock()),
            "quantity 0 must be positive");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, -5), stock()),
            "quantity -5 must be positive");
  EXPECT_NE(check_order_form(
                request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, std::numeric_limits<double>::quiet_NaN()),
                stock()),
            "");
  EXPECT_NE(check_order_form(
                request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, std::numeric_limits<double>::infinity()),
                stock()),
            "");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 250), board()),
            "quantity 250 is not a multiple of the lot size 100");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1.5), stock()),
            "quantity 1.5 is not a multiple of the lot size 1");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 300), board()), "");
}

TEST_F(RunRiskOrderForm, PricesMustBeTickMultiples) {
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 100, 100.02), board()),
            "limit price 100.02 is not a multiple of the tick size 0.05");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 100.005), stock()),
            "limit price 100.005 is not a multiple of the tick size 0.01");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 1, 0, 101.003), stock()),
            "stop price 101.003 is not a multiple of the tick size 0.01");
  EXPECT_EQ(
      check_order_form(request(KEEL_SIDE_SELL, KEEL_ORDER_STOP_LIMIT, 100, 99.95, 100.01), board()),
      "stop price 100.01 is not a multiple of the tick size 0.05");
}

TEST_F(RunRiskOrderForm, PricesTheTypeNeedsMustBePresent) {
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1), stock()),
            "limit price 0 must be positive");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, -100), stock()),
            "limit price -100 must be positive");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 1, 100), stock()),
            "stop price 0 must be positive");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 1, 0, 100), stock()),
            "limit price 0 must be positive");
  EXPECT_EQ(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 1, 100, 0), stock()),
            "stop price 0 must be positive");
  EXPECT_NE(check_order_form(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1,
                                     std::numeric_limits<double>::quiet_NaN()),
                             stock()),
            "");
}

// ============================================================================
// check_risk_limits
// ============================================================================

class RunRiskLimits : public RunRiskFixture {};

TEST_F(RunRiskLimits, NoLimitsNoRejects) {
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 1e6, 100, 0);
  EXPECT_EQ(
      limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1e6, 500), stock(), {1000, 1e6, 0}, 100), "");
}

TEST_F(RunRiskLimits, MaxOrderQuantity) {
  risk.max_order_quantity = 10;
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 10), stock()), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 11), stock()),
            "risk: quantity 11 exceeds max_order_quantity 10");
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 11, 100), stock()),
            "risk: quantity 11 exceeds max_order_quantity 10");
}

TEST_F(RunRiskLimits, MaxOpenOrders) {
  risk.max_open_orders = 3;
  // 2 open + this one = 3: allowed; 3 open + this one = 4: refused.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock(), {2, 0, 0}), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock(), {3, 0, 0}),
            "risk: 3 open orders already, max_open_orders is 3");
}

TEST_F(RunRiskLimits, MaxPositionCountsOpenOrdersOnTheSameSide) {
  risk.max_position = 100;
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 60, 100, 0);
  const OpenOrders open{2, /*buy=*/30, /*sell=*/50};
  // Buy: 60 + 30 open + 10 = 100 (at the limit); + 11 = 101 (past it).
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 10), stock(), open), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 11), stock(), open),
            "risk: position would reach 101 (with open orders), max_position is 100");
  // Sell: 60 - 50 open - 110 = -100 (at the limit); - 111 = -101.
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_MARKET, 110), stock(), open), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_MARKET, 111), stock(), open),
            "risk: position would reach -101 (with open orders), max_position is 100");
}

TEST_F(RunRiskLimits, MaxPositionIsPerInstrument) {
  risk.max_position = 100;
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 100, 100, 0);
  // 100 AAPL held; 100 lots of BOARD are another instrument's position.
  EXPECT_EQ(
      limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 100, 0, 0, KEEL_TIF_GTC, board_), board()),
      "");
  EXPECT_NE(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock()), "");
  // Reducing the position is always inside the limit.
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_MARKET, 10), stock()), "");
}

TEST_F(RunRiskLimits, MaxGrossNotional) {
  risk.max_gross_notional = 10000;
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 50, 100, 0);
  portfolio->set_mark(stock_, 100);  // gross now 50 * 100 = 5000
  // Limit orders use their limit: 5000 + 50 * 100 = 10000 (at); 50 * 100.01 -> 10000.50 (past).
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 50, 100), stock()), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 50, 100.01), stock()),
            "risk: gross notional would reach 10000.50, max_gross_notional is 10000.00");
  // Market orders use the reference price (the last mid): 50 * 100.02 = 5001 -> 10001.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 50), stock(), {}, 100), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 50), stock(), {}, 100.02),
            "risk: gross notional would reach 10001.00, max_gross_notional is 10000.00");
  // ... and pass when no price is known at all.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 5000), stock(), {}, 0), "");
  // Stop orders use their stop price.
  EXPECT_NE(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 50, 0, 100.02), stock()), "");
  // The multiplier counts: 1 option @ 50 = 1 * 50 * 100 = 5000 -> 10000; @ 50.01 -> 10001.
  EXPECT_EQ(
      limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 50, 0, KEEL_TIF_GTC, option_), option()),
      "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 50.01, 0, KEEL_TIF_GTC, option_),
                   option()),
            "risk: gross notional would reach 10001.00, max_gross_notional is 10000.00");
  // Open buy orders count as if filled: 5000 + (50 open + 1) * 100 = 10100.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 100), stock(), {1, 50, 0}),
            "risk: gross notional would reach 10100.00, max_gross_notional is 10000.00");
  // Selling what is held shrinks the exposure, so it always passes, even
  // past the limit; selling through zero counts only the new short side:
  // |50 - 120| = 70 > 50, so 5000 + 20 * 100 = 7000.
  risk.max_gross_notional = 4000;
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 50, 100), stock()), "");
  risk.max_gross_notional = 6999;
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 120, 100), stock()),
            "risk: gross notional would reach 7000.00, max_gross_notional is 6999.00");
}

TEST_F(RunRiskLimits, PriceCollarAroundTheLastMid) {
  risk.price_collar_pct = 5;
  // Mid 100: limits within [95, 105] pass, 94.99 and 105.01 do not.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 105), stock(), {}, 100), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 105.01), stock(), {}, 100),
            "risk: limit price is 5.01% from the last mid, price_collar_pct is 5");
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 1, 95), stock(), {}, 100), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 1, 94.99), stock(), {}, 100),
            "risk: limit price is 5.01% from the last mid, price_collar_pct is 5");
  // Stop-limits are collared on their limit; market and stop-market orders have none.
  EXPECT_NE(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 1, 106, 104), stock(), {}, 100),
            "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 1, 0, 150), stock(), {}, 100), "");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock(), {}, 100), "");
  // No mid known yet: nothing to collar against.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 1, 500), stock(), {}, 0), "");
}

TEST_F(RunRiskLimits, TheFirstFailedLimitIsTheReason) {
  risk.max_order_quantity = 10;
  risk.max_open_orders = 1;
  risk.max_position = 5;
  // Everything is past its limit; the quantity check comes first.
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 20), stock(), {1, 0, 0}),
            "risk: quantity 20 exceeds max_order_quantity 10");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 8), stock(), {1, 0, 0}),
            "risk: 1 open orders already, max_open_orders is 1");
  EXPECT_EQ(limits(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 8), stock(), {0, 0, 0}),
            "risk: position would reach 8 (with open orders), max_position is 5");
}

}  // namespace
}  // namespace keel
