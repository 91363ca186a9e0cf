#include "engine/data/event_merger.hpp"

#include <stdexcept>
#include <utility>

#include "engine/market/timestamp.hpp"

namespace keel {

EventMerger::EventMerger(std::string name) : name_(std::move(name)) {}

void EventMerger::add(std::unique_ptr<MarketDataSource> source) {
  if (started_) throw std::logic_error("EventMerger::add after the first next()");
  if (!source) throw std::invalid_argument("EventMerger::add: null source");
  sources_.push_back(std::move(source));
  ahead_.emplace_back().events.resize(kReadAhead);
  heap_.reserve(sources_.size());
}

void EventMerger::sift_down(size_t position) {
  const size_t n = heap_.size();
  const HeapEntry moving = heap_[position];
  for (;;) {
    size_t child = 2 * position + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], moving)) break;
    heap_[position] = heap_[child];
    position = child;
  }
  heap_[position] = moving;
}

void EventMerger::sift_up(size_t position) {
  const HeapEntry moving = heap_[position];
  while (position > 0) {
    const size_t parent = (position - 1) / 2;
    if (!before(moving, heap_[parent])) break;
    heap_[position] = heap_[parent];
    position = parent;
  }
  heap_[position] = moving;
}

Status EventMerger::out_of_order(uint32_t index, keel_timestamp_t ts,
                                 keel_timestamp_t previous) const {
  // A source broke its contract; say so rather than emit out of order.
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                sources_[index]->name() + ": event at " + format_timestamp(ts) +
                    " comes after one at " + format_timestamp(previous) +
                    ": a market data source must be sorted by time");
}

Result<bool> EventMerger::fill(uint32_t index) {
  Ahead& a = ahead_[index];
  if (a.position < a.count) return true;
  Result<size_t> got = sources_[index]->next_batch(a.events.data(), a.events.size());
  if (!got) return got.status();
  a.position = 0;
  a.count = *got;
  return a.count > 0;
}

Status EventMerger::start() {
  started_ = true;
  for (uint32_t i = 0; i < sources_.size(); ++i) {
    Result<bool> got = fill(i);
    if (!got) return got.status();
    if (*got) {
      heap_.push_back({ahead_[i].events[0].ts(), i});
      sift_up(heap_.size() - 1);
    }
  }
  return Status::ok();
}

// One source: its batches as they come, only their time order checked.
Result<size_t> EventMerger::pass_through(MarketEvent* out, size_t capacity) {
  Result<size_t> got = sources_[0]->next_batch(out, capacity);
  if (!got) {
    error_ = got.status();
    return *error_;
  }
  Ahead& a = ahead_[0];  // only its last_ts is used
  for (size_t i = 0; i < *got; ++i) {
    const keel_timestamp_t ts = out[i].ts();
    if (ts < a.last_ts) [[unlikely]] {
      error_ = out_of_order(0, ts, a.last_ts);
      if (i > 0) return i;  // the events before it first
      return *error_;
    }
    a.last_ts = ts;
  }
  return got;
}

Result<size_t> EventMerger::next_batch(MarketEvent* out, size_t capacity) {
  if (error_) return *error_;
  if (sources_.size() == 1) {
    started_ = true;
    return pass_through(out, capacity);
  }
  if (!started_) {
    if (Status s = start(); !s) {
      error_ = s;
      return *error_;
    }
  }
  size_t count = 0;
  while (count < capacity && !heap_.empty()) {
    const uint32_t index = heap_[0].source;
    Ahead& a = ahead_[index];
    const MarketEvent& event = a.events[a.position];
    if (event.ts() < a.last_ts) [[unlikely]] {
      error_ = out_of_order(index, event.ts(), a.last_ts);
      break;
    }
    out[count++] = event;
    a.last_ts = event.ts();
    ++a.position;
    // The source's next event takes its place in the heap.
    Result<bool> more = fill(index);
    if (!more) {
      error_ = more.status();
      break;
    }
    if (*more) {
      heap_[0].ts = a.events[a.position].ts();
    } else {
      heap_[0] = heap_.back();
      heap_.pop_back();
    }
    if (!heap_.empty()) sift_down(0);
  }
  if (count == 0 && error_) return *error_;
  return count;  // an error met after `count` events is returned by the next call
}

Result<bool> EventMerger::next(MarketEvent& out) {
  Result<size_t> got = next_batch(&out, 1);
  if (!got) return got.status();
  return *got == 1;
}

}  // namespace keel
