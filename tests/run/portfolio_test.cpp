// Portfolio accounting by hand: average cost, partial closes, flips both
// ways, fees kept apart from realised PnL, contract multipliers (an option of
// 100, a future of 50 whose cash moves only by realised PnL and fees), marks,
// and the identity equity = initial + realised + unrealised - fees.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "engine/market/instrument.hpp"
#include "engine/run/portfolio.hpp"

namespace keel {
namespace {

constexpr int32_t BUY = KEEL_SIDE_BUY;
constexpr int32_t SELL = KEEL_SIDE_SELL;
constexpr double kEps = 1e-9;

class RunPortfolio : public ::testing::Test {
 protected:
  RunPortfolio() {
    Instrument stock;
    stock.symbol = "AAPL";
    stock.kind = KEEL_INSTRUMENT_EQUITY;
    kStock = instruments.add(stock);
    Instrument call;
    call.symbol = "AAPL_C150";
    call.kind = KEEL_INSTRUMENT_OPTION;
    call.underlying_symbol = "AAPL";
    call.underlying = kStock;
    call.strike = 150;
    call.multiplier = 100;
    kOption = instruments.add(call);
    Instrument future;
    future.symbol = "ES";
    future.kind = KEEL_INSTRUMENT_FUTURE;
    future.tick_size = 0.25;
    future.multiplier = 50;
    kFuture = instruments.add(future);
    portfolio = std::make_unique<Portfolio>(instruments, std::vector<double>{100000, 50000});
  }

  // equity == initial + realised + unrealised - fees, for a strategy.
  void expect_identity(size_t strategy) {
    const keel_account_t a = portfolio->account(strategy);
    EXPECT_NEAR(a.equity,
                portfolio->initial_cash(strategy) + a.realized_pnl + a.unrealized_pnl - a.fees,
                1e-6);
  }

  InstrumentTable instruments;
  keel_instrument_id_t kStock = 0, kOption = 0, kFuture = 0;
  std::unique_ptr<Portfolio> portfolio;
};

TEST_F(RunPortfolio, AverageCostMovesOnAddsAndNotOnReductions) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 0);
  EXPECT_NEAR(p.position(0, kStock).average_price, 100, kEps);
  p.apply_fill(0, kStock, BUY, 30, 104, 0);
  // (10 * 100 + 30 * 104) / 40 = (1000 + 3120) / 40 = 103
  EXPECT_NEAR(p.position(0, kStock).quantity, 40, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 103, kEps);
  p.apply_fill(0, kStock, SELL, 15, 110, 0);
  // realised 15 * (110 - 103) = 105; the average stays 103
  EXPECT_NEAR(p.position(0, kStock).quantity, 25, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 103, kEps);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, 105, kEps);
  p.apply_fill(0, kStock, SELL, 5, 101, 0);
  // realised += 5 * (101 - 103) = -10 -> 95
  EXPECT_NEAR(p.position(0, kStock).quantity, 20, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 103, kEps);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, 95, kEps);

  EXPECT_TRUE(p.set_mark(kStock, 105));
  const keel_account_t a = p.account(0);
  // cash 100000 - 1000 - 3120 + 1650 + 505 = 98035
  EXPECT_NEAR(a.cash, 98035, kEps);
  // unrealised 20 * (105 - 103) = 40; equity 98035 + 20 * 105 = 100135
  EXPECT_NEAR(a.unrealized_pnl, 40, kEps);
  EXPECT_NEAR(a.equity, 100135, kEps);
  EXPECT_NEAR(a.realized_pnl, 95, kEps);
  EXPECT_NEAR(a.gross_notional, 2100, kEps);
  expect_identity(0);
}

