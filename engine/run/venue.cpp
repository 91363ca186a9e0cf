#include "engine/run/venue.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace keel {

using namespace venue_rules;

Venue::Venue(const VenueSpec& spec, size_t instrument_count, OrderStore& orders,
             std::vector<double> lot_sizes)
    : spec_(spec),
      orders_(orders),
      working_(instrument_count),
      has_quotes_(instrument_count, 0),
      books_(instrument_count),
      lot_sizes_(std::move(lot_sizes)) {}

void Venue::arrive(Order& order, std::vector<VenueEvent>& out) {
  order.at_venue = true;
  order.state = KEEL_ORDER_ACCEPTED;
  const keel_instrument_id_t instrument = order.request.instrument;
  working_[instrument].push_back(order.id);
  if (books_[instrument].has_depth()) {
    meet_book(order, out);
    sweep(instrument);
  }
}

bool Venue::cancel(Order& order) {
  if (!order.at_venue || order.terminal()) return false;
  order.state = KEEL_ORDER_CANCELED;
  order.reason = "cancelled by the strategy";
  sweep(order.request.instrument);
  return true;
}

void Venue::cancel_all(size_t strategy, std::vector<VenueEvent>& out) {
  for (size_t instrument = 0; instrument < working_.size(); ++instrument) {
    for (uint64_t id : working_[instrument]) {
      Order& order = orders_.get(id);
      if (order.strategy != strategy || order.terminal()) continue;
      order.state = KEEL_ORDER_CANCELED;
      out.push_back({VenueEvent::Kind::canceled, id, 0, 0, 0, "cancelled by the kill switch",
                     order.state, order.filled, order.average_price});
    }
    sweep(static_cast<keel_instrument_id_t>(instrument));
  }
}

size_t Venue::working_orders() const {
  size_t n = 0;
  for (const auto& list : working_) n += list.size();
  return n;
}

void Venue::match_working(const MarketEvent& event, double before, std::vector<VenueEvent>& out) {
  const keel_instrument_id_t instrument = event.instrument();
  if (books_[instrument].has_depth()) {
    match_depth(event, before, out);
    sweep(instrument);
    return;
  }
  switch (event.kind) {
    case MarketEventKind::quote:
      match_quote(event.as.quote, out);
      break;
    case MarketEventKind::trade:
      match_trade(event.as.trade, out);
      break;
    case MarketEventKind::bar:
      match_bar(event.as.bar, out);
      break;
    case MarketEventKind::book:
      break;
  }
  sweep(instrument);
}

void Venue::match_quote(const keel_quote_t& q, std::vector<VenueEvent>& out) {
  double ask_left = q.ask > 0 ? q.ask_size : 0;
  double bid_left = q.bid > 0 ? q.bid_size : 0;
  for (uint64_t id : working_[q.instrument]) {
    Order& o = orders_.get(id);
    if (o.terminal()) continue;
    const bool buy = o.is_buy();
    bool fresh = !o.seen_market;
    o.seen_market = true;
    if (is_stop(o) && !o.triggered) {
      const bool hit = buy ? (q.ask > 0 && q.ask >= o.request.stop_price)
                           : (q.bid > 0 && q.bid <= o.request.stop_price);
      if (!hit) continue;  // time in force applies once triggered
      o.triggered = true;
      fresh = true;  // a triggered stop meets the book like a new order
    }
    const double touch = buy ? q.ask : q.bid;
    double& size_left = buy ? ask_left : bid_left;
    const bool market = acts_as_market(o);
    const bool crosses =
        market || (buy ? touch <= o.request.limit_price : touch >= o.request.limit_price);
    if (size_left > 0 && crosses) {
      const double quantity = std::min(o.remaining(), size_left);
      if (fresh && o.request.time_in_force == KEEL_TIF_FOK && quantity < o.remaining()) {
        expire(o, "fill-or-kill: the quote's size could not fill it entirely", out);
        continue;
      }
      // New marketable orders take the touch; resting limits fill at their limit.
      const bool taker = fresh || market;
      fill(o, quantity, taker ? touch : o.request.limit_price,
           taker ? KEEL_LIQUIDITY_TAKER : KEEL_LIQUIDITY_MAKER, out);
      size_left -= quantity;
    }
    if (fresh && immediate(o) && !o.terminal()) {
      expire(o, "immediate-or-cancel: remainder not filled at the first quote", out);
    }
  }
}

