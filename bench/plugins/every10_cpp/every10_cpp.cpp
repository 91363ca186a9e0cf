// keel.bench.every10 and keel.bench.every10_batched — a strategy that sends
// a market order (1 share, buying and selling in turn) on every 10th quote,
// per event and taking spans (on_events, the events-consumed extension and
// a batch cursor): what the engine benchmark compares, so the figure is the
// cost of batch delivery against per-event calls, not of the strategy.
#include <cstddef>
#include <cstring>

#include "keel/sdk.hpp"

namespace {

class Every10 : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel.bench.every10";
  static constexpr const char* kDescription = "An order every 10 quotes (engine benchmark)";
  static constexpr const char* kParamsSchema = R"({"type":"object","additionalProperties":false})";

  Every10(keel::sdk::Params& /*params*/, const keel::sdk::Host& host) : host_(host) {}
  void on_quote(const keel_quote_t& quote) override {
    if (++seen_ % 10 != 0) return;
    keel_order_request_t r{};
    r.struct_size = sizeof r;
    r.instrument = quote.instrument;
    r.side = buy_ ? KEEL_SIDE_BUY : KEEL_SIDE_SELL;
    r.type = KEEL_ORDER_MARKET;
    r.time_in_force = KEEL_TIF_GTC;
    r.quantity = 1;
    buy_ = !buy_;
    ++acted_;
    try {
      (void)host_.submit(r);
    } catch (const keel::sdk::Error&) {  // refused: the benchmark counts orders sent
    }
  }
  uint64_t acted() const { return acted_; }

 private:
  keel::sdk::Host host_;
  uint64_t seen_ = 0, acted_ = 0;
  bool buy_ = true;
};

class Every10Batched final : public Every10 {
 public:
  static constexpr const char* kId = "keel.bench.every10_batched";
  using Every10::Every10;
  size_t reached = 0;
  size_t cursor = 0;
};

keel_status_t on_events(void* self, const keel_event_t* events, size_t count, keel_error_t* err) {
  auto& s = *static_cast<Every10Batched*>(self);
  for (size_t i = 0; i < count; ++i) {
    s.cursor = i;
    s.reached = i + 1;
    const uint64_t before = s.acted();
    if (events[i].kind == KEEL_EVENT_QUOTE) {
      const keel_status_t status =
          keel::sdk::detail::StrategyThunks<Every10Batched>::vtable.on_quote(
              self, &events[i].as.quote, err);
      if (status != KEEL_OK) return status;
    }
    if (s.acted() != before) return KEEL_OK;  // stop after acting
  }
  return KEEL_OK;
}
size_t events_consumed(void* self) { return static_cast<Every10Batched*>(self)->reached; }
const size_t* batch_cursor(void* self) { return &static_cast<Every10Batched*>(self)->cursor; }

const keel_strategy_events_consumed_ext_t kConsumed{sizeof(keel_strategy_events_consumed_ext_t),
                                                    &events_consumed, &batch_cursor};
const void* get_extension(void* /*self*/, const char* id) {
  return std::strcmp(id, KEEL_STRATEGY_EXT_EVENTS_CONSUMED) == 0 ? &kConsumed : nullptr;
}
const keel_strategy_vtable_t kBatchedTable = [] {
  keel_strategy_vtable_t t = keel::sdk::detail::StrategyThunks<Every10Batched>::vtable;
  t.on_events = &on_events;
  t.get_extension = &get_extension;
  return t;
}();

const keel_factory_t* batched_factory() {
  static const keel_factory_t factory{sizeof(keel_factory_t),
                                      0,
                                      KEEL_KIND_STRATEGY,
                                      Every10Batched::kId,
                                      "An order every 10 quotes, taking spans (engine benchmark)",
                                      Every10::kParamsSchema,
                                      &keel::sdk::detail::Lifecycle<Every10Batched>::create,
                                      &keel::sdk::detail::Lifecycle<Every10Batched>::drop,
                                      &kBatchedTable};
  return &factory;
}

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{"keel.bench.every10", "Every 10 (C++)", "1.0.0", "keel",
                                   "An order every 10 quotes, per event and batched"}),
            keel::sdk::strategy_factory<Every10>(), batched_factory())
