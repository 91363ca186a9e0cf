// engine/run/order.hpp — an order's life inside a run, and the store that
// owns every order of the run (orders.csv is written from it at the end).
#pragma once

#include <cstdint>
#include <string>
#include <deque>

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
  keel_timestamp_t submitted_ts = 0;
  keel_timestamp_t arrival_ts = 0;  // when it reaches the venue
  keel_timestamp_t last_update_ts = 0;
  bool at_venue = false;   // arrived and working
  bool seen_market = false;  // met at least one market event at the venue
  bool triggered = false;  // stop orders: the stop price was reached
  std::string reason;      // rejected / cancelled / expired because ...

  double remaining() const { return request.quantity - filled; }
  bool terminal() const { return is_terminal_state(state); }
  bool is_buy() const { return request.side == KEEL_SIDE_BUY; }
};

// Every order of the run, by id. Ids are dense, so lookup is an index.
class OrderStore {
 public:
  Order& create() {
    orders_.emplace_back();
    orders_.back().id = orders_.size();
    return orders_.back();
  }
  Order& get(uint64_t id) { return orders_[id - 1]; }
  const std::deque<Order>& all() const { return orders_; }
  size_t size() const { return orders_.size(); }

 private:
  std::deque<Order> orders_;  // deque: references stay valid as it grows
};

}  // namespace keel
