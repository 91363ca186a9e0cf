// engine/run/venue_depth.cpp — the fill rules of an instrument with depth
// (venue.hpp, "Depth"; docs/venue.md states them with worked examples):
// orders meet the L2 book on arrival, take by walking it, and rest in a
// queue whose place the venue's queue model advances.
//
// The book is the data's: our resting orders are not in it. A later order of
// ours at a price where earlier ones rest counts them as ahead of it, and the
// queue models move only the data's part of what is ahead.
#include <algorithm>
#include <cmath>

#include "engine/run/venue.hpp"

namespace keel {

using namespace venue_rules;

namespace {

int32_t own_side(const Order& o) { return o.is_buy() ? KEEL_BOOK_BID : KEEL_BOOK_ASK; }
int32_t opposite_side(const Order& o) { return o.is_buy() ? KEEL_BOOK_ASK : KEEL_BOOK_BID; }

// Whether `price` is one the order may trade at.
bool within_limit(const Order& o, double price) {
  if (acts_as_market(o)) return true;
  return o.is_buy() ? price <= o.request.limit_price : price >= o.request.limit_price;
}

// Met the book and waits at its limit: not a market order, not a stop
// still waiting for its trigger.
bool resting_limit(const Order& o) {
  return o.seen_market && !acts_as_market(o) && !(is_stop(o) && !o.triggered);
}

// f(back) / (f(back) + f(front)): the probability that a decrease of the
// level came from behind us (hftbacktest's PowerProbQueueFunc and
// LogProbQueueFunc); 1 when it is not a finite number (both sides empty).
double behind_probability(const VenueSpec& spec, double front, double back) {
  const auto f = [&](double x) {
    return spec.queue_model == QueueModel::log ? std::log1p(x) : std::pow(x, spec.queue_exponent);
  };
  const double p = f(back) / (f(back) + f(front));
  return std::isfinite(p) ? p : 1.0;
}

}  // namespace

void Venue::match_depth(const MarketEvent& event, double before, std::vector<VenueEvent>& out) {
  switch (event.kind) {
    case MarketEventKind::book:
      match_book(event.as.book, before, out);
      break;
    case MarketEventKind::trade:
      match_depth_trade(event.as.trade, out);
      break;
    case MarketEventKind::quote:
    case MarketEventKind::bar:
      break;  // they only mark a depth instrument
  }
}

void Venue::meet_book(Order& o, std::vector<VenueEvent>& out) {
  o.seen_market = true;
  if (is_stop(o) && !o.triggered) {
    if (!stop_reached_on_book(o)) return;  // time in force applies once triggered
    o.triggered = true;
  }
  take(o, /*fresh=*/true, out);
}

bool Venue::stop_reached_on_book(const Order& o) const {
  const BookLevel* best = books_[o.request.instrument].best(opposite_side(o));
  if (best == nullptr) return false;
  return o.is_buy() ? best->price >= o.request.stop_price : best->price <= o.request.stop_price;
}

void Venue::take(Order& o, bool fresh, std::vector<VenueEvent>& out) {
  OrderBook& book = books_[o.request.instrument];
  const int32_t side = opposite_side(o);
  const size_t levels = book.depth(side);
  if (fresh && o.request.time_in_force == KEEL_TIF_FOK) {
    double available = 0;
    for (size_t k = 0; k < levels && available < o.remaining(); ++k) {
      const BookLevel& l = book.level(side, k);
      if (!within_limit(o, l.price)) break;
      available += l.available();
    }
    if (available < o.remaining() && o.remaining() - available > 1e-9 * o.request.quantity) {
      expire(o, "fill-or-kill: the book within the limit could not fill it entirely", out);
      return;
    }
  }
  for (size_t k = 0; k < levels && !o.terminal(); ++k) {
    BookLevel& l = book.level(side, k);
    if (!within_limit(o, l.price)) break;
    const double quantity = std::min(o.remaining(), l.available());
    if (quantity <= 0) continue;
    l.taken += quantity;
    fill(o, quantity, l.price, KEEL_LIQUIDITY_TAKER, out);
  }
  if (o.terminal()) return;
  if (fresh && immediate(o)) {
    expire(o, "immediate-or-cancel: remainder not filled by the book", out);
    return;
  }
  if (!acts_as_market(o)) join_queue(o);
}

void Venue::join_queue(Order& o) {
  const double limit = o.request.limit_price;
  double ours = 0;
  for (uint64_t id : working_[o.request.instrument]) {
    if (id == o.id) continue;
    const Order& other = orders_.get(id);
    if (!other.terminal() && resting_limit(other) && other.request.side == o.request.side &&
        other.request.limit_price == limit) {
      ours += other.remaining();
    }
  }
  o.queue_ahead = books_[o.request.instrument].size_at(own_side(o), limit) + ours;
  o.queue_traded = 0;
}

void Venue::match_book(const keel_book_update_t& u, double before, std::vector<VenueEvent>& out) {
  double ours = 0;  // our orders resting at the updated level, in arrival order
  for (uint64_t id : working_[u.instrument]) {
    Order& o = orders_.get(id);
    if (o.terminal()) continue;
    if (!o.seen_market) {  // arrived before the instrument had depth
      meet_book(o, out);
      continue;
    }
    if (is_stop(o) && !o.triggered) {
      if (stop_reached_on_book(o)) {
        o.triggered = true;
        take(o, /*fresh=*/true, out);
      }
      continue;
    }
    if (acts_as_market(o)) {  // a GTC market order's rest
      if (u.side == opposite_side(o)) take(o, /*fresh=*/false, out);
      continue;
    }
    if (u.side != own_side(o)) {
      cross(o, out);
    } else if (u.price == o.request.limit_price) {
      queue_update(o, before, u.size, ours);
      ours += o.remaining();
    }
  }
}

void Venue::queue_update(Order& o, double before, double after, double ours) const {
  // The data's part of what is ahead; our earlier orders stay ahead.
  const double front = std::max(o.queue_ahead - ours, 0.0);
  double est = front;
  if (spec_.queue_model == QueueModel::risk_averse) {
    // Cancels are assumed behind us: only the level shrinking below our place moves us.
    est = std::min(front, after);
  } else {
    // What trades already took off the level is not a decrease again.
    const double change = before - after - o.queue_traded;
    o.queue_traded = 0;
    if (change < 0) {
      est = std::min(front, after);
    } else {
      const double back = before - front;
      const double p = behind_probability(spec_, front, back);
      est = std::min(front - (1 - p) * change + std::min(back - p * change, 0.0), after);
    }
  }
  o.queue_ahead = std::max(est, 0.0) + ours;
}

void Venue::cross(Order& o, std::vector<VenueEvent>& out) {
  OrderBook& book = books_[o.request.instrument];
  const int32_t side = opposite_side(o);
  double quantity = 0;
  for (size_t k = 0; k < book.depth(side) && quantity < o.remaining(); ++k) {
    BookLevel& l = book.level(side, k);
    if (!within_limit(o, l.price)) break;
    const double q = std::min(o.remaining() - quantity, l.available());
    l.taken += q;
    quantity += q;
  }
  if (quantity > 0) fill(o, quantity, o.request.limit_price, KEEL_LIQUIDITY_MAKER, out);
}

void Venue::match_depth_trade(const keel_trade_t& t, std::vector<VenueEvent>& out) {
  for (uint64_t id : working_[t.instrument]) {
    Order& o = orders_.get(id);
    if (o.terminal() || !o.seen_market) continue;
    if (is_stop(o) && !o.triggered) {
      if (o.is_buy() ? t.price >= o.request.stop_price : t.price <= o.request.stop_price) {
        o.triggered = true;
        take(o, /*fresh=*/true, out);
      }
      continue;
    }
    if (acts_as_market(o)) continue;  // market orders take from the book only
    const double limit = o.request.limit_price;
    if (o.is_buy() ? t.price < limit : t.price > limit) {
      // Traded through: the whole level, and we with it, was taken.
      fill(o, o.remaining(), limit, KEEL_LIQUIDITY_MAKER, out);
      continue;
    }
    if (t.price != limit) continue;
    o.queue_ahead -= t.size;
    o.queue_traded += t.size;
    if (o.queue_ahead < 0) {
      const double quantity = whole_lots(t.instrument, std::min(o.remaining(), -o.queue_ahead));
      if (quantity > 0) {
        o.queue_ahead = 0;
        fill(o, quantity, limit, KEEL_LIQUIDITY_MAKER, out);
      }
    }
  }
}

double Venue::whole_lots(keel_instrument_id_t instrument, double quantity) const {
  if (lot_sizes_.empty() || !(lot_sizes_[instrument] > 0)) return quantity;
  const double lot = lot_sizes_[instrument];
  return std::floor(quantity / lot + 1e-9) * lot;
}

}  // namespace keel
