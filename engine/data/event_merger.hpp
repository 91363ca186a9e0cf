// engine/data/event_merger.hpp — several time-ordered sources merged into
// one time-ordered stream.
//
// A k-way merge over a binary min-heap of the sources' current events,
// ordered by (ts, source index): events with equal timestamps come in the
// order the sources were added (file order), and within one source in its
// own order (row order). The same inputs therefore always give the same
// sequence. Each source is read one event ahead, so memory is one event per
// source; next() allocates nothing. A single source is passed straight
// through (its time order still checked).
//
// An error from a source is returned as-is, and again by every later
// next(). The merger is itself a MarketDataSource, so merges nest.
#pragma once

#include <cstdint>
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
  const std::string& name() const override { return name_; }

 private:
  bool before(uint32_t a, uint32_t b) const;
  void sift_down(size_t position);
  void sift_up(size_t position);
  // Reads source `index`'s next event into heads_[index]; false at its end.
  Result<bool> advance(uint32_t index);

  std::string name_;
  std::vector<std::unique_ptr<MarketDataSource>> sources_;
  std::vector<MarketEvent> heads_;  // each source's current event
  std::vector<uint32_t> heap_;      // source indices, least (ts, index) first
  bool started_ = false;
  bool handed_out_ = false;  // heap_[0]'s head was returned by the last next()
  std::optional<Status> error_;
};

}  // namespace keel
