// keel.bench.noop_cpp — a strategy that does nothing, written with the C++
// SDK: what the call-overhead benchmark measures is the crossing itself
// (the C table and the SDK's thunk), not the strategy.
#include "keel/sdk.hpp"

namespace {

class NoOp final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel.bench.noop_cpp";
  static constexpr const char* kDescription = "Does nothing (call-overhead benchmark)";
  static constexpr const char* kParamsSchema = R"({"type":"object","additionalProperties":false})";

  NoOp(keel::sdk::Params& /*params*/, const keel::sdk::Host& /*host*/) {}
  void on_quote(const keel_quote_t& /*quote*/) override {}
  // Overridden, so the engine delivers book events too (depth benchmarks).
  void on_book(const keel_book_update_t& /*update*/) override {}
};

}  // namespace

KEEL_PLUGIN((keel::sdk::PluginInfo{"keel.bench.noop_cpp", "No-op (C++)", "1.0.0", "keel",
                                   "A strategy that does nothing, for keel_bench's call overhead"}),
            keel::sdk::strategy_factory<NoOp>())
