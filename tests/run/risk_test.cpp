// Pre-trade checks: check_order_form (the order fits its instrument),
// check_risk_limits (every RiskSpec limit) and check_buying_power (cash and
// margin accounts), each exactly at its limit and just past it.
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
    Instrument future;
    future.symbol = "ES";
    future.kind = KEEL_INSTRUMENT_FUTURE;
    future.multiplier = 50;
    future_ = instruments.add(future);
    portfolio = std::make_unique<Portfolio>(instruments, std::vector<double>{1'000'000});
  }
  const Instrument& stock() const { return instruments.get(stock_); }
  const Instrument& board() const { return instruments.get(board_); }
  const Instrument& option() const { return instruments.get(option_); }
  const Instrument& future() const { return instruments.get(future_); }

  std::string limits(const keel_order_request_t& r, const Instrument& i, OpenOrders open = {},
                     double reference = 0) {
    return check_risk_limits(risk, r, i, *portfolio, 0, open, reference);
  }
  // check_buying_power; what the order would hold goes to `hold`.
  std::string buying(const keel_order_request_t& r, const Instrument& i, OpenOrders open = {},
                     double reference = 0) {
    return check_buying_power(power, r, i, *portfolio, 0, open, reference, hold);
  }

  InstrumentTable instruments;
  keel_instrument_id_t stock_ = 0, board_ = 0, option_ = 0, future_ = 0;
  std::unique_ptr<Portfolio> portfolio;
  RiskSpec risk;
  BuyingPower power;  // a cash account, no fees
  double hold = -1;
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

// ============================================================================
// check_buying_power
// ============================================================================

class RunRiskBuyingPower : public RunRiskFixture {
 protected:
  keel_order_request_t on(keel_instrument_id_t instrument, keel_order_request_t r) {
    r.instrument = instrument;
    return r;
  }
  void margin(double leverage) {
    power.account.type = AccountType::margin;
    power.account.leverage = leverage;
  }
};

// The advice a cash account's refusal ends with.
const std::string kCashAdvice =
    "; lower the quantity, or trade on margin with \"account\": {\"type\": \"margin\", "
    "\"leverage\": ...}";

TEST_F(RunRiskBuyingPower, ACashAccountSpendsItsCashAndNoMore) {
  // 1e6 of cash: 10000 @ 100 is all of it; 10000 @ 100.01 is 100 too much.
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 10000, 100), stock()), "");
  EXPECT_DOUBLE_EQ(hold, 1e6);
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 10000, 100.01), stock()),
            "account: buying power: the order needs 1000100.00 (10000 AAPL at 100.01, with "
            "fees) but the cash account has 1000000.00 free (cash 1000000.00 - 0.00 held by open "
            "orders)" +
                kCashAdvice);
  EXPECT_EQ(hold, 0);
  // Absurd sizes read as such.
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 3e15, 100), stock()),
            "account: buying power: the order needs 3e+17 (3e+15 AAPL at 100, with fees) but the "
            "cash account has 1000000.00 free (cash 1000000.00 - 0.00 held by open orders)" +
                kCashAdvice);
}

TEST_F(RunRiskBuyingPower, MarketAndStopOrdersAreValuedOnePercentAbove) {
  // Market: the reference (last mid) 100 + 1% = 101: 9900 * 101 = 999900
  // fits, 9901 * 101 = 1000001 does not.
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 9900), stock(), {}, 100), "");
  EXPECT_NEAR(hold, 999900, 1e-6);
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 9901), stock(), {}, 100), "");
  // Stop: the stop price + 1%. Stop-limit: its limit.
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 9900, 0, 100), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP, 9901, 0, 100), stock()), "");
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 10000, 100, 99), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_STOP_LIMIT, 10001, 100, 99), stock()), "");
}

TEST_F(RunRiskBuyingPower, AMarketOrderWithNoPriceKnownIsRefused) {
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 1), stock(), {}, 0),
            "account: buying power: no price for AAPL yet (no quote, trade or bar) to value a "
            "market order; send a limit order or wait for market data");
  // A mark of 0 is a price (an option expiring worthless): it costs nothing.
  portfolio->set_mark(option_, 0);
  EXPECT_EQ(buying(on(option_, request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 5)), option(), {}, 0),
            "");
}

TEST_F(RunRiskBuyingPower, FeesArePartOfTheCost) {
  // 10 bps + 1 per order: 9990 @ 100 = 999000 + 999 + 1 = 1e6 (fits);
  // 9991 @ 100 = 999100 + 999.10 + 1 = 1000100.10.
  power.fee_bps = 10;
  power.fee_per_order = 1;
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 9990, 100), stock()), "");
  EXPECT_DOUBLE_EQ(hold, 1e6);
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 9991, 100), stock()),
            "account: buying power: the order needs 1000100.10 (9991 AAPL at 100, with fees) but "
            "the cash account has 1000000.00 free (cash 1000000.00 - 0.00 held by open orders)" +
                kCashAdvice);
}

