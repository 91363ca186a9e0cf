// engine/run/pending_events.hpp — what the loop has scheduled for a later
// simulated time: orders and cancels travelling to the venue, reports
// travelling back to strategies, timers. Ordered by (time, scheduling
// order), so equal times keep the order in which they were scheduled.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "keel/market.h"

namespace keel {

struct PendingEvent {
  enum class Kind : uint8_t { order_arrival, cancel_arrival, order_update, fill_report, timer };
  keel_timestamp_t ts = 0;
  uint64_t seq = 0;
  Kind kind = Kind::order_arrival;
  size_t strategy = 0;
  uint64_t order_id = 0;           // orders, cancels, updates, fills
  union {                          // by kind
    keel_order_update_t update{};  // order_update (reason filled in at delivery)
    keel_fill_t fill;              // fill_report
    keel_timer_event_t timer;      // timer
  };
};

// The events themselves stay in slots (reused); the heap orders small
// (ts, seq, slot) entries, so reordering it moves 24 bytes, not an event.
class PendingEvents {
 public:
  void push(const PendingEvent& event) {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(events_.size());
      events_.push_back(event);
    } else {
      slot = free_.back();
      free_.pop_back();
      events_[slot] = event;
    }
    events_[slot].seq = next_seq_;
    heap_.push_back({event.ts, next_seq_++, slot});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  bool due(keel_timestamp_t now) const { return !heap_.empty() && heap_.front().ts <= now; }
  bool empty() const { return heap_.empty(); }
  // The earliest time at which something is scheduled for `strategy`, or
  // INT64_MAX. (A scan: batch delivery asks once per span.)
  keel_timestamp_t earliest_for(size_t strategy) const {
    keel_timestamp_t earliest = INT64_MAX;
    for (const Entry& e : heap_) {
      if (e.ts < earliest && events_[e.slot].strategy == strategy) earliest = e.ts;
    }
    return earliest;
  }
  PendingEvent pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const uint32_t slot = heap_.back().slot;
    heap_.pop_back();
    free_.push_back(slot);
    return events_[slot];
  }

 private:
  struct Entry {
    keel_timestamp_t ts;
    uint64_t seq;
    uint32_t slot;
  };
  struct Later {  // std heaps keep the greatest first: the latest is "least"
    bool operator()(const Entry& a, const Entry& b) const {
      return a.ts != b.ts ? a.ts > b.ts : a.seq > b.seq;
    }
  };
  std::vector<PendingEvent> events_;
  std::vector<uint32_t> free_;
  std::vector<Entry> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace keel
