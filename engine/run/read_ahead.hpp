// engine/run/read_ahead.hpp — the market events ahead of the loop.
//
// The loop takes events one by one (next); batch delivery looks further
// ahead (peek) to hand a strategy a span of the events it will meet. Events
// are read from the data in blocks straight into a ring buffer and handed
// out in place: an event is copied once on its way from the data to the
// loop, and neither next() nor peek() copies it again. Events are numbered
// from 1 in data order (their sequence number); the loop is at seq().
//
// The ring never moves: it holds the loop's event, kMaxPeek events ahead of
// it and one read block, so a pointer from next() stays valid however far
// ahead the run peeks until the following next().
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/market_event.hpp"

namespace keel {

class ReadAhead {
 public:
  // How far ahead of the loop peek() reaches: peek(i) for i < kMaxPeek.
  static constexpr size_t kMaxPeek = 8192;

  explicit ReadAhead(MarketDataSource& data) : data_(data), ring_(kCapacity) {}

  // The loop's next event, valid until the following call; null at the end
  // of the data or at a data error (status() says which). A data error met
  // while peeking is returned when the loop reaches it.
  const MarketEvent* next() {
    if (size_ == 0) [[unlikely]]
      return refill_and_next();
    return take();
  }
  // Why next() returned null: ok at the end of the data, else the data error.
  const Status& status() const { return error_; }
  // The sequence number of the event next() returned last.
  uint64_t seq() const { return seq_; }

  // The i-th event after the loop's current one (i = 0: the next one,
  // i < kMaxPeek), reading ahead as needed; null at the end of the data or
  // at a data error (kept for next()). Valid until the next call to next().
  const MarketEvent* peek(size_t i) {
    if (i >= size_) [[unlikely]] {
      if (i >= kMaxPeek || !error_.is_ok() || at_end_ || !fill(i + 1).is_ok() || i >= size_) {
        return nullptr;
      }
    }
    return &ring_[(head_ + i) & kMask];
  }

 private:
  static constexpr size_t kReadBlock = 256;  // events per read from the data
  // The loop's event, kMaxPeek ahead of it and a read block (a power of two).
  static constexpr size_t kCapacity = std::bit_ceil(1 + kMaxPeek + kReadBlock);
  static constexpr size_t kMask = kCapacity - 1;

  const MarketEvent* take() {
    const MarketEvent* event = &ring_[head_];
    head_ = (head_ + 1) & kMask;
    --size_;
    ++seq_;
    return event;
  }
  [[gnu::noinline]] const MarketEvent* refill_and_next() {
    head_ = 0;  // empty: start again at the front, where the ring is in cache
    if (Status s = fill(1); !s) {
      error_ = std::move(s);
      return nullptr;
    }
    return size_ == 0 ? nullptr : take();
  }
  // Reads until `want` events are buffered, the data ends, or an error. The
  // slot before head_ (the loop's event) is never written.
  Status fill(size_t want) {
    if (!error_.is_ok()) return error_;
    while (size_ < want && !at_end_) {
      const size_t tail = (head_ + size_) & kMask;
      const size_t room = std::min(kCapacity - 1 - size_, kCapacity - tail);
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

  MarketDataSource& data_;
  std::vector<MarketEvent> ring_;
  size_t head_ = 0, size_ = 0;
  uint64_t seq_ = 0;
  Status error_;
  bool at_end_ = false;
};

}  // namespace keel
