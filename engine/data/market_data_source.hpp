// engine/data/market_data_source.hpp — a time-ordered stream of market
// events (a CSV file, a binary file, a generator).
#pragma once

#include <string>

#include "engine/core/status.hpp"
#include "engine/market/market_event.hpp"

namespace keel {

class MarketDataSource {
 public:
  virtual ~MarketDataSource() = default;
  // Fills `out` with the next event and returns true; false at the end of
  // the stream. A malformed record is an error whose message starts with
  // "file:line:column: ". Events come in non-decreasing ts order (a source
  // that finds otherwise reports an error). An error is sticky: every later
  // call returns it again.
  virtual Result<bool> next(MarketEvent& out) = 0;
  // The next events, up to `capacity` of them, into out[0..count); 0 at the
  // end of the stream. Events before an error are returned first, and the
  // error by the call after. The same events as next() one at a time; a
  // source overrides it where one call per event costs (the engine reads
  // this way).
  virtual Result<size_t> next_batch(MarketEvent* out, size_t capacity) {
    size_t count = 0;
    while (count < capacity) {
      Result<bool> got = next(out[count]);
      if (!got) {
        if (count > 0) break;  // the error is sticky: the next call returns it
        return got.status();
      }
      if (!*got) break;
      ++count;
    }
    return count;
  }
  // For messages and manifests: the file path or a description.
  virtual const std::string& name() const = 0;
};

}  // namespace keel
