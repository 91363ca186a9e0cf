// engine/market/market_event.hpp — one market data event as it flows from
// the data readers through the loop to the venue and the strategies.
//
// The payload is the ABI struct itself, so a strategy receives a pointer
// into this event with no conversion. All four payloads begin with
// (ts, instrument), which the accessors read.
#pragma once

#include <cstdint>

#include "keel/market.h"

namespace keel {

enum class MarketEventKind : uint32_t {
  quote = KEEL_EVENT_QUOTE,
  trade = KEEL_EVENT_TRADE,
  bar = KEEL_EVENT_BAR,
  book = KEEL_EVENT_BOOK  // one price level's new size (depth data)
};

struct MarketEvent {
  MarketEventKind kind = MarketEventKind::quote;
  uint32_t reserved = 0;
  union Payload {
    keel_quote_t quote;
    keel_trade_t trade;
    keel_bar_t bar;
    keel_book_update_t book;
  } as{};

  keel_timestamp_t ts() const { return as.quote.ts; }
  keel_instrument_id_t instrument() const { return as.quote.instrument; }
};

static_assert(sizeof(MarketEvent) <= 64, "market events must stay small (one cache line)");

}  // namespace keel
