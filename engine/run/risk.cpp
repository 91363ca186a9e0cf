#include "engine/run/risk.hpp"

#include <cmath>
#include <cstdio>

namespace keel {
namespace {

// True when `value` is a whole multiple of `step` (to rounding error).
bool multiple_of(double value, double step) {
  if (step <= 0) return true;
  const double ratio = value / step;
  return std::abs(ratio - std::round(ratio)) <= 1e-9 * std::max(1.0, std::abs(ratio));
}

std::string format(const char* pattern, double a, double b = 0) {
  char text[160];
  std::snprintf(text, sizeof text, pattern, a, b);
  return text;
}

}  // namespace

std::string check_order_form(const keel_order_request_t& r, const Instrument& instrument) {
  if (r.side != KEEL_SIDE_BUY && r.side != KEEL_SIDE_SELL) return "side must be buy or sell";
  if (r.type < KEEL_ORDER_MARKET || r.type > KEEL_ORDER_STOP_LIMIT) {
    return "type must be market, limit, stop or stop-limit";
  }
  if (r.time_in_force < KEEL_TIF_GTC || r.time_in_force > KEEL_TIF_FOK) {
    return "time in force must be GTC, IOC or FOK";
  }
  if (!(r.quantity > 0) || !std::isfinite(r.quantity)) {
    return format("quantity %g must be positive", r.quantity);
  }
  if (!multiple_of(r.quantity, instrument.lot_size)) {
    return format("quantity %g is not a multiple of the lot size %g", r.quantity,
                  instrument.lot_size);
  }
  const bool has_limit = r.type == KEEL_ORDER_LIMIT || r.type == KEEL_ORDER_STOP_LIMIT;
  const bool has_stop = r.type == KEEL_ORDER_STOP || r.type == KEEL_ORDER_STOP_LIMIT;
  if (has_limit) {
    if (!(r.limit_price > 0) || !std::isfinite(r.limit_price)) {
      return format("limit price %g must be positive", r.limit_price);
    }
    if (!multiple_of(r.limit_price, instrument.tick_size)) {
      return format("limit price %g is not a multiple of the tick size %g", r.limit_price,
                    instrument.tick_size);
    }
  }
  if (has_stop) {
    if (!(r.stop_price > 0) || !std::isfinite(r.stop_price)) {
      return format("stop price %g must be positive", r.stop_price);
    }
    if (!multiple_of(r.stop_price, instrument.tick_size)) {
      return format("stop price %g is not a multiple of the tick size %g", r.stop_price,
                    instrument.tick_size);
    }
  }
  return "";
}

std::string check_risk_limits(const RiskSpec& risk, const keel_order_request_t& r,
                              const Instrument& instrument, const Portfolio& portfolio,
                              size_t strategy, const OpenOrders& open, double reference_price) {
  if (risk.max_order_quantity && r.quantity > *risk.max_order_quantity) {
    return format("risk: quantity %g exceeds max_order_quantity %g", r.quantity,
                  *risk.max_order_quantity);
  }
  if (risk.max_open_orders && open.count + 1 > *risk.max_open_orders) {
    return format("risk: %g open orders already, max_open_orders is %g",
                  static_cast<double>(open.count), static_cast<double>(*risk.max_open_orders));
  }
  const double position = portfolio.position(strategy, instrument.id).quantity;
  // Worst case: every open order on this side fills too.
  const double worst = r.side == KEEL_SIDE_BUY ? position + open.buy_quantity + r.quantity
                                               : position - open.sell_quantity - r.quantity;
  if (risk.max_position) {
    if (std::abs(worst) > *risk.max_position + 1e-9) {
      return format("risk: position would reach %g (with open orders), max_position is %g", worst,
                    *risk.max_position);
    }
  }
  const double order_price = r.type == KEEL_ORDER_LIMIT || r.type == KEEL_ORDER_STOP_LIMIT
                                 ? r.limit_price
                                 : (r.type == KEEL_ORDER_STOP ? r.stop_price : reference_price);
  if (risk.max_gross_notional && order_price > 0) {
    // This instrument's exposure grows from |position| to |worst| (open
    // orders on this side included), valued at the order's price; an order
    // that reduces the position never breaches the limit.
    const double growth = std::abs(worst) - std::abs(position);
    const double gross = portfolio.account(strategy).gross_notional +
                         growth * order_price * instrument.multiplier;
    if (growth > 0 && gross > *risk.max_gross_notional) {
      return format("risk: gross notional would reach %.2f, max_gross_notional is %.2f", gross,
                    *risk.max_gross_notional);
    }
  }
  if (risk.price_collar_pct && reference_price > 0 &&
      (r.type == KEEL_ORDER_LIMIT || r.type == KEEL_ORDER_STOP_LIMIT)) {
    const double distance = std::abs(r.limit_price - reference_price) / reference_price * 100;
    if (distance > *risk.price_collar_pct + 1e-12) {
      return format("risk: limit price is %.4g%% from the last mid, price_collar_pct is %g",
                    distance, *risk.price_collar_pct);
    }
  }
  return "";
}

}  // namespace keel