void Venue::match_trade(const keel_trade_t& t, std::vector<VenueEvent>& out) {
  const bool quotes_feed = has_quotes_[t.instrument] != 0;
  double size_left = t.size;
  for (uint64_t id : working_[t.instrument]) {
    Order& o = orders_.get(id);
    if (o.terminal()) continue;
    const bool buy = o.is_buy();
    bool fresh = !o.seen_market;
    if (is_stop(o) && !o.triggered) {
      const bool hit = buy ? t.price >= o.request.stop_price : t.price <= o.request.stop_price;
      if (!hit) continue;
      o.triggered = true;
      o.seen_market = false;  // it meets its first book (quote or trade) as a new order
      fresh = true;
    }
    const bool market = acts_as_market(o);
    // Trades fill market orders only on a trades-only feed, and limits only
    // when the run allows fills on trade prints.
    if (market ? quotes_feed : !spec_.fill_on_trades) continue;
    o.seen_market = true;
    const bool crosses =
        market || (buy ? t.price <= o.request.limit_price : t.price >= o.request.limit_price);
    if (size_left > 0 && crosses) {
      const double quantity = std::min(o.remaining(), size_left);
      if (fresh && o.request.time_in_force == KEEL_TIF_FOK && quantity < o.remaining()) {
        expire(o, "fill-or-kill: the trade's size could not fill it entirely", out);
        continue;
      }
      fill(o, quantity, market ? t.price : o.request.limit_price,
           market ? KEEL_LIQUIDITY_TAKER : KEEL_LIQUIDITY_MAKER, out);
      size_left -= quantity;
    }
    if (fresh && immediate(o) && !o.terminal()) {
      expire(o, "immediate-or-cancel: remainder not filled at the first trade", out);
    }
  }
}

void Venue::match_bar(const keel_bar_t& b, std::vector<VenueEvent>& out) {
  const bool capped = spec_.cap_bar_fills_at_volume && b.volume > 0;
  double volume_left = capped ? b.volume : std::numeric_limits<double>::infinity();
  for (uint64_t id : working_[b.instrument]) {
    Order& o = orders_.get(id);
    if (o.terminal() || b.ts <= o.submitted_ts) continue;  // never the signal's own bar
    const bool buy = o.is_buy();
    bool fresh = !o.seen_market;
    o.seen_market = true;
    double price = 0;
    int32_t liquidity = KEEL_LIQUIDITY_TAKER;
    bool fills = false;
    if (is_stop(o) && !o.triggered) {
      const double stop = o.request.stop_price;
      if (!(buy ? b.high >= stop : b.low <= stop)) continue;  // time in force starts at the trigger
      o.triggered = true;
      fresh = true;  // a triggered stop meets the bar like a new order
      // The stop is reached at the open if the bar gapped through it.
      const double trigger = buy ? std::max(b.open, stop) : std::min(b.open, stop);
      if (o.request.type == KEEL_ORDER_STOP ||
          (buy ? trigger <= o.request.limit_price : trigger >= o.request.limit_price)) {
        fills = true;
        price = trigger;
      }
    } else if (acts_as_market(o)) {
      fills = true;
      price = b.open;
    } else {
      const double limit = o.request.limit_price;
      if (buy ? b.low <= limit : b.high >= limit) {
        fills = true;
        const bool open_through = buy ? b.open <= limit : b.open >= limit;
        price = open_through ? b.open : limit;
        liquidity = open_through ? KEEL_LIQUIDITY_TAKER : KEEL_LIQUIDITY_MAKER;
      }
    }
    if (fills && volume_left > 0) {
      const double quantity = std::min(o.remaining(), volume_left);
      if (fresh && o.request.time_in_force == KEEL_TIF_FOK && quantity < o.remaining()) {
        expire(o, "fill-or-kill: the bar's volume could not fill it entirely", out);
        continue;
      }
      fill(o, quantity, price, liquidity, out);
      volume_left -= quantity;
    }
    if (fresh && immediate(o) && !o.terminal()) {
      expire(o, "immediate-or-cancel: remainder not filled in the first bar", out);
    }
  }
}

void Venue::fill(Order& order, double quantity, double price, int32_t liquidity,
                 std::vector<VenueEvent>& out) {
  const double filled = order.filled + quantity;
  order.average_price = (order.average_price * order.filled + price * quantity) / filled;
  order.filled = filled;
  // Quantities are lot multiples; a remainder below a millionth of a lot is rounding.
  order.state = order.remaining() <= 1e-9 * order.request.quantity ? KEEL_ORDER_FILLED
                                                                   : KEEL_ORDER_PARTIALLY_FILLED;
  out.push_back({VenueEvent::Kind::fill, order.id, quantity, price, liquidity, "", order.state,
                 order.filled, order.average_price});
}

void Venue::expire(Order& order, const char* reason, std::vector<VenueEvent>& out) {
  order.state = KEEL_ORDER_EXPIRED;
  order.reason = reason;
  out.push_back({VenueEvent::Kind::expired, order.id, 0, 0, 0, reason, order.state, order.filled,
                 order.average_price});
}

void Venue::sweep(keel_instrument_id_t instrument) {
  auto& list = working_[instrument];
  std::erase_if(list, [&](uint64_t id) { return orders_.get(id).terminal(); });
}

}  // namespace keel
