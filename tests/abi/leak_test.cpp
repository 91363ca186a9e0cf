// Rule 9's report: a model handle an instance created through the host
// table and never dropped is a leak, named with its owner and factory, and
// the host drops it for the instance.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"

namespace keel {
namespace {

using abi_test::moved;
using ::testing::HasSubstr;

const keel_option_t kOption{100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};

class Leaks : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PluginLibrary*> loaded =
        host_.registry().load_file(abi_test::broken_plugin("keel_test_thrower"));
    ASSERT_TRUE(loaded) << loaded.status().message();
    counters_ = abi_test::counters_of(**loaded);
    ASSERT_NE(counters_, nullptr);
  }

  keel_model_handle_t create_through(const keel_host_t* api) {
    keel_model_handle_t handle{KEEL_NULL_HANDLE};
    keel_error_t err{};
    EXPECT_EQ(api->model_create(api, "keel_test.thrower_model", "{}", &handle, &err), KEEL_OK)
        << err.message;
    return handle;
  }

  Host host_;
  const keel_test_counters_t* counters_ = nullptr;
};

TEST_F(Leaks, ClosingAContextReportsAndDropsTheModelItKept) {
  std::unique_ptr<InstanceContext> owner = host_.make_context("strategy 'leaky'", nullptr);
  const keel_host_t* api = &owner->table;
  const keel_model_handle_t given_back = create_through(api);
  const keel_model_handle_t kept = create_through(api);
  keel_error_t err{};
  ASSERT_EQ(api->model_drop(api, given_back, &err), KEEL_OK) << err.message;

  const keel_test_counters_t before = *counters_;
  host_.close_context(*owner);
  ASSERT_EQ(host_.leaks().size(), 1u);
  const Leak leak = host_.leaks()[0];
  EXPECT_EQ(leak.owner, "strategy 'leaky'");
  EXPECT_EQ(leak.what, "model handle " + describe_handle(kept.bits) +
                           " (keel_test.thrower_model) was never dropped");
  EXPECT_EQ(moved(before, *counters_), "drop+1");

  keel_greeks_t greeks{};
  EXPECT_EQ(api->model_price(api, kept, &kOption, &greeks, &err), KEEL_ERR_STALE_HANDLE);

  const std::vector<Leak> report = host_.shutdown();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].owner, leak.owner);
  EXPECT_EQ(report[0].what, leak.what);
  EXPECT_EQ(moved(before, *counters_), "drop+1");
}

TEST_F(Leaks, AContextThatGaveEverythingBackLeavesNoLeak) {
  std::unique_ptr<InstanceContext> owner = host_.make_context("strategy 'tidy'", nullptr);
  const keel_host_t* api = &owner->table;
  keel_error_t err{};
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(api->model_drop(api, create_through(api), &err), KEEL_OK) << err.message;
  }
  host_.close_context(*owner);
  EXPECT_TRUE(host_.shutdown().empty());
}

TEST_F(Leaks, ShutdownReportsModelsOfAnOwnerNeverClosed) {
  std::unique_ptr<InstanceContext> owner = host_.make_context("strategy 'forgetful'", nullptr);
  create_through(&owner->table);
  Result<keel_model_handle_t> host_owned =
      host_.create_model("keel_test.thrower_model", "{}", "model 'configured'");
  ASSERT_TRUE(host_owned) << host_owned.status().message();

  const keel_test_counters_t before = *counters_;
  const std::vector<Leak> report = host_.shutdown();
  ASSERT_EQ(report.size(), 1u) << "a host-owned model is not a leak";
  EXPECT_EQ(report[0].owner, "strategy 'forgetful'");
  EXPECT_THAT(report[0].what, HasSubstr("(keel_test.thrower_model) outlived its owner"));
  EXPECT_EQ(moved(before, *counters_), "drop+2");
}

}  // namespace
}  // namespace keel
