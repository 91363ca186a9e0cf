// Rule 7: nothing unwinds across the boundary. Every exception a plugin
// throws comes back as KEEL_ERR_PLUGIN_FAULT with its text, the first fault
// poisons the plugin, and afterwards only drops reach it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"

namespace keel {
namespace {

using abi_test::broken_plugin;
using abi_test::moved;
using ::testing::HasSubstr;

const keel_option_t kOption{100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};

// Caller-owned inputs and outputs for a batch of one option.
struct OneOption {
  double spot = 100, strike = 100, expiry = 1, vol = 0.2, rate = 0.05, dividend = 0;
  int32_t right = KEEL_RIGHT_CALL;
  double premium = 10, price = 0, out_vol = 0;
  keel_status_t status = KEEL_OK;

  keel_option_batch_t batch() {
    return {1, &spot, &strike, &expiry, &vol, &rate, &dividend, &right, nullptr};
  }
};

Status call_price(ModelInstance& model) { return model.price(kOption).status(); }
Status call_price_batch(ModelInstance& model) {
  OneOption one;
  keel_greeks_batch_t out{};
  out.price = &one.price;
  out.status = &one.status;
  return model.price_batch(one.batch(), out);
}
Status call_implied_vol(ModelInstance& model) { return model.implied_vol(kOption, 10).status(); }
Status call_implied_vol_batch(ModelInstance& model) {
  OneOption one;
  return model.implied_vol_batch(one.batch(), &one.premium, &one.out_vol, &one.status);
}
Status call_calibrate(ModelInstance& model) {
  const keel_calibration_quote_t quote{kOption, 10, 1};
  return model.calibrate(&quote, 1).status();
}

struct Member {
  const char* name;
  Status (*call)(ModelInstance&);
  const char* fault;  // what the plugin's exception must come back as
};

void PrintTo(const Member& member, std::ostream* out) { *out << member.name; }

const Member kMembers[] = {
    {"price", &call_price, "uncaught C++ exception: boom from price"},
    {"price_batch", &call_price_batch, "uncaught C++ exception: boom from price_batch"},
    {"implied_vol", &call_implied_vol, "uncaught C++ exception: boom from implied_vol"},
    {"implied_vol_batch", &call_implied_vol_batch, "uncaught C++ exception of unknown type"},
    {"calibrate", &call_calibrate, "uncaught C++ exception: boom from calibrate"},
};

class Poison : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PluginLibrary*> loaded = host_.registry().load_file(broken_plugin("keel_test_thrower"));
    ASSERT_TRUE(loaded) << loaded.status().message();
    plugin_ = *loaded;
    counters_ = abi_test::counters_of(*plugin_);
    ASSERT_NE(counters_, nullptr);
  }

  Result<keel_model_handle_t> create(const std::string& params) {
    return host_.create_model("keel_test.thrower_model", params, "model 'thrower'");
  }

  Host host_;
  PluginLibrary* plugin_ = nullptr;
  const keel_test_counters_t* counters_ = nullptr;
};

class PoisonByMember : public Poison, public ::testing::WithParamInterface<Member> {};

TEST_P(PoisonByMember, FaultPoisonsAndAfterwardsOnlyDropReachesThePlugin) {
  const Member& member = GetParam();
  Result<keel_model_handle_t> handle = create("{}");
  ASSERT_TRUE(handle) << handle.status().message();
  std::shared_ptr<ModelInstance> model = *host_.model(*handle);

  keel_test_counters_t before = *counters_;
  const Status fault = member.call(*model);
  EXPECT_EQ(fault.code(), KEEL_ERR_PLUGIN_FAULT) << fault.message();
  EXPECT_THAT(fault.message(), HasSubstr(member.fault));
  EXPECT_THAT(fault.message(), HasSubstr("the plugin is now poisoned"));
  EXPECT_EQ(moved(before, *counters_), std::string(member.name) + "+1");
  EXPECT_TRUE(plugin_->poisoned());
  EXPECT_THAT(plugin_->poison_reason(), HasSubstr(member.fault));

  before = *counters_;
  for (const Member& any : kMembers) {
    const Status refused = any.call(*model);
    EXPECT_EQ(refused.code(), KEEL_ERR_POISONED) << any.name;
    EXPECT_THAT(refused.message(), HasSubstr("is poisoned after a fault")) << any.name;
  }
  EXPECT_EQ(create("{}").status().code(), KEEL_ERR_POISONED);
  EXPECT_EQ(plugin_->extension(KEEL_TEST_COUNTERS_ID), nullptr);
  EXPECT_EQ(moved(before, *counters_), "");

  const Status dropped = host_.drop_model(*handle);
  EXPECT_TRUE(dropped.is_ok()) << dropped.message();
  EXPECT_EQ(host_.drop_model(*handle).code(), KEEL_ERR_STALE_HANDLE);
  model.reset();
  EXPECT_TRUE(host_.shutdown().empty());
  EXPECT_EQ(moved(before, *counters_), "drop+1");
}

