// tests/fuzz/fuzz_support.hpp — what the libFuzzer harnesses share.
//
// keel's readers take paths, so a harness writes each input to a file in a
// scratch directory of its own process (made on first use under $TMPDIR as
// keel-fuzz-XXXXXX, removed when the process exits normally); the harnesses
// write nothing anywhere else. A broken property is a finding: finding()
// prints what broke and aborts, which libFuzzer reports like a crash (the
// input is saved as the reproducer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/data/market_data_source.hpp"
#include "engine/market/market_event.hpp"

namespace keel::fuzz {

// This process's scratch directory.
const std::filesystem::path& scratch_dir();

// scratch_dir() / name, holding exactly `size` bytes of `data`.
std::filesystem::path write_input(std::string_view name, const uint8_t* data, size_t size);

// Removes scratch_dir() / name, whatever it is; true if nothing is left.
bool remove_scratch(std::string_view name);

[[noreturn]] void finding(const std::string& what);
inline void require(bool ok, const std::string& what) {
  if (!ok) finding(what);
}

// Every event of a stream up to its end or its first error. `batch` 0
// reads with next(), otherwise with next_batch() in batches of that size.
// `limit` guards against a stream that never ends (a finding).
struct Stream {
  std::vector<MarketEvent> events;
  std::optional<std::string> error;  // the error that ended it, if one did
};
Stream read_stream(MarketDataSource& source, size_t batch, size_t limit);

// The rules every event a reader returns obeys (engine/data's headers):
// the reader's kind, ts not decreasing, an instrument id below
// `instrument_count`, every value finite and not negative, bid <= ask,
// low <= min(open, close), high >= max(open, close).
void require_event_rules(const Stream& stream, MarketEventKind kind, size_t instrument_count,
                         const std::string& who);

// The payload bytes of `event`'s kind (ts, instrument, reserved, values):
// equal bytes mean equal timestamps, ids and doubles bit for bit.
std::string_view payload_bytes(const MarketEvent& event);

// A one-line description, for findings.
std::string describe(const MarketEvent& event);

}  // namespace keel::fuzz
