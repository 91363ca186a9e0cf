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
  heads_.emplace_back();
  heap_.reserve(sources_.size());
}

bool EventMerger::before(uint32_t a, uint32_t b) const {
  const int64_t ta = heads_[a].ts();
  const int64_t tb = heads_[b].ts();
  return ta < tb || (ta == tb && a < b);
}

void EventMerger::sift_down(size_t position) {
  const size_t n = heap_.size();
  const uint32_t moving = heap_[position];
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
  const uint32_t moving = heap_[position];
  while (position > 0) {
    const size_t parent = (position - 1) / 2;
    if (!before(moving, heap_[parent])) break;
    heap_[position] = heap_[parent];
    position = parent;
  }
  heap_[position] = moving;
}

Result<bool> EventMerger::advance(uint32_t index) {
  const int64_t previous = heads_[index].ts();
  Result<bool> got = sources_[index]->next(heads_[index]);
  if (!got) return got;
  if (*got && started_ && handed_out_ && heads_[index].ts() < previous) {
    // A source broke its contract; say so rather than emit out of order.
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  sources_[index]->name() + ": event at " + format_timestamp(heads_[index].ts()) +
                      " comes after one at " + format_timestamp(previous) +
                      ": a market data source must be sorted by time");
  }
  return got;
}

Result<bool> EventMerger::next(MarketEvent& out) {
  if (error_) return *error_;
  if (sources_.size() == 1) {  // nothing to merge: no heap, no copy of the event
    started_ = true;
    Result<bool> got = sources_[0]->next(out);
    if (!got) {
      error_ = got.status();
    } else if (*got) {
      keel_timestamp_t& previous = heads_[0].as.quote.ts;  // only the ts is kept
      if (handed_out_ && out.ts() < previous) {
        error_ = Status(KEEL_ERR_INVALID_ARGUMENT,
                        sources_[0]->name() + ": event at " + format_timestamp(out.ts()) +
                            " comes after one at " + format_timestamp(previous) +
                            ": a market data source must be sorted by time");
        return *error_;
      }
      previous = out.ts();
      handed_out_ = true;
    }
    return got;
  }
  if (!started_) {
    for (uint32_t i = 0; i < sources_.size(); ++i) {
      Result<bool> got = advance(i);
      if (!got) {
        error_ = got.status();
        return *error_;
      }
      if (*got) {
        heap_.push_back(i);
        sift_up(heap_.size() - 1);
      }
    }
    started_ = true;
  } else if (handed_out_) {
    // Replace the event handed out last time with its source's next one.
    Result<bool> got = advance(heap_[0]);
    if (!got) {
      error_ = got.status();
      return *error_;
    }
    if (!*got) {
      heap_[0] = heap_.back();
      heap_.pop_back();
    }
    if (!heap_.empty()) sift_down(0);
  }
  if (heap_.empty()) {
    handed_out_ = false;
    return false;
  }
  out = heads_[heap_[0]];
  handed_out_ = true;
  return true;
}

}  // namespace keel
