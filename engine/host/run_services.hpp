// engine/host/run_services.hpp — what only a running engine can answer.
//
// The host table's instrument, order, position, account, timer and clock
// members are answered by the engine during `keel run`. Outside a run (for
// `keel price`, `keel plugin inspect`, tests) no RunServices is installed
// and those members return KEEL_ERR_UNSUPPORTED.
#pragma once

#include <string>

#include "engine/core/status.hpp"
#include "keel/keel.h"

namespace keel {

struct InstanceContext;

class RunServices {
 public:
  virtual ~RunServices() = default;
  virtual keel_timestamp_t now() = 0;
  // The time as `caller` sees it: a batched strategy's is that of the event
  // it is handling (engine/run/strategy_host.hpp). Default: now().
  virtual keel_timestamp_t now(InstanceContext& /*caller*/) { return now(); }
  virtual Result<keel_instrument_id_t> instrument_find(const std::string& symbol) = 0;
  virtual Status instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) = 0;
  // `caller` identifies the strategy instance.
  virtual Result<keel_order_handle_t> order_submit(InstanceContext& caller,
                                                   const keel_order_request_t& request) = 0;
  virtual Status order_cancel(InstanceContext& caller, keel_order_handle_t order) = 0;
  virtual Status position_get(InstanceContext& caller, keel_instrument_id_t instrument,
                              keel_position_t& out) = 0;
  virtual Status account_get(InstanceContext& caller, keel_account_t& out) = 0;
  virtual Result<keel_timer_handle_t> timer_set(InstanceContext& caller, keel_timestamp_t at,
                                                uint64_t cookie) = 0;
  virtual Status timer_cancel(InstanceContext& caller, keel_timer_handle_t timer) = 0;
  // Up to `max` levels of one side of the instrument's book, best first, as
  // of the event `caller` is handling (keel/host.h book_levels); `count`
  // receives how many. `side` is KEEL_BOOK_BID or KEEL_BOOK_ASK (checked by
  // the caller), `out` holds `max` levels. Default: services without order
  // books (scripted harnesses) say KEEL_ERR_UNSUPPORTED.
  virtual Status book_levels(InstanceContext& /*caller*/, keel_instrument_id_t /*instrument*/,
                             int32_t /*side*/, keel_book_level_t* /*out*/, size_t /*max*/,
                             size_t& /*count*/) {
    return Status(KEEL_ERR_UNSUPPORTED, "book_levels: these run services keep no order books");
  }
};

}  // namespace keel
