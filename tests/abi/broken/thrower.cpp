// keel_test.thrower — a pricing model and a strategy whose members all
// throw, to prove that nothing unwinds across the boundary (rule 7) and
// that the first fault poisons the plugin. Every member counts the call
// before it throws, so the tests see exactly what reached the plugin.
#include <span>
#include <stdexcept>
#include <string>

#include "test_plugin_entry.hpp"

namespace {

using keel_test::counters;

[[noreturn]] void boom(const char* member) {
  throw std::runtime_error(std::string("boom from ") + member);
}

class ThrowerModel final : public keel::sdk::PricingModel {
 public:
  static constexpr const char* kId = "keel_test.thrower_model";
  static constexpr const char* kDescription = "a pricing model whose every member throws";
  static constexpr const char* kParamsSchema =
      R"({"type":"object","properties":{"throw_in_create":{"type":"boolean"}}})";

  ThrowerModel(keel::sdk::Params& params, const keel::sdk::Host& /*host*/) {
    ++counters.create;
    if (params.boolean("throw_in_create", false)) boom("create");
  }
  ~ThrowerModel() override { ++counters.drop; }

  keel_greeks_t price(const keel_option_t& /*option*/) override {
    ++counters.price;
    boom("price");
  }
  keel_status_t price_batch(const keel_option_batch_t& /*options*/,
                            const keel_greeks_batch_t& /*out*/, keel_error_t* /*err*/) override {
    ++counters.price_batch;
    boom("price_batch");
  }
  double implied_vol(const keel_option_t& /*option*/, double /*premium*/) override {
    ++counters.implied_vol;
    boom("implied_vol");
  }
  keel_status_t implied_vol_batch(const keel_option_batch_t& /*options*/,
                                  const double* /*premiums*/, double* /*out_vols*/,
                                  keel_status_t* /*out_status*/, keel_error_t* /*err*/) override {
    ++counters.implied_vol_batch;
    throw 42;  // not a std::exception
  }
  keel::sdk::CalibrationReport calibrate(
      std::span<const keel_calibration_quote_t> /*quotes*/) override {
    ++counters.calibrate;
    boom("calibrate");
  }
};

class ThrowerStrategy final : public keel::sdk::Strategy {
 public:
  static constexpr const char* kId = "keel_test.thrower_strategy";
  static constexpr const char* kDescription = "a strategy whose every callback throws";
  static constexpr const char* kParamsSchema = R"({"type":"object"})";

  ThrowerStrategy(keel::sdk::Params& /*params*/, const keel::sdk::Host& /*host*/) {
    ++counters.create;
  }
  ~ThrowerStrategy() override { ++counters.drop; }

  void on_start(const keel_strategy_start_t& /*start*/) override { fail("on_start"); }
  void on_quote(const keel_quote_t& /*quote*/) override { fail("on_quote"); }
  void on_trade(const keel_trade_t& /*trade*/) override { fail("on_trade"); }
  void on_bar(const keel_bar_t& /*bar*/) override { fail("on_bar"); }
  void on_order_update(const keel_order_update_t& /*update*/) override { fail("on_order_update"); }
  void on_fill(const keel_fill_t& /*fill*/) override { fail("on_fill"); }
  void on_timer(const keel_timer_event_t& /*timer*/) override { fail("on_timer"); }
  void on_stop(keel_timestamp_t /*at*/) override { fail("on_stop"); }

 private:
  [[noreturn]] static void fail(const char* callback) {
    ++counters.strategy_callbacks;
    boom(callback);
  }
};

}  // namespace

KEEL_TEST_PLUGIN("keel_test.thrower", &keel_test::counters_extension,
                 keel::sdk::pricing_model_factory<ThrowerModel>(),
                 keel::sdk::strategy_factory<ThrowerStrategy>())
