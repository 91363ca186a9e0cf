// engine/library/harness.hpp — one Python strategy driven by hand, for
// keel.testing (python/keel/testing.py): no run file, no venue. The test
// feeds market events, sees the orders the strategy sends, and answers them
// with fills, rejects or cancel confirmations; the strategy is called
// through a StrategyInstance exactly as the engine calls it.
//
// What this does not model: latency, matching, risk checks and the order
// acknowledgement. An order is working ("accepted") as soon as it is sent,
// with no update; it changes only when the test answers it.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/host/host.hpp"
#include "engine/host/run_services.hpp"
#include "engine/host/strategy_instance.hpp"
#include "engine/market/instrument.hpp"
#include "engine/run/portfolio.hpp"
#include "keel/keel.h"

namespace keel::library {

// An order the strategy sent, as the harness keeps it.
struct ScriptedOrder {
  uint64_t id = 0;  // 1-based, in submission order; also the order handle's bits
  keel_order_request_t request{};
  keel_timestamp_t submitted_ts = 0;
  int32_t state = KEEL_ORDER_ACCEPTED;
  double filled_quantity = 0.0;
  double average_fill_price = 0.0;
  double fees = 0.0;
  std::string reason;
  bool terminal() const { return state >= KEEL_ORDER_FILLED; }
};

// RunServices answered from a script: instruments are the given symbols
// (ids 0..n-1, equities, multiplier 1), orders are recorded, positions and
// cash follow the fills the test gives, booked by the engine's own Portfolio
// (engine/run/portfolio.hpp: average cost, fees from cash), timers wait for
// advance().
class ScriptedRunServices : public RunServices {
 public:
  ScriptedRunServices(std::vector<std::string> symbols, double cash);

  keel_timestamp_t now() override { return now_; }
  Result<keel_instrument_id_t> instrument_find(const std::string& symbol) override;
  Status instrument_get(keel_instrument_id_t id, keel_instrument_info_t& out) override;
  Result<keel_order_handle_t> order_submit(InstanceContext& caller,
                                           const keel_order_request_t& request) override;
  Status order_cancel(InstanceContext& caller, keel_order_handle_t order) override;
  Status position_get(InstanceContext& caller, keel_instrument_id_t instrument,
                      keel_position_t& out) override;
  Status account_get(InstanceContext& caller, keel_account_t& out) override;
  Result<keel_timer_handle_t> timer_set(InstanceContext& caller, keel_timestamp_t at,
                                        uint64_t cookie) override;
  Status timer_cancel(InstanceContext& caller, keel_timer_handle_t timer) override;

  void set_now(keel_timestamp_t ts) { now_ = ts; }
  // The last price seen of an instrument (bar close, trade, quote mid):
  // marks its position and prices a fill given no price.
  void mark(keel_instrument_id_t instrument, double price);

  // The test's answers. Each returns the events to deliver, in the
  // engine's order; KEEL_ERR_INVALID_ARGUMENT for an unknown or finished
  // order or a quantity above what remains.
  struct FillEvents {
    keel_fill_t fill;
    keel_order_update_t update;
  };
  Result<FillEvents> fill(uint64_t order_id, std::optional<double> price,
                          std::optional<double> quantity, double fee);
  Result<keel_order_update_t> finish(uint64_t order_id, int32_t state, const std::string& reason);
  // The timers due at or before `until`, earliest first (ties: first set), removed.
  std::vector<keel_timer_event_t> take_due_timers(keel_timestamp_t until);

  const std::vector<ScriptedOrder>& orders() const { return orders_; }
  const std::vector<uint64_t>& cancels() const { return cancels_; }
  const std::vector<std::string>& symbols() const { return symbols_; }
  keel_position_t position(keel_instrument_id_t id) const { return book_.position_view(0, id); }
  double cash() const { return book_.account(0).cash; }

 private:
  Result<ScriptedOrder*> open_order(uint64_t order_id);
  keel_order_update_t update_of(const ScriptedOrder& order);

  std::vector<std::string> symbols_;
  InstrumentTable instruments_;  // the symbols, as equities (tick 0.01, lot 1)
  Portfolio book_;               // the engine's accounting, one strategy (index 0)
  keel_timestamp_t now_ = 0;
  std::vector<ScriptedOrder> orders_;
  std::vector<uint64_t> cancels_;  // order ids, in request order
  std::string update_reason_;      // the reason of the update being delivered
  struct Timer {
    keel_timestamp_t at;
    uint64_t cookie;
  };
  std::map<uint64_t, Timer> timers_;  // by handle bits, which grow
  uint64_t next_timer_ = 1;
};

// (level, message) as the strategy logged it.
using LogLine = std::pair<int32_t, std::string>;

// A Host with ScriptedRunServices installed and one strategy instance of a
// keel.Strategy subclass. Every call delivers through the StrategyInstance;
// a failing callback's Status is returned (the Python binding re-raises the
// strategy's own exception). Call with the GIL released.
class Harness {
 public:
  static Result<std::unique_ptr<Harness>> create(pybind11::handle cls,
                                                 const std::string& params_json,
                                                 std::vector<std::string> symbols, double cash,
                                                 const std::string& name,
                                                 keel_timestamp_t start_time);
  ~Harness();

  // A market event at its ts: due timers first, then the event.
  Status quote(const keel_quote_t& quote);
  Status trade(const keel_trade_t& trade);
  Status bar(const keel_bar_t& bar);
  Status advance(keel_timestamp_t until);  // fires the timers due, then now = until
  Status fill(uint64_t order_id, std::optional<double> price, std::optional<double> quantity,
              double fee);
  Status reject(uint64_t order_id, const std::string& reason);
  Status confirm_cancel(uint64_t order_id);
  Status stop();  // on_stop then drop; later calls fail

  ScriptedRunServices& services() { return services_; }
  const std::vector<LogLine>& logs() const { return logs_; }

 private:
  Harness(std::vector<std::string> symbols, double cash);
  Status live() const;
  Status deliver(const keel_order_update_t& update);
  template <class Event>
  Status one_event(uint32_t kind, const Event& event);

  ScriptedRunServices services_;
  Host host_;
  std::unique_ptr<StrategyInstance> instance_;
  std::vector<LogLine> logs_;
};

// Binds Harness as keel._keel._Harness (called from extension.cpp).
void define_harness(pybind11::module_& m);

}  // namespace keel::library