TEST_F(RunPortfolio, FlipLongToShortThenShortToLong) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 25, 103, 0);
  // Sell 40 @ 95 against +25 @ 103: 25 close, realising 25 * (95 - 103) = -200;
  // the other 15 open a short at the fill price, 95.
  p.apply_fill(0, kStock, SELL, 40, 95, 0);
  EXPECT_NEAR(p.position(0, kStock).quantity, -15, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 95, kEps);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, -200, kEps);
  // Short 15 @ 95 marked at 96: unrealised -15 * (96 - 95) = -15.
  p.set_mark(kStock, 96);
  // cash 100000 - 2575 + 3800 = 101225; equity 101225 - 15 * 96 = 99785 = 100000 - 200 - 15
  EXPECT_NEAR(p.account(0).cash, 101225, kEps);
  EXPECT_NEAR(p.account(0).unrealized_pnl, -15, kEps);
  EXPECT_NEAR(p.account(0).equity, 99785, kEps);
  EXPECT_NEAR(p.account(0).gross_notional, 1440, kEps);

  // Buy 5 @ 97 covers part of the short: 5 * (95 - 97) = -10 -> -210; average stays 95.
  p.apply_fill(0, kStock, BUY, 5, 97, 0);
  EXPECT_NEAR(p.position(0, kStock).quantity, -10, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 95, kEps);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, -210, kEps);
  // Buy 20 @ 90 against -10 @ 95: 10 cover, 10 * (95 - 90) = +50 -> -160;
  // the other 10 open a long at 90.
  p.apply_fill(0, kStock, BUY, 20, 90, 0);
  EXPECT_NEAR(p.position(0, kStock).quantity, 10, kEps);
  EXPECT_NEAR(p.position(0, kStock).average_price, 90, kEps);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, -160, kEps);

  p.set_mark(kStock, 92);
  const keel_account_t a = p.account(0);
  // cash 101225 - 485 - 1800 = 98940; unrealised 10 * (92 - 90) = 20;
  // equity 98940 + 920 = 99860 = 100000 - 160 + 20
  EXPECT_NEAR(a.cash, 98940, kEps);
  EXPECT_NEAR(a.unrealized_pnl, 20, kEps);
  EXPECT_NEAR(a.equity, 99860, kEps);
  expect_identity(0);
}

TEST_F(RunPortfolio, ClosingExactlyLeavesNoPositionAndNoAverage) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 0);
  p.apply_fill(0, kStock, SELL, 10, 101, 0);  // realised 10 * 1 = 10
  EXPECT_EQ(p.position(0, kStock).quantity, 0);
  EXPECT_EQ(p.position(0, kStock).average_price, 0);
  EXPECT_NEAR(p.position(0, kStock).realized_pnl, 10, kEps);
  // 0.1 + 0.1 + 0.1 - 0.3 is 5.5e-17 in doubles: still flat, no phantom short.
  p.apply_fill(1, kStock, BUY, 0.1, 100, 0);
  p.apply_fill(1, kStock, BUY, 0.1, 100, 0);
  p.apply_fill(1, kStock, BUY, 0.1, 100, 0);
  p.apply_fill(1, kStock, SELL, 0.3, 100, 0);
  EXPECT_EQ(p.position(1, kStock).quantity, 0);
  EXPECT_EQ(p.position(1, kStock).average_price, 0);
  // A new buy then opens at its own price, not a blend with a stale average.
  p.apply_fill(1, kStock, BUY, 1, 120, 0);
  EXPECT_NEAR(p.position(1, kStock).average_price, 120, kEps);
}

TEST_F(RunPortfolio, FeesGoToCashAndStayApartFromRealised) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 1.25);
  p.apply_fill(0, kStock, SELL, 10, 102, 1.30);
  const keel_account_t a = p.account(0);
  // realised 10 * (102 - 100) = 20, not net of fees; fees 1.25 + 1.30 = 2.55
  EXPECT_NEAR(a.realized_pnl, 20, kEps);
  EXPECT_NEAR(a.fees, 2.55, kEps);
  EXPECT_NEAR(p.position(0, kStock).fees, 2.55, kEps);
  // cash 100000 - 1000 - 1.25 + 1020 - 1.30 = 100017.45
  EXPECT_NEAR(a.cash, 100017.45, kEps);
  EXPECT_NEAR(a.equity, 100017.45, kEps);
  expect_identity(0);
}

TEST_F(RunPortfolio, OptionMultiplierOf100) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kOption, BUY, 2, 3.50, 1.30);
  // cash 100000 - 2 * 3.50 * 100 - 1.30 = 99298.70
  EXPECT_NEAR(p.account(0).cash, 99298.70, 1e-6);
  p.set_mark(kOption, 4.10);
  // unrealised 2 * (4.10 - 3.50) * 100 = 120; equity 99298.70 + 2 * 4.10 * 100 = 100118.70
  EXPECT_NEAR(p.account(0).unrealized_pnl, 120, 1e-6);
  EXPECT_NEAR(p.account(0).equity, 100118.70, 1e-6);
  EXPECT_NEAR(p.account(0).gross_notional, 820, 1e-6);
  expect_identity(0);
  p.apply_fill(0, kOption, SELL, 1, 4.00, 0.65);
  // realised 1 * (4.00 - 3.50) * 100 = 50; cash 99298.70 + 400 - 0.65 = 99698.05
  EXPECT_NEAR(p.account(0).realized_pnl, 50, 1e-6);
  EXPECT_NEAR(p.account(0).cash, 99698.05, 1e-6);
  // 1 left @ 3.50 marked 4.10: unrealised 60; equity 99698.05 + 410 = 100108.05
  EXPECT_NEAR(p.account(0).unrealized_pnl, 60, 1e-6);
  EXPECT_NEAR(p.account(0).equity, 100108.05, 1e-6);
  expect_identity(0);
}

