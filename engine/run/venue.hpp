// engine/run/venue.hpp — the simulated exchange: working orders per
// instrument, matched against each market event by the fill rules below.
//
// Quotes (a buy; a sell mirrors it with bid/bid_size):
//   - a market buy, or a limit buy at or above the ask, meeting a quote
//     takes the ask up to the quote's displayed ask size (taker); what
//     remains of a GTC order waits for later quotes;
//   - a resting buy limit fills at its limit when a later ask is at or below
//     it (up to the ask size), or when a trade prints at or below it (up to
//     the trade size; venue.fill_on_trades) — maker;
//   - several of our orders meeting one quote or trade share its size, in
//     arrival order.
//   - a market order meets trades only on an instrument with no quotes seen
//     (a trades-only feed): it fills at the trade price, up to its size.
// Bars (an order meets only bars strictly after the one it was sent on):
//   - market: the bar's open (taker);
//   - buy limit: when low <= limit, at min(open, limit) — taker if the open
//     was already at or below the limit, else maker;
//   - buy stop: when high >= stop, at max(open, stop) (taker); a stop-limit
//     then fills at that price if it is within the limit, else rests as a
//     limit;
//   - fills are capped at the bar's volume (venue.cap_bar_fills_at_volume),
//     shared by our orders in arrival order.
// Stops on quotes/trades trigger when the ask (buy) / bid (sell) or a trade
// price reaches the stop, then match as market or limit orders at once.
// Time in force: IOC fills what it can at the first event it meets and
// expires the rest; FOK fills entirely at that event or expires. For a stop
// (on quotes, trades or bars) that first event is the one that triggers it.
// Depth (an instrument whose OrderBook has_depth(): the run has depth data
// for it; docs/venue.md "Depth" states every rule with examples):
//   - orders meet the book on arrival (engine/run/venue_depth.cpp), and book
//     and trade events afterwards; quotes and bars only mark;
//   - taking (market, marketable limit, triggered stop) walks the opposite
//     side best first, one taker fill per level at its price, up to the
//     level's available() size; what it takes is gone for our later orders
//     until the data sets the level again; IOC expires the rest, FOK expires
//     unfilled unless the levels within its limit hold the whole quantity,
//     a GTC market order's rest walks again at the next book update of the
//     opposite side, a GTC limit's rest joins the queue at its limit;
//   - a resting limit joins the back of its level (ahead = the data's size
//     there + our earlier orders at that price) and advances by the venue's
//     queue_model (VenueSpec::queue_model); maker fills at its limit when
//     trades at its price reach it, when a trade prints through its limit
//     (all of it), or when the opposite side comes to or through its limit
//     (up to that side's available size there). Queue fills round down to
//     the instrument's lot size.
#pragma once

#include <vector>

#include "engine/config/run_config.hpp"
#include "engine/market/market_event.hpp"
#include "engine/market/order_book.hpp"
#include "engine/run/order.hpp"

namespace keel {

// Order kinds as the fill rules see them (venue.cpp and venue_depth.cpp).
namespace venue_rules {
inline bool is_stop(const Order& o) {
  return o.request.type == KEEL_ORDER_STOP || o.request.type == KEEL_ORDER_STOP_LIMIT;
}
// A market order, or a stop-market whose stop was reached.
inline bool acts_as_market(const Order& o) {
  return o.request.type == KEEL_ORDER_MARKET || (o.request.type == KEEL_ORDER_STOP && o.triggered);
}
inline bool immediate(const Order& o) {
  return o.request.time_in_force == KEEL_TIF_IOC || o.request.time_in_force == KEEL_TIF_FOK;
}
}  // namespace venue_rules

// What happened to an order at the venue, for the engine to book and report.
struct VenueEvent {
  enum class Kind { fill, expired, canceled };
  Kind kind = Kind::fill;
  uint64_t order_id = 0;
  double quantity = 0;  // fills
  double price = 0;     // fills
  int32_t liquidity = KEEL_LIQUIDITY_TAKER;
  const char* reason = "";  // static text for expired / canceled
  // The order right after this event (one event may fill, then expire it).
  int32_t state = KEEL_ORDER_ACCEPTED;
  double filled = 0;
  double average_price = 0;
};

class Venue {
 public:
  // `lot_sizes` (per instrument, or empty: no rounding) round the fills of
  // the queue models down to whole lots.
  Venue(const VenueSpec& spec, size_t instrument_count, OrderStore& orders,
        std::vector<double> lot_sizes = {});

