// engine/data/event_merger.hpp — several time-ordered sources merged into
// one time-ordered stream.
//
// A k-way merge over a binary min-heap of the sources' current events,
// ordered by (ts, source index): events with equal timestamps come in the
// order the sources were added (file order), and within one source in its
// own order (row order). The same inputs therefore always give the same
// sequence. Each source is read a batch ahead (next_batch, kReadAhead
// events), so memory is a fixed few KB per source and a virtual call is
// paid per batch, not per event; reading allocates nothing. A single source
// is passed straight through (its time order still checked).
//
// An error from a source is returned as-is, and again by every later
// next(). The merger is itself a MarketDataSource, so merges nest.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/market_data_source.hpp"

namespace keel {

class EventMerger final : public MarketDataSource {
 public:
  explicit EventMerger(std::string name = "merged market data");

  // Adds a source after those already added; ties go to earlier sources.
  // All sources must be added before the first next() (a later add is a
  // programming error: it throws std::logic_error).
  void add(std::unique_ptr<MarketDataSource> source);
  size_t size() const { return sources_.size(); }
  const MarketDataSource& source(size_t index) const { return *sources_.at(index); }

  Result<bool> next(MarketEvent& out) override;
  Result<size_t> next_batch(MarketEvent* out, size_t capacity) override;
  const std::string& name() const override { return name_; }

  static constexpr size_t kReadAhead = 64;  // events buffered per source

 private:
  struct Ahead {  // a source's events read but not yet merged
    std::vector<MarketEvent> events;
    size_t position = 0, count = 0;
    // Of the last event taken from it (none yet: the least time there is).
    keel_timestamp_t last_ts = std::numeric_limits<keel_timestamp_t>::min();
  };
  struct HeapEntry {  // a source's current event's time, kept in the heap
    keel_timestamp_t ts;
    uint32_t source;
  };
  static bool before(const HeapEntry& a, const HeapEntry& b) {
    return a.ts < b.ts || (a.ts == b.ts && a.source < b.source);
  }
  void sift_down(size_t position);
  void sift_up(size_t position);
  // Makes source `index`'s current event available (refilling its buffer):
  // true, false at its end, or an error.
  Result<bool> fill(uint32_t index);
  // The source's next event broke its time order: the error to return.
  Status out_of_order(uint32_t index, keel_timestamp_t ts, keel_timestamp_t previous) const;
  Result<size_t> pass_through(MarketEvent* out, size_t capacity);
  Status start();

  std::string name_;
  std::vector<std::unique_ptr<MarketDataSource>> sources_;
  std::vector<Ahead> ahead_;
  std::vector<HeapEntry> heap_;  // sources with events, least (ts, index) first
  bool started_ = false;
  std::optional<Status> error_;
};

}  // namespace keel