INSTANTIATE_TEST_SUITE_P(Poison, PoisonByMember, ::testing::ValuesIn(kMembers),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(Poison, ThrowInCreateFailsTheCreateAndPoisons) {
  const keel_test_counters_t before = *counters_;
  const Status fault = create(R"({"throw_in_create": true})").status();
  EXPECT_EQ(fault.code(), KEEL_ERR_PLUGIN_FAULT) << fault.message();
  EXPECT_THAT(fault.message(), HasSubstr("uncaught C++ exception: boom from create"));
  EXPECT_TRUE(plugin_->poisoned());
  EXPECT_EQ(moved(before, *counters_), "create+1");

  const keel_test_counters_t after_fault = *counters_;
  EXPECT_EQ(create("{}").status().code(), KEEL_ERR_POISONED);
  EXPECT_EQ(moved(after_fault, *counters_), "");
}

TEST_F(Poison, StrategyCallbacksReturnTheFaultInsteadOfThrowing) {
  Result<const Factory*> found = host_.registry().find_factory("keel_test.thrower_strategy");
  ASSERT_TRUE(found) << found.status().message();
  const Factory& factory = **found;
  ASSERT_EQ(factory.kind, FactoryKind::strategy);
  std::unique_ptr<InstanceContext> context = host_.make_context("strategy 'thrower'", plugin_);
  void* instance = nullptr;
  keel_error_t err{};
  const keel_test_counters_t before_create = *counters_;
  ASSERT_EQ(factory.create("{}", &context->table, &instance, &err), KEEL_OK) << err.message;
  EXPECT_EQ(moved(before_create, *counters_), "create+1");

  const keel_strategy_vtable_t& s = factory.strategy;
  const keel_strategy_start_t start{sizeof start, 0, 0, "thrower", 0, nullptr};
  const keel_quote_t quote{};
  const keel_trade_t trade{};
  const keel_bar_t bar{};
  keel_order_update_t update{};
  update.reason = "";
  const keel_fill_t fill{};
  const keel_timer_event_t timer{};
  const std::pair<std::string, std::function<keel_status_t(keel_error_t*)>> callbacks[] = {
      {"on_start", [&](keel_error_t* e) { return s.on_start(instance, &start, e); }},
      {"on_quote", [&](keel_error_t* e) { return s.on_quote(instance, &quote, e); }},
      {"on_trade", [&](keel_error_t* e) { return s.on_trade(instance, &trade, e); }},
      {"on_bar", [&](keel_error_t* e) { return s.on_bar(instance, &bar, e); }},
      {"on_order_update", [&](keel_error_t* e) { return s.on_order_update(instance, &update, e); }},
      {"on_fill", [&](keel_error_t* e) { return s.on_fill(instance, &fill, e); }},
      {"on_timer", [&](keel_error_t* e) { return s.on_timer(instance, &timer, e); }},
      {"on_stop", [&](keel_error_t* e) { return s.on_stop(instance, 0, e); }},
  };
  for (const auto& [name, call] : callbacks) {
    const keel_test_counters_t before = *counters_;
    keel_error_t fault{};
    EXPECT_EQ(call(&fault), KEEL_ERR_PLUGIN_FAULT) << name;
    EXPECT_EQ(fault.code, KEEL_ERR_PLUGIN_FAULT) << name;
    EXPECT_THAT(fault.message, HasSubstr("uncaught C++ exception: boom from " + name));
    EXPECT_EQ(moved(before, *counters_), "strategy_callbacks+1") << name;
  }

  // The host turns such a fault into poisoning, as it does for models.
  keel_error_t fault{};
  const keel_status_t status = s.on_quote(instance, &quote, &fault);
  const Status checked =
      check_plugin_status(*plugin_, status, fault, "strategy 'thrower': on_quote");
  EXPECT_EQ(checked.code(), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_THAT(checked.message(), HasSubstr("strategy 'thrower': on_quote faulted in plugin "
                                           "keel_test.thrower"));
  EXPECT_TRUE(plugin_->poisoned());

  const keel_test_counters_t before_drop = *counters_;
  EXPECT_EQ(factory.drop(instance, &err), KEEL_OK) << err.message;
  EXPECT_EQ(moved(before_drop, *counters_), "drop+1");
}

TEST(PoisonBadStatus, AnUndefinedStatusIsAFaultThatPoisons) {
  Host host;
  Result<PluginLibrary*> loaded = host.registry().load_file(broken_plugin("keel_test_bad_status"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  Result<keel_model_handle_t> handle =
      host.create_model("keel_test.bad_status_model", "{}", "model 'bad_status'");
  ASSERT_TRUE(handle) << handle.status().message();
  const std::shared_ptr<ModelInstance> model = *host.model(*handle);

  const Status fault = model->price(kOption).status();
  EXPECT_EQ(fault.code(), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_THAT(fault.message(),
              HasSubstr("model 'bad_status': price returned undefined status 999"));
  EXPECT_TRUE((*loaded)->poisoned());
  EXPECT_EQ(model->price(kOption).status().code(), KEEL_ERR_POISONED);
  const Status dropped = host.drop_model(*handle);
  EXPECT_TRUE(dropped.is_ok()) << dropped.message();
}

}  // namespace
}  // namespace keel
