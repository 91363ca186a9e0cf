// engine/run/risk.hpp — checks an order must pass before it leaves its
// strategy: first that it is well-formed for its instrument, then the run's
// risk limits for that strategy (RiskSpec). A failed check is the reject
// reason the strategy sees; "" means the order may go.
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
};

// Side, type, time in force, quantity (> 0, a lot multiple) and prices
// (positive, tick multiples, present for the order type).
std::string check_order_form(const keel_order_request_t& request, const Instrument& instrument);

// The RiskSpec limits. `reference_price` is the last mid (or mark) of the
// instrument, 0 when none is known yet (the collar and notional checks then
// use the order's own price, or pass when it has none).
std::string check_risk_limits(const RiskSpec& risk, const keel_order_request_t& request,
                              const Instrument& instrument, const Portfolio& portfolio,
                              size_t strategy, const OpenOrders& open, double reference_price);

}  // namespace keel