TEST_F(RunPortfolio, FutureMultiplierOf50MovesCashOnlyByRealisedAndFees) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kFuture, BUY, 3, 4500, 2.5);
  // No notional changes hands: cash 100000 - 2.5 (not 100000 - 675000).
  EXPECT_NEAR(p.account(0).cash, 99997.5, 1e-6);
  p.set_mark(kFuture, 4510);
  // unrealised 3 * (4510 - 4500) * 50 = 1500; equity 99997.5 + 1500 = 101497.5
  EXPECT_NEAR(p.account(0).unrealized_pnl, 1500, 1e-6);
  EXPECT_NEAR(p.account(0).equity, 101497.5, 1e-6);
  EXPECT_NEAR(p.account(0).gross_notional, 3 * 4510 * 50, 1e-6);  // 676500
  expect_identity(0);
  // Sell 5 @ 4520: 3 close, 3 * (4520 - 4500) * 50 = 3000 realised; -2 open @ 4520.
  p.apply_fill(0, kFuture, SELL, 5, 4520, 2.5);
  EXPECT_NEAR(p.position(0, kFuture).quantity, -2, kEps);
  EXPECT_NEAR(p.position(0, kFuture).average_price, 4520, kEps);
  EXPECT_NEAR(p.account(0).realized_pnl, 3000, 1e-6);
  // cash 99997.5 + 3000 - 2.5 = 102995
  EXPECT_NEAR(p.account(0).cash, 102995, 1e-6);
  p.set_mark(kFuture, 4530);
  // unrealised -2 * (4530 - 4520) * 50 = -1000; equity 102995 - 1000 = 101995
  EXPECT_NEAR(p.account(0).unrealized_pnl, -1000, 1e-6);
  EXPECT_NEAR(p.account(0).equity, 101995, 1e-6);
  expect_identity(0);
  // Buy 2 @ 4525 covers: 2 * (4520 - 4525) * 50 = -500 -> realised 2500; flat.
  p.apply_fill(0, kFuture, BUY, 2, 4525, 2.5);
  EXPECT_EQ(p.position(0, kFuture).quantity, 0);
  EXPECT_NEAR(p.account(0).realized_pnl, 2500, 1e-6);
  // cash 102995 - 500 - 2.5 = 102492.5 = 100000 + 2500 - 7.5
  EXPECT_NEAR(p.account(0).cash, 102492.5, 1e-6);
  EXPECT_NEAR(p.account(0).equity, 102492.5, 1e-6);
  EXPECT_NEAR(p.account(0).fees, 7.5, 1e-6);
  expect_identity(0);
}

TEST_F(RunPortfolio, MarksMustBeFiniteAndNonNegativeAndReportChanges) {
  Portfolio& p = *portfolio;
  EXPECT_FALSE(p.has_mark(kStock));
  EXPECT_FALSE(p.set_mark(kStock, -1));
  EXPECT_FALSE(p.set_mark(kStock, std::nan("")));
  EXPECT_FALSE(p.set_mark(kStock, HUGE_VAL));
  EXPECT_FALSE(p.has_mark(kStock));
  // 0 is a mark (an option expiring worthless), not "no mark".
  EXPECT_TRUE(p.set_mark(kStock, 0));
  EXPECT_TRUE(p.has_mark(kStock));
  EXPECT_FALSE(p.set_mark(kStock, 0));
  EXPECT_TRUE(p.set_mark(kStock, 100));
  EXPECT_FALSE(p.set_mark(kStock, 100));  // unchanged
  EXPECT_TRUE(p.set_mark(kStock, 101));
  EXPECT_DOUBLE_EQ(p.mark(kStock), 101);
}

