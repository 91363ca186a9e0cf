// engine/run/pending_events.hpp — what the loop has scheduled for a later
// simulated time: orders and cancels travelling to the venue, reports
// travelling back to strategies, timers. Ordered by (time, scheduling
// order), so equal times keep the order in which they were scheduled.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "keel/market.h"

namespace keel {

struct PendingEvent {
  enum class Kind : uint8_t { order_arrival, cancel_arrival, order_update, fill_report, timer };
  keel_timestamp_t ts = 0;
  uint64_t seq = 0;
  Kind kind = Kind::order_arrival;
  size_t strategy = 0;
  uint64_t order_id = 0;      // orders, cancels, updates, fills
  keel_order_update_t update{};  // order_update (reason filled in at delivery)
  keel_fill_t fill{};            // fill_report
  keel_timer_event_t timer{};    // timer
};

class PendingEvents {
 public:
  void push(PendingEvent event) {
    event.seq = next_seq_++;
    heap_.push(std::move(event));
  }
  bool due(keel_timestamp_t now) const { return !heap_.empty() && heap_.top().ts <= now; }
  bool empty() const { return heap_.empty(); }
  const PendingEvent& top() const { return heap_.top(); }
  PendingEvent pop() {
    PendingEvent event = heap_.top();
    heap_.pop();
    return event;
  }

 private:
  struct Later {
    bool operator()(const PendingEvent& a, const PendingEvent& b) const {
      return a.ts != b.ts ? a.ts > b.ts : a.seq > b.seq;
    }
  };
  std::priority_queue<PendingEvent, std::vector<PendingEvent>, Later> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace keel