  // The order reaches the venue and starts working (state ACCEPTED). On an
  // instrument with depth it meets the book at once: what happened is
  // appended to `out`.
  void arrive(Order& order, std::vector<VenueEvent>& out);
  // A cancel reaches the venue: true if the order was still working (it is
  // then CANCELED), false if it had already finished.
  bool cancel(Order& order);
  // Removes every working order of `strategy` (kill switch); appends a
  // canceled event for each.
  void cancel_all(size_t strategy, std::vector<VenueEvent>& out);
  // Matches the instrument's working orders against one event. Appends what
  // happened to `out` (not cleared). Orders updated in place. (Inline: most
  // events meet no working order.)
  void match(const MarketEvent& event, std::vector<VenueEvent>& out) {
    const keel_instrument_id_t instrument = event.instrument();
    if (event.kind == MarketEventKind::quote) has_quotes_[instrument] = 1;
    double before = 0;  // book events: the level's size before this update
    if (event.kind == MarketEventKind::book) {
      const keel_book_update_t& u = event.as.book;
      before = books_[instrument].apply(u.side, u.price, u.size);
    }
    if (!working_[instrument].empty()) match_working(event, before, out);
  }

  size_t working_orders() const;
  // The instrument's order book as the depth data has built it (empty when
  // the run has no depth data for it).
  const OrderBook& book(keel_instrument_id_t instrument) const { return books_[instrument]; }
  const std::vector<OrderBook>& books() const { return books_; }

 private:
  void match_working(const MarketEvent& event, double before, std::vector<VenueEvent>& out);
  // ---- depth instruments (venue_depth.cpp) ----
  void match_depth(const MarketEvent& event, double before, std::vector<VenueEvent>& out);
  void match_book(const keel_book_update_t& u, double before, std::vector<VenueEvent>& out);
  void match_depth_trade(const keel_trade_t& t, std::vector<VenueEvent>& out);
  // The order meets the book as a new order (arrival, or the first book
  // event after it): a stop waits for its trigger, anything else takes.
  void meet_book(Order& order, std::vector<VenueEvent>& out);
  // Walks the opposite side (fresh: the order's first match, where IOC and
  // FOK apply); a limit's rest joins its queue.
  void take(Order& order, bool fresh, std::vector<VenueEvent>& out);
  void join_queue(Order& order);
  // A resting limit meets an update of its own level (`ours`: the remaining
  // size of our earlier orders resting there).
  void queue_update(Order& order, double before, double after, double ours) const;
  // A resting limit meets an opposite side at or through its limit.
  void cross(Order& order, std::vector<VenueEvent>& out);
  bool stop_reached_on_book(const Order& order) const;
  double whole_lots(keel_instrument_id_t instrument, double quantity) const;
  void match_quote(const keel_quote_t& q, std::vector<VenueEvent>& out);
  void match_trade(const keel_trade_t& t, std::vector<VenueEvent>& out);
  void match_bar(const keel_bar_t& b, std::vector<VenueEvent>& out);
  void fill(Order& order, double quantity, double price, int32_t liquidity,
            std::vector<VenueEvent>& out);
  void expire(Order& order, const char* reason, std::vector<VenueEvent>& out);
  void sweep(keel_instrument_id_t instrument);  // drops finished orders from the book

  VenueSpec spec_;
  OrderStore& orders_;
  std::vector<std::vector<uint64_t>> working_;  // per instrument, arrival order
  std::vector<uint8_t> has_quotes_;             // per instrument (bytes: set on every quote)
  std::vector<OrderBook> books_;                // per instrument, from depth data
  std::vector<double> lot_sizes_;               // per instrument, or empty
};

}  // namespace keel
