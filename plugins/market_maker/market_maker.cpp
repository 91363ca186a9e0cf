// keel.market_maker — a quoting strategy, as a keel strategy plugin written
// with the C++ SDK. Two modes (param "mode").
//
// "quotes" (the default): per instrument, independently, it keeps one GTC
// limit bid and one GTC limit ask around the mid of the latest quote:
//
//   bid = mid * (1 - spread_bps / 2 / 1e4), rounded DOWN to the tick
//   ask = mid * (1 + spread_bps / 2 / 1e4), rounded UP to the tick
//
// so rounding never narrows the spread. The tick comes from the host's
// instrument_get (0.01 when the host has none or gives none).
//
// "depth" (runs with order-book depth data): it quotes at the touch, choosing
// by queue position. After every book event it reads the best level of each
// side (keel_host_t.book_levels) and, per side:
//   - joins the best level when the size already there (the queue it would
//     wait behind) is at most `join_queue_max`;
//   - otherwise improves it by one tick (a new level, first in its queue),
//     if that does not reach the other side's best;
//   - and if both improved prices would meet or cross, joins on both sides.
// Quotes are not used in this mode; spread_bps is not used.
//
// Requoting. The prices are recomputed when the mid has moved away from the
// mid they were computed from by more than `requote_threshold_bps` (0, the
// default: by anything at all). A side whose working order is not at its
// price (or that must not quote any more, below) is cancelled, and its
// replacement is submitted only once the venue has confirmed the cancel (or
// the order has filled): never cancel-and-submit at once, which would leave
// two orders on one side, doubling the exposure, until the cancel lands. So
// there is at most one working order per side at any time. A side whose
// rounded price did not change keeps its order (and its queue priority).
//
// Position limits. The position is this strategy's own, from the host at
// the start and then from its fills. No bid while position + quantity >
// max_position; no ask while position - quantity < -max_position. A working
// order on a side that may no longer quote is cancelled (checked on every
// quote, cancel/fill confirmation and partial-fill update).
//
// Refusals. A submit the host refuses at once (KEEL_ERR_REJECTED, e.g. a risk
// check) or an order the venue rejects later is logged, and that side is not
// retried at the same price until the price or the position changes (so a
// persistent refusal cannot turn into a submit storm). Other host errors stop
// the strategy with their status.
//
// Per event: O(1), no allocation once an instrument has been seen.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "keel/sdk.hpp"