TEST_F(RunRiskBuyingPower, OpenOrdersHoldTheirCost) {
  const OpenOrders open{1, 0, 0, /*held=*/500000};
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5000, 100), stock(), open), "");
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5001, 100), stock(), open),
            "account: buying power: the order needs 500100.00 (5001 AAPL at 100, with fees) but "
            "the cash account has 500000.00 free (cash 1000000.00 - 500000.00 held by open "
            "orders)" +
                kCashAdvice);
}

TEST_F(RunRiskBuyingPower, ACashAccountSpendsCashNotEquity) {
  // Half the cash is in 5000 shares; a rally adds equity but not cash.
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 5000, 100, 0);
  portfolio->set_mark(stock_, 150);
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5000, 100), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5001, 100), stock()), "");
}

TEST_F(RunRiskBuyingPower, OrdersThatOnlyReduceAlwaysPass) {
  // All the cash is spent; selling what is held needs none, and no price.
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 10000, 100, 0);
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_MARKET, 10000), stock(), {}, 0), "");
  EXPECT_EQ(hold, 0);
  margin(1);
  portfolio->apply_fill(0, board_, KEEL_SIDE_SELL, 100, 100, 0);  // a short, on margin
  EXPECT_EQ(buying(on(board_, request(KEEL_SIDE_BUY, KEEL_ORDER_MARKET, 100)), board(), {}, 0),
            "");
}

TEST_F(RunRiskBuyingPower, ACashAccountCannotSellShort) {
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 100, 100, 0);
  const OpenOrders open{1, 0, /*sell=*/30};
  // 100 held, 30 on the way out: 70 more may go, 71 may not.
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 70, 100), stock(), open), "");
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 71, 100), stock(), open),
            "account: a cash account cannot sell short: selling 71 AAPL with 100 held and 30 on "
            "open sell orders would leave -1; set \"account\": {\"type\": \"margin\"} to sell "
            "short");
  // Futures and options too: no negative positions in a cash account.
  EXPECT_NE(buying(on(future_, request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 1, 100)), future()), "");
  EXPECT_NE(buying(on(option_, request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 1, 1)), option()), "");
}

TEST_F(RunRiskBuyingPower, OptionsCostTheirPremiumTimesTheMultiplier) {
  // 100 contracts @ 100 x 100 = 1e6.
  EXPECT_EQ(buying(on(option_, request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 100, 100)), option()), "");
  EXPECT_NE(buying(on(option_, request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 100, 100.01)), option()),
            "");
}

TEST_F(RunRiskBuyingPower, FuturesHoldTheirNotionalAtCost) {
  // 200 ES @ 100 x 50 = 1e6. Filling moves no cash, so 100 held (500000 at
  // cost) leave room for 100 more, whatever the mark says.
  EXPECT_EQ(buying(on(future_, request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 200, 100)), future()), "");
  portfolio->apply_fill(0, future_, KEEL_SIDE_BUY, 100, 100, 0);
  portfolio->set_mark(future_, 120);
  EXPECT_EQ(buying(on(future_, request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 100, 100)), future()), "");
  EXPECT_EQ(buying(on(future_, request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 101, 100)), future()),
            "account: buying power: the order needs 505000.00 (101 ES at 100, with fees) but the "
            "cash account has 500000.00 free (cash 1000000.00 - 500000.00 in futures at cost - "
            "0.00 held by open orders)" +
                kCashAdvice);
}

TEST_F(RunRiskBuyingPower, AMarginAccountReachesLeverageTimesEquity) {
  margin(2);
  // 2 x 1e6 of exposure, long or short.
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 20000, 100), stock()), "");
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 20001, 100), stock()),
            "account: buying power: the order needs 2000100.00 (20001 AAPL at 100, with fees) but "
            "the margin account has 2000000.00 free (leverage 2 x equity 1000000.00 - gross 0.00 "
            "- 0.00 held by open orders); lower the quantity or raise account.leverage");
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 20000, 100), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 20001, 100), stock()), "");
  // Long 10000 @ 100 (cash 0, equity 1e6, gross 1e6): 10000 more fit. A sell
  // of 30000 closes the long and opens a 20000 short: it adds 10000 of
  // exposure (20000 - 10000), which fits too; 30001 does not.
  portfolio->apply_fill(0, stock_, KEEL_SIDE_BUY, 10000, 100, 0);
  portfolio->set_mark(stock_, 100);
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 10000, 100), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 10001, 100), stock()), "");
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 30000, 100), stock()), "");
  EXPECT_DOUBLE_EQ(hold, 1e6);  // the short side it opens
  EXPECT_NE(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 30001, 100), stock()), "");
  // Open orders on the same side fill first; what they add is in `held`.
  const OpenOrders open{1, /*buy=*/5000, 0, /*held=*/500000};
  EXPECT_EQ(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5000, 100), stock(), open), "");
  EXPECT_NE(buying(request(KEEL_SIDE_BUY, KEEL_ORDER_LIMIT, 5001, 100), stock(), open), "");
}

TEST_F(RunRiskBuyingPower, AMarginAccountAtLeverageOneMaySellShort) {
  margin(1);
  EXPECT_EQ(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 10000, 100), stock()), "");
  EXPECT_NE(buying(request(KEEL_SIDE_SELL, KEEL_ORDER_LIMIT, 10001, 100), stock()), "");
}

}  // namespace
}  // namespace keel
