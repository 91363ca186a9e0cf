// engine/run/order.hpp — an order's life inside a run, and the store that
// owns the run's orders while they live.
#pragma once

#include <cassert>
#include <cstdint>
#include <deque>
#include <string>

#include "keel/market.h"

namespace keel {

// Filled, cancelled, rejected and expired orders change no more.
inline bool is_terminal_state(int32_t state) {
  return state == KEEL_ORDER_FILLED || state == KEEL_ORDER_CANCELED ||
         state == KEEL_ORDER_REJECTED || state == KEEL_ORDER_EXPIRED;
}

struct Order {
  uint64_t id = 0;             // 1-based, run-wide, in submission order
  keel_order_handle_t handle{};  // the strategy's handle; 0 once released
  size_t strategy = 0;         // index of the strategy that sent it
  keel_order_request_t request{};
  int32_t state = KEEL_ORDER_PENDING;
  double filled = 0;
  double average_price = 0;
  double fees = 0;
  double hold_per_unit = 0;  // buying power held per unit still open (check_buying_power)
  keel_timestamp_t submitted_ts = 0;
  keel_timestamp_t arrival_ts = 0;  // when it reaches the venue
  keel_timestamp_t last_update_ts = 0;
  bool at_venue = false;   // arrived and working
  bool seen_market = false;  // met at least one market event at the venue
  bool triggered = false;  // stop orders: the stop price was reached
  // A resting limit of a depth instrument (engine/run/venue_depth.cpp): the
  // size ahead of it in its level's queue, and the traded size at its price
  // since the level's last update (the probability queue models).
  double queue_ahead = 0;
  double queue_traded = 0;
  bool retired = false;    // terminal, and nothing scheduled refers to it any more
  uint32_t scheduled = 0;  // arrivals, cancels and reports on their way that refer to it
  std::string reason;      // rejected / cancelled / expired because ...

  double remaining() const { return request.quantity - filled; }
  bool terminal() const { return is_terminal_state(state); }
  bool is_buy() const { return request.side == KEEL_SIDE_BUY; }
};

// The orders of the run, by id. Ids are dense, so lookup is an index.
//
// Memory stays flat in order-heavy runs: an order that is retired (finished,
// and referred to by nothing scheduled) leaves the store once every order
// before it has left too, through take_retired(), which hands them over in
// id order (orders.csv is streamed from there). So the store holds the
// orders from the oldest live one on.
class OrderStore {
 public:
  Order& create() {
    orders_.emplace_back();
    orders_.back().id = first_id_ + orders_.size() - 1;
    return orders_.back();
  }
  // A live order (created and not yet taken out).
  Order& get(uint64_t id) {
    assert(id >= first_id_ && id < end_id());
    return orders_[id - first_id_];
  }
  // Ids of the orders still held: [first_id(), end_id()).
  uint64_t first_id() const { return first_id_; }
  uint64_t end_id() const { return first_id_ + orders_.size(); }

  // True if the oldest order held is retired (take_retired has work).
  bool front_retired() const { return !orders_.empty() && orders_.front().retired; }
  // Calls `take(const Order&)` for each retired order at the front, oldest
  // first, and frees it. References to the other orders stay valid.
  template <typename Take>
  void take_retired(Take&& take) {
    while (!orders_.empty() && orders_.front().retired) {
      take(orders_.front());
      orders_.pop_front();
      ++first_id_;
    }
  }
  // At the end of a run: every order still held, finished or not, oldest
  // first; the store is then empty.
  template <typename Take>
  void take_all(Take&& take) {
    for (const Order& order : orders_) take(order);
    first_id_ += orders_.size();
    orders_.clear();
  }

 private:
  std::deque<Order> orders_;  // deque: references stay valid as it grows and shrinks
  uint64_t first_id_ = 1;
};

}  // namespace keel
