// engine/run/read_ahead.hpp — the market events ahead of the loop.
//
// The loop takes events one by one (next); batch delivery looks further
// ahead (peek) to hand a strategy a span of the events it will meet. Events
// are read from the data in blocks straight into a ring buffer, so an event
// is copied once on its way from the data to the loop, and peeking copies
// nothing. Events are numbered from 1 in data order (their sequence number);
// the loop is at sequence seq().
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/market_event.hpp"

namespace keel {

class ReadAhead {
 public:
  explicit ReadAhead(MarketDataSource& data) : data_(data), ring_(kInitialCapacity) {}

  // The loop's next event into `out` (a copy: a peek may move the ring
  // while the loop handles it); false at the end of the data. A data error
  // met while peeking is returned here, when the loop reaches it.
  Result<bool> next(MarketEvent& out) {
    if (size_ == 0) [[unlikely]] {
      if (Status s = fill(1); !s) return s;
      if (size_ == 0) return false;
    }
    out = ring_[head_];
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
    ++seq_;
    return true;
  }
  // The sequence number of the event next() returned last.
  uint64_t seq() const { return seq_; }

  // The i-th event after the loop's current one (i = 0: the next one),
  // reading ahead as needed; null at the end of the data or at a data error
  // (kept for next()). Valid until the next call to next(); the ring grows
  // (never in steady state) when a peek reaches past it.
  const MarketEvent* peek(size_t i) {
    if (i >= size_) [[unlikely]] {
      if (!error_.is_ok() || at_end_ || !fill(i + 1).is_ok() || i >= size_) return nullptr;
    }
    return &ring_[(head_ + i) & (ring_.size() - 1)];
  }

 private:
  static constexpr size_t kInitialCapacity = 4096;  // a power of two
  static constexpr size_t kReadBlock = 256;         // events per read from the data

  // Reads until `want` events are buffered, the data ends, or an error.
  Status fill(size_t want) {
    if (!error_.is_ok()) return error_;
    while (size_ < want && !at_end_) {
      if (size_ == ring_.size()) grow();
      const size_t tail = (head_ + size_) & (ring_.size() - 1);
      const size_t room = std::min(ring_.size() - size_, ring_.size() - tail);
      Result<size_t> got = data_.next_batch(&ring_[tail], std::min(room, kReadBlock));
      if (!got) {
        error_ = got.status();
        return size_ > 0 ? Status::ok() : error_;  // the loop meets it after these
      }
      if (*got == 0) at_end_ = true;
      size_ += *got;
    }
    return Status::ok();
  }
  void grow() {
    std::vector<MarketEvent> bigger(ring_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(bigger);
    head_ = 0;
  }

  MarketDataSource& data_;
  std::vector<MarketEvent> ring_;
  size_t head_ = 0, size_ = 0;
  uint64_t seq_ = 0;
  Status error_;
  bool at_end_ = false;
};

}  // namespace keel
