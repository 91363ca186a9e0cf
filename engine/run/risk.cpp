#include "engine/run/risk.hpp"

#include <algorithm>
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

// A sum of money for a message: cents while that is readable.
std::string money(double value) {
  char text[40];
  std::snprintf(text, sizeof text, std::abs(value) < 1e15 ? "%.2f" : "%.4g", value);
  return text;
}

// The price an order is valued at: its limit (limit, stop-limit), its stop
// (stop) or the reference (market); 0 when none is known.
double order_price(const keel_order_request_t& r, double reference) {
  switch (r.type) {
    case KEEL_ORDER_LIMIT:
    case KEEL_ORDER_STOP_LIMIT:
      return r.limit_price;
    case KEEL_ORDER_STOP:
      return r.stop_price;
    default:
      return reference;
  }
}

// How much |position| grows when `quantity` more is bought or sold (< 0
// when the trade reduces it).
double exposure_growth(double position, int32_t side, double quantity) {
  const double after = side == KEEL_SIDE_BUY ? position + quantity : position - quantity;
  return std::abs(after) - std::abs(position);
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
  const double price = order_price(r, reference_price);
  if (risk.max_gross_notional && price > 0) {
    // This instrument's exposure grows from |position| to |worst| (open
    // orders on this side included), valued at the order's price; an order
    // that reduces the position never breaches the limit.
    const double same_side = r.side == KEEL_SIDE_BUY ? open.buy_quantity : open.sell_quantity;
    const double growth = exposure_growth(position, r.side, same_side + r.quantity);
    const double gross =
        portfolio.account(strategy).gross_notional + growth * price * instrument.multiplier;
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

std::string check_buying_power(const BuyingPower& power, const keel_order_request_t& r,
                               const Instrument& instrument, const Portfolio& portfolio,
                               size_t strategy, const OpenOrders& open, double reference_price,
                               double& hold) {
  hold = 0;
  const bool buy = r.side == KEEL_SIDE_BUY;
  const bool cash_account = power.account.type == AccountType::cash;
  const double position = portfolio.position(strategy, instrument.id).quantity;
  char text[512];
  if (cash_account && !buy && position - open.sell_quantity - r.quantity < -1e-9) {
    std::snprintf(text, sizeof text,
                  "account: a cash account cannot sell short: selling %g %s with %g held and %g "
                  "on open sell orders would leave %g; set \"account\": {\"type\": "
                  "\"margin\"} to sell short",
                  r.quantity, instrument.symbol.c_str(), position, open.sell_quantity,
                  position - open.sell_quantity - r.quantity);
    return text;
  }
  // The exposure this order adds once the open orders on its side have
  // filled (what they add is in open.held already).
  const double ahead = buy ? position + open.buy_quantity : position - open.sell_quantity;
  const double growth = exposure_growth(ahead, r.side, r.quantity);
  if (growth <= 1e-12) return "";  // it only reduces a position
  const bool priced_later = r.type == KEEL_ORDER_MARKET || r.type == KEEL_ORDER_STOP;
  if (r.type == KEEL_ORDER_MARKET && !(reference_price > 0) && !portfolio.has_mark(instrument.id)) {
    std::snprintf(text, sizeof text,
                  "account: buying power: no price for %s yet (no quote, trade or bar) to value "
                  "a market order; send a limit order or wait for market data",
                  instrument.symbol.c_str());
    return text;
  }
  const double price =
      std::max(0.0, order_price(r, reference_price)) * (priced_later ? 1 + kMarketPriceCushion : 1);
  const double notional = growth * price * instrument.multiplier;
  const double cost = notional + notional * power.fee_bps / 1e4 + power.fee_per_order;
  const keel_account_t account = portfolio.account(strategy);
  if (cash_account) {
    const double futures = portfolio.futures_cost(strategy);
    const double free = account.cash - futures - open.held;
    if (cost > free + 1e-9 * std::max(1.0, std::abs(free))) {
      const std::string held_by_futures =
          futures != 0 ? " - " + money(futures) + " in futures at cost" : "";
      std::snprintf(text, sizeof text,
                    "account: buying power: the order needs %s (%g %s at %.10g, with fees) but "
                    "the cash account has %s free (cash %s%s - %s held by open orders); lower "
                    "the quantity, or trade on margin with \"account\": {\"type\": "
                    "\"margin\", \"leverage\": ...}",
                    money(cost).c_str(), growth, instrument.symbol.c_str(), price,
                    money(free).c_str(), money(account.cash).c_str(), held_by_futures.c_str(),
                    money(open.held).c_str());
      return text;
    }
  } else {
    const double leverage = power.account.leverage;
    const double free = leverage * account.equity - account.gross_notional - open.held;
    if (cost > free + 1e-9 * std::max(1.0, std::abs(free))) {
      std::snprintf(text, sizeof text,
                    "account: buying power: the order needs %s (%g %s at %.10g, with fees) but "
                    "the margin account has %s free (leverage %g x equity %s - gross %s - %s "
                    "held by open orders); lower the quantity or raise account.leverage",
                    money(cost).c_str(), growth, instrument.symbol.c_str(), price,
                    money(free).c_str(), leverage, money(account.equity).c_str(),
                    money(account.gross_notional).c_str(), money(open.held).c_str());
      return text;
    }
  }
  hold = cost;
  return "";
}

}  // namespace keel
