// engine/run/risk.hpp — checks an order must pass before it leaves its
// strategy: first that it is well-formed for its instrument, then the run's
// risk limits for that strategy (RiskSpec), then its buying power
// (AccountSpec). A failed check is the reject reason the strategy sees; ""
// means the order may go.
#pragma once

#include <string>

#include "engine/config/run_config.hpp"
#include "engine/market/instrument.hpp"
#include "engine/run/portfolio.hpp"
#include "keel/market.h"

namespace keel {

// What a strategy has working at the venue or in flight (not yet terminal).
struct OpenOrders {
  int64_t count = 0;         // all instruments
  double buy_quantity = 0;   // on the instrument being checked
  double sell_quantity = 0;  // on the instrument being checked
  double held = 0;           // buying power they hold (all instruments), run currency
};

// What check_buying_power needs besides the order: the strategy's account
// and the venue's fees, which are part of an order's cost.
struct BuyingPower {
  AccountSpec account;
  double fee_bps = 0;        // the higher of the venue's taker and maker rates, >= 0
  double fee_per_order = 0;  // counted on every order (charged on its first fill)
};

// Market and stop orders fill at a price not known when they are sent (the
// ask, the next bar's open, past the stop): buying power values them this
// much above their reference (the last mid or mark) or stop price.
inline constexpr double kMarketPriceCushion = 0.01;

// Side, type, time in force, quantity (> 0, a lot multiple) and prices
// (positive, tick multiples, present for the order type).
std::string check_order_form(const keel_order_request_t& request, const Instrument& instrument);

// The RiskSpec limits. `reference_price` is the last mid (or mark) of the
// instrument, 0 when none is known yet (the collar and notional checks then
// use the order's own price, or pass when it has none).
std::string check_risk_limits(const RiskSpec& risk, const keel_order_request_t& request,
                              const Instrument& instrument, const Portfolio& portfolio,
                              size_t strategy, const OpenOrders& open, double reference_price);

// Buying power, on for every order (default: a cash account).
//  - The order is valued at its limit price (limit, stop-limit), its stop
//    price + kMarketPriceCushion (stop) or `reference_price` +
//    kMarketPriceCushion (market); it needs the exposure it adds to the
//    position (after the open orders on its side) times that price and the
//    multiplier (an option's premium, a future's notional), plus the fee
//    estimate. An order that adds no exposure (it reduces a position) always
//    passes.
//  - Cash account: it needs that much of the free cash: cash, less the cost
//    of open futures positions (futures move no cash when they fill, so they
//    hold their notional at cost), less what open orders hold. It cannot
//    sell short: a sell may not take the position (less open sells) below 0.
//  - Margin account: gross exposure may reach leverage x equity; free is
//    leverage x equity - gross notional - what open orders hold.
// `reference_price` 0 with no mark for the instrument: a market order cannot
// be valued and is refused. On success `hold` is what the order holds while
// it is open (OpenOrders::held; released as it fills or ends), else 0.
std::string check_buying_power(const BuyingPower& power, const keel_order_request_t& request,
                               const Instrument& instrument, const Portfolio& portfolio,
                               size_t strategy, const OpenOrders& open, double reference_price,
                               double& hold);

}  // namespace keel
