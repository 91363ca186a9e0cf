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
  // that finds otherwise reports an error).
  virtual Result<bool> next(MarketEvent& out) = 0;
  // For messages and manifests: the file path or a description.
  virtual const std::string& name() const = 0;
};

}  // namespace keel
