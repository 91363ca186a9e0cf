// keel_test.crashing — a strategy that trades on every event and, when
// told, dies in the middle of a run: the tests of what a killed or crashed
// `keel run` leaves on disk (tests/cli/cli_run_durable_test.cpp).
//
// Params (all optional):
//   trade_every     submit a market order (1 lot, buy and sell in turn) on
//                   every n-th market event; 0: never (default 1)
//   segfault_after  raise SIGSEGV on the n-th market event, as a plugin with
//                   a wild pointer would die; 0: never (default 0)
//   pause_us        sleep this many microseconds on every event, so that a
//                   run lasts long enough to be signalled (default 0)
#include <chrono>
#include <csignal>
#include <thread>

#include "keel/sdk.hpp"

namespace {

class CrashingStrategy final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel_test.crashing_strategy";
  static constexpr const char* kDescription =
      "trades on every n-th event; can sleep per event, or raise SIGSEGV on the n-th";
  static constexpr const char* kParamsSchema = R"({"type":"object","properties":{
    "trade_every":{"type":"integer","minimum":0},
    "segfault_after":{"type":"integer","minimum":0},
    "pause_us":{"type":"integer","minimum":0}}})";

  CrashingStrategy(keel::sdk::Params& params, const keel::sdk::Host& host) : host_(host) {
    trade_every_ = params.integer("trade_every", 1, 0);
    segfault_after_ = params.integer("segfault_after", 0, 0);
    pause_us_ = params.integer("pause_us", 0, 0, 1'000'000);
  }

  void on_quote(const keel_quote_t& quote) override { event(quote.instrument); }
  void on_trade(const keel_trade_t& trade) override { event(trade.instrument); }
  void on_bar(const keel_bar_t& bar) override { event(bar.instrument); }

 private:
  void event(keel_instrument_id_t instrument) {
    ++events_;
    if (pause_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us_));
    if (segfault_after_ > 0 && events_ == segfault_after_) std::raise(SIGSEGV);
    if (trade_every_ == 0 || events_ % trade_every_ != 0) return;
    keel_order_request_t request{};
    request.struct_size = sizeof request;
    request.instrument = instrument;
    request.side = (events_ / trade_every_) % 2 == 0 ? KEEL_SIDE_SELL : KEEL_SIDE_BUY;
    request.type = KEEL_ORDER_MARKET;
    request.time_in_force = KEEL_TIF_GTC;
    request.quantity = 1;
    request.client_tag = static_cast<uint64_t>(events_);
    (void)host_.submit(request);
  }

  keel::sdk::Host host_;
  int64_t trade_every_ = 1;
  int64_t segfault_after_ = 0;
  int64_t pause_us_ = 0;
  int64_t events_ = 0;
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{"keel_test.crashing", "Crashing strategy", "1.0.0", "keel tests",
                                   "A purpose-built strategy that dies mid-run, for the tests of "
                                   "what a killed run leaves on disk."}),
            keel::sdk::strategy_factory<CrashingStrategy>())