namespace {

using keel::sdk::Error;

constexpr double kDefaultTick = 0.01;
constexpr double kQuantityEpsilon = 1e-9;
constexpr double kNoPrice = std::numeric_limits<double>::quiet_NaN();

enum SideIndex : int { kBid = 0, kAsk = 1 };  // == KEEL_SIDE_BUY, KEEL_SIDE_SELL

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

double positive_number(keel::sdk::Params& params, const char* key, double fallback) {
  const double value = params.number(key, fallback);
  if (!(value > 0)) {
    throw Error(KEEL_ERR_INVALID_ARGUMENT,
                std::string("/") + key + ": expected a number > 0, got " + format_number(value));
  }
  return value;
}

// A price as `ticks` whole ticks, written so that e.g. 9995 ticks of 0.01
// come out as the double nearest 99.95.
double ticks_to_price(double ticks, double tick) {
  const double per_unit = 1.0 / tick;
  const double whole = std::round(per_unit);
  if (tick < 1 && whole >= 1 && std::fabs(per_unit - whole) <= 1e-9 * whole) return ticks / whole;
  return ticks * tick;
}
// The 1e-9 tick slack keeps a price already on the tick (99.95 / 0.01 =
// 9994.999...) where it is.
double round_down(double price, double tick) {
  return ticks_to_price(std::floor(price / tick + 1e-9), tick);
}
double round_up(double price, double tick) {
  return ticks_to_price(std::ceil(price / tick - 1e-9), tick);
}

bool is_terminal(int32_t state) {
  return state == KEEL_ORDER_FILLED || state == KEEL_ORDER_CANCELED ||
         state == KEEL_ORDER_REJECTED || state == KEEL_ORDER_EXPIRED;
}

class MarketMaker final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel.market_maker";
  static constexpr const char* kDescription =
      "Symmetric market maker on quotes: one GTC limit bid and ask around the mid, tick-rounded "
      "outward, requoted on mid moves, within a position limit";
  static constexpr const char* kParamsSchema = R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "keel.market_maker params",
    "type": "object",
    "properties": {
      "spread_bps": {
        "type": "number", "exclusiveMinimum": 0, "default": 10,
        "description": "Full quoted spread in basis points of the mid: bid = mid*(1 - spread_bps/2/1e4) rounded down to the tick, ask = mid*(1 + spread_bps/2/1e4) rounded up."
      },
      "quantity": {
        "type": "number", "exclusiveMinimum": 0, "default": 1,
        "description": "Size of each quote (a multiple of the instrument's lot size)."
      },
      "max_position": {
        "type": "number", "exclusiveMinimum": 0, "default": 10,
        "description": "Absolute position limit (>= quantity): no bid while position + quantity > max_position, no ask while position - quantity < -max_position."
      },
      "requote_threshold_bps": {
        "type": "number", "minimum": 0, "default": 0,
        "description": "Requote when the mid moves by more than this many basis points from the mid of the current quotes; 0 requotes on any change of the mid."
      },
      "mode": {
        "enum": ["quotes", "depth"], "default": "quotes",
        "description": "quotes: around the mid of the latest quote (spread_bps). depth: at the touch of the order book (depth data), joining the best level or improving it by a tick by queue position (join_queue_max)."
      },
      "join_queue_max": {
        "type": "number", "minimum": 0, "default": 50,
        "description": "depth mode: join the best level when at most this size is already queued there; else improve it by one tick."
      }
    },
    "additionalProperties": false,
    "description": "Quotes both sides of every subscribed instrument around the mid. A requote cancels the working order first and submits the replacement only once the cancel is confirmed (or the order filled), so a side never has two working orders."
  })";

  MarketMaker(keel::sdk::Params& params, const keel::sdk::Host& host) : host_(host) {
    spread_bps_ = positive_number(params, "spread_bps", 10);
    if (spread_bps_ >= 2e4) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT,
                  "/spread_bps: expected a number below 20000 (the bid would be <= 0), got " +
                      format_number(spread_bps_));
    }
    quantity_ = positive_number(params, "quantity", 1);
    max_position_ = positive_number(params, "max_position", 10);
    if (max_position_ + kQuantityEpsilon < quantity_) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT,
                  "/max_position: expected a number >= quantity (" + format_number(quantity_) +
                      ") or no bid could ever be posted, got " + format_number(max_position_));
    }
    threshold_bps_ = params.number("requote_threshold_bps", 0.0, {.min = 0});
    const std::string mode = params.string("mode", "quotes");
    if (mode != "quotes" && mode != "depth") {
      throw Error(KEEL_ERR_INVALID_ARGUMENT,
                  "/mode: expected \"quotes\" or \"depth\", got \"" + mode + "\"");
    }
    depth_mode_ = mode == "depth";
    join_queue_max_ = params.number("join_queue_max", 50.0, {.min = 0});
  }

  void on_start(const keel_strategy_start_t& start) override {
    for (size_t i = 0; i < start.instrument_count && start.instruments != nullptr; ++i) {
      state_for(start.instruments[i]);
    }
  }

  void on_quote(const keel_quote_t& quote) override {
    if (depth_mode_) return;
    if (!(std::isfinite(quote.bid) && std::isfinite(quote.ask) && quote.bid > 0 &&
          quote.ask >= quote.bid)) {
      return;  // a one-sided or crossed book has no mid to quote around
    }
    Instrument& s = state_for(quote.instrument);
    const double mid = 0.5 * (quote.bid + quote.ask);
    if (!s.has_mid || moved(s.mid, mid)) {
      s.has_mid = true;
      s.mid = mid;
      const double half = spread_bps_ / 2 / 1e4;
      s.target[kBid] = round_down(mid * (1 - half), s.tick);
      s.target[kAsk] = round_up(mid * (1 + half), s.tick);
    }
    reconcile(s);
  }

  // Depth mode: requote from the top of the book after every change of it.
  void on_book(const keel_book_update_t& update) override {
    if (!depth_mode_) return;
    keel_book_level_t bid{}, ask{};
    if (!best_level(update.instrument, KEEL_BOOK_BID, bid) ||
        !best_level(update.instrument, KEEL_BOOK_ASK, ask) || !(ask.price > bid.price)) {
      return;  // a one-sided or crossed book: keep what is working
    }
    Instrument& s = state_for(update.instrument);
    double target_bid = bid.price;
    double target_ask = ask.price;
    const bool improve_bid =
        bid.size > join_queue_max_ && bid.price + s.tick < ask.price - 1e-9 * s.tick;
    const bool improve_ask =
        ask.size > join_queue_max_ && ask.price - s.tick > bid.price + 1e-9 * s.tick;
    if (improve_bid) target_bid = round_down(bid.price + s.tick, s.tick);
    if (improve_ask) target_ask = round_up(ask.price - s.tick, s.tick);
    if (!(target_bid < target_ask)) {  // both improved onto one price: join both
      target_bid = bid.price;
      target_ask = ask.price;
    }
    s.has_mid = true;
    s.mid = 0.5 * (bid.price + ask.price);
    s.target[kBid] = target_bid;
    s.target[kAsk] = target_ask;
    reconcile(s);
  }

  void on_fill(const keel_fill_t& fill) override {
    Instrument* s = find(fill.instrument);
    if (s == nullptr) return;
    s->position += fill.side == KEEL_SIDE_BUY ? fill.quantity : -fill.quantity;
    // A new position may lift a refusal (a risk limit, say): allow retries.
    s->side[kBid].rejected_price = kNoPrice;
    s->side[kAsk].rejected_price = kNoPrice;
  }

  void on_order_update(const keel_order_update_t& update) override {
    Instrument* s = find(update.instrument);
    if (s == nullptr) return;
    for (Side& side : s->side) {
      if (!side.working || side.order.bits != update.order.bits) continue;
      if (!is_terminal(update.state)) {
        // A partial fill may have used up the room under max_position.
        if (update.state == KEEL_ORDER_PARTIALLY_FILLED) reconcile(*s);
        return;
      }
      side.working = false;
      side.cancel_sent = false;
      side.order = keel_order_handle_t{KEEL_NULL_HANDLE};
      switch (update.state) {
        case KEEL_ORDER_CANCELED:
        case KEEL_ORDER_FILLED:
          reconcile(*s);  // the replacement, now that the side is free
          break;
        case KEEL_ORDER_REJECTED:
          side.rejected_price = side.price;
          host_.warn("quote at " + format_number(side.price) +
                     " rejected: " + (update.reason != nullptr ? update.reason : "") +
                     "; not retried at this price");
          break;
        default:  // EXPIRED: the run is ending; the next quote, if any, requotes
          break;
      }
      return;
    }
  }

 private:
  struct Side {
    bool working = false;      // an order of ours is open on this side
    bool cancel_sent = false;  // ...and we asked for its cancel
    keel_order_handle_t order{KEEL_NULL_HANDLE};
    double price = 0;                  // of the working order
    double rejected_price = kNoPrice;  // not retried at this price
  };
  struct Instrument {
    keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
    double tick = kDefaultTick;
    double position = 0;  // signed
    bool has_mid = false;
    double mid = 0;  // the mid the targets were computed from
    double target[2] = {0, 0};
    Side side[2];
  };

  bool moved(double from, double to) const {
    if (threshold_bps_ <= 0) return to != from;
    return std::fabs(to - from) > threshold_bps_ * 1e-4 * std::fabs(from);
  }

  bool may_quote(const Instrument& s, int index) const {
    if (!s.has_mid || !(s.target[index] > 0)) return false;
    if (index == kBid) return s.position + quantity_ <= max_position_ + kQuantityEpsilon;
    return s.position - quantity_ >= -max_position_ - kQuantityEpsilon;
  }

  // Brings both sides toward their targets: cancel what is wrong, submit
  // what is missing; a side with a cancel in flight waits for its outcome.
  void reconcile(Instrument& s) {
    for (int index : {kBid, kAsk}) {
      Side& side = s.side[index];
      const bool wanted = may_quote(s, index);
      if (side.working) {
        if (side.cancel_sent) continue;
        if (wanted && side.price == s.target[index]) continue;
        cancel(side);
        if (side.working) continue;  // the replacement waits for the cancel to be confirmed
      }
      // (A cancel that found the order already closed freed the side at once.)
      if (wanted && !(side.rejected_price == s.target[index])) submit(s, index);
    }
  }

  void cancel(Side& side) {
    try {
      host_.cancel(side.order);
      side.cancel_sent = true;
    } catch (const Error& e) {
      if (e.code() == KEEL_ERR_STALE_HANDLE) {
        // Already closed: its terminal update has been delivered (or the
        // host forgot it); either way the side is free.
        side = Side{.rejected_price = side.rejected_price};
        return;
      }
      host_.warn(std::string("cancel failed, will retry on the next quote: ") + e.what());
    }
  }

  void submit(Instrument& s, int index) {
    Side& side = s.side[index];
    keel_order_request_t request{};
    request.struct_size = sizeof(keel_order_request_t);
    request.instrument = s.id;
    request.side = index == kBid ? KEEL_SIDE_BUY : KEEL_SIDE_SELL;
    request.type = KEEL_ORDER_LIMIT;
    request.time_in_force = KEEL_TIF_GTC;
    request.quantity = quantity_;
    request.limit_price = s.target[index];
    request.client_tag = ++client_tag_;
    try {
      side.order = host_.submit(request);
      side.working = true;
      side.cancel_sent = false;
      side.price = s.target[index];
    } catch (const Error& e) {
      if (e.code() != KEEL_ERR_REJECTED) throw;
      side.rejected_price = s.target[index];
      host_.warn(std::string(index == kBid ? "bid" : "ask") + " at " +
                 format_number(s.target[index]) +
                 " refused; not retried at this price: " + e.what());
    }
  }

  // The state of an instrument, created the first time it is seen (in
  // on_start, or on its first quote if the host did not list it).
  Instrument& state_for(keel_instrument_id_t id) {
    if (Instrument* s = find(id)) return *s;
    if (id < kDirectIndexLimit) {
      if (id >= index_.size()) index_.resize(static_cast<size_t>(id) + 1, kNone);
      index_[id] = static_cast<uint32_t>(instruments_.size());
    }
    Instrument s;
    s.id = id;
    s.tick = tick_size(id);
    try {
      s.position = host_.position(id).quantity;
    } catch (const Error&) {
      s.position = 0;  // no position call outside a run: start flat
    }
    instruments_.push_back(s);
    return instruments_.back();
  }

  Instrument* find(keel_instrument_id_t id) {
    if (id < kDirectIndexLimit) {
      if (id >= index_.size() || index_[id] == kNone) return nullptr;
      return &instruments_[index_[id]];
    }
    for (Instrument& s : instruments_) {  // ids are table indexes: this is never hot
      if (s.id == id) return &s;
    }
    return nullptr;
  }

  // The instrument's tick through the C host table (the C++ Host has no
  // instrument_get), guarded for older hosts; 0.01 when there is none.
  double tick_size(keel_instrument_id_t id) const {
    const keel_host_t* raw = host_.raw();
    if (KEEL_HAS_MEMBER(raw, keel_host_t, instrument_get) && raw->instrument_get != nullptr) {
      keel_instrument_info_t info{};
      info.struct_size = sizeof(keel_instrument_info_t);
      keel_error_t err{};
      const keel_status_t status = raw->instrument_get(raw, id, &info, &err);
      if (status == KEEL_OK && std::isfinite(info.tick_size) && info.tick_size > 0) {
        return info.tick_size;
      }
      host_.info("instrument " + std::to_string(id) + ": no tick size from the host (" +
                 (status != KEEL_OK ? std::string(err.message) : "tick_size <= 0") +
                 "); using 0.01");
      return kDefaultTick;
    }
    host_.info("instrument " + std::to_string(id) +
               ": this host has no instrument_get; using a tick of 0.01");
    return kDefaultTick;
  }

  // The best level of one side of the instrument's book; false when the
  // side is empty.
  bool best_level(keel_instrument_id_t id, int32_t side, keel_book_level_t& out) const {
    return host_.book_levels(id, side, std::span<keel_book_level_t>(&out, 1)).size() == 1;
  }

  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr keel_instrument_id_t kDirectIndexLimit = 1u << 16;

  keel::sdk::Host host_;
  double spread_bps_ = 0;
  double quantity_ = 0;
  double max_position_ = 0;
  double threshold_bps_ = 0;
  bool depth_mode_ = false;
  double join_queue_max_ = 0;
  uint64_t client_tag_ = 0;
  std::vector<Instrument> instruments_;
  std::vector<uint32_t> index_;  // instrument id -> index in instruments_, or kNone
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{
                "keel.market_maker", "Market maker", "1.0.0", "keel",
                "Example strategy: quotes a GTC limit bid and ask around the mid of each "
                "instrument, rounded outward to the tick, requoted (cancel, then replace once "
                "the cancel is confirmed) when the mid moves, within a position limit."}),
            keel::sdk::strategy_factory<MarketMaker>())