TEST_F(RunPortfolio, UnmarkedPositionsAreCarriedAtCost) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 1);
  p.apply_fill(0, kFuture, BUY, 1, 4500, 2);
  const keel_account_t a = p.account(0);
  // No marks: no unrealised PnL; the stock is worth its cost, the future nothing extra.
  // equity = (100000 - 1000 - 1 - 2) + 10 * 100 = 99997 = 100000 - 3
  EXPECT_NEAR(a.unrealized_pnl, 0, kEps);
  EXPECT_NEAR(a.equity, 99997, kEps);
  // gross: 10 * 100 + 1 * 4500 * 50 = 226000
  EXPECT_NEAR(a.gross_notional, 226000, kEps);
  expect_identity(0);
}

TEST_F(RunPortfolio, PositionViewCarriesEveryField) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 0.5);
  p.apply_fill(0, kStock, SELL, 4, 103, 0.5);  // realised 4 * 3 = 12
  p.set_mark(kStock, 102);
  const keel_position_t v = p.position_view(0, kStock);
  EXPECT_EQ(v.instrument, kStock);
  EXPECT_NEAR(v.quantity, 6, kEps);
  EXPECT_NEAR(v.average_price, 100, kEps);
  EXPECT_NEAR(v.realized_pnl, 12, kEps);
  EXPECT_NEAR(v.unrealized_pnl, 12, kEps);  // 6 * (102 - 100)
  EXPECT_NEAR(v.fees, 1.0, kEps);
  EXPECT_NEAR(v.mark_price, 102, kEps);
}

TEST_F(RunPortfolio, StrategiesAreSeparateAndTheTotalSumsThem) {
  Portfolio& p = *portfolio;
  p.apply_fill(0, kStock, BUY, 10, 100, 0);
  p.apply_fill(1, kStock, SELL, 5, 100, 0);
  p.set_mark(kStock, 102);
  EXPECT_NEAR(p.position(0, kStock).quantity, 10, kEps);
  EXPECT_NEAR(p.position(1, kStock).quantity, -5, kEps);
  EXPECT_NEAR(p.account(0).unrealized_pnl, 20, kEps);   // 10 * 2
  EXPECT_NEAR(p.account(1).unrealized_pnl, -10, kEps);  // -5 * 2
  const keel_account_t t = p.total();
  EXPECT_NEAR(t.cash, 100000 - 1000 + 50000 + 500, kEps);
  EXPECT_NEAR(t.equity, 150000 + 20 - 10, kEps);
  EXPECT_NEAR(t.unrealized_pnl, 10, kEps);
  EXPECT_NEAR(t.gross_notional, 10 * 102 + 5 * 102, kEps);
}

TEST_F(RunPortfolio, EquityIdentityHoldsAfterEveryFillForEveryKind) {
  struct Step {
    keel_instrument_id_t instrument;
    int32_t side;
    double quantity, price, fee, mark;
  };
  const Step steps[] = {
      {kStock, BUY, 10, 100, 1, 101},   {kStock, SELL, 25, 102, 1, 99},
      {kStock, BUY, 30, 98, 1, 97},     {kOption, SELL, 3, 2.5, 0.9, 2.7},
      {kOption, BUY, 5, 2.6, 1.5, 2.4}, {kFuture, SELL, 2, 4400, 2, 4390},
      {kFuture, BUY, 4, 4380, 4, 4410}, {kFuture, SELL, 2, 4420, 2, 4415},
  };
  for (const Step& s : steps) {
    portfolio->apply_fill(0, s.instrument, s.side, s.quantity, s.price, s.fee);
    portfolio->set_mark(s.instrument, s.mark);
    SCOPED_TRACE(testing::Message() << "after " << s.quantity << " @ " << s.price);
    expect_identity(0);
  }
  // Hand-computed end state of the stock: +10 @100, -25 @102 -> realised 20, -15 @102;
  // +30 @98 -> realised 15 * 4 = 60 (total 80), +15 @98.
  EXPECT_NEAR(portfolio->position(0, kStock).realized_pnl, 80, kEps);
  EXPECT_NEAR(portfolio->position(0, kStock).quantity, 15, kEps);
  EXPECT_NEAR(portfolio->position(0, kStock).average_price, 98, kEps);
  // Future: -2 @4400, +4 @4380 -> 2 * 20 * 50 = 2000, +2 @4380; -2 @4420 -> 2 * 40 * 50 = 4000.
  EXPECT_NEAR(portfolio->position(0, kFuture).realized_pnl, 6000, 1e-6);
  EXPECT_EQ(portfolio->position(0, kFuture).quantity, 0);
}

}  // namespace
}  // namespace keel
