// keel_test.blocking — a pricing model whose price waits at a gate the test
// controls (keel_test::Gate), so a test can drop the model while another
// thread is inside a call on it, deterministically.
#include <chrono>
#include <cstring>
#include <thread>

#include "gate.hpp"
#include "test_plugin_entry.hpp"

namespace {

keel_test::Gate gate;

const void* gate_extension(const char* id) {
  return std::strcmp(id, KEEL_TEST_GATE_ID) == 0 ? &gate : nullptr;
}

class BlockingModel final : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kId = "keel_test.blocking_model";
  static constexpr const char* kDescription = "price waits until the test opens the gate";
  static constexpr const char* kParamsSchema = R"({"type":"object"})";

  BlockingModel(keel::sdk::Params& /*params*/, const keel::sdk::Host& /*host*/) {}
  ~BlockingModel() override {
    ++gate.drops;
    if (gate.calls_inside.load() > 0) ++gate.drops_during_a_call;
  }

  // Touches no member: it must stay harmless even on a host that frees the
  // instance during the call.
  keel_greeks_t price(const keel_option_t& /*option*/) override {
    ++gate.calls_inside;
    // Bounded, so that a host whose drop waits for calls to finish (while
    // the test opens the gate only after the drop) is not deadlocked.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!gate.open.load() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    --gate.calls_inside;
    return keel_greeks_t{};
  }
};

}  // namespace

KEEL_TEST_PLUGIN("keel_test.blocking", &gate_extension,
                 keel::sdk::pricing_model_factory<BlockingModel>())
