// Rule 5: capsules. The header's check and release, the C++ SDK's owners,
// and what the host does with capsules a plugin produced: it checks them,
// releases each exactly once, and reports one a caller never released.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"
#include "keel/sdk/capsule.hpp"

namespace keel {
namespace {

using abi_test::broken_plugin;
using abi_test::moved;
using ::testing::HasSubstr;

void count_and_empty(keel_capsule_t* capsule) {
  int* destroyed = static_cast<int*>(capsule->destroy_context);
  std::memset(capsule, 0, sizeof *capsule);
  ++*destroyed;
}

// A destructor that breaks the contract by not emptying the capsule.
void count_only(keel_capsule_t* capsule) { ++*static_cast<int*>(capsule->destroy_context); }

class CapsuleCheck : public ::testing::Test {
 protected:
  keel_status_t check(keel_error_t* err) {
    return keel_capsule_check(&capsule_, KEEL_CAPSULE_TAG_F64_VEC, err);
  }

  double values_[2] = {1.0, 2.0};
  int destroyed_ = 0;
  keel_capsule_t capsule_{KEEL_CAPSULE_TAG_F64_VEC, values_, 2, 2, &count_and_empty, &destroyed_};
  keel_error_t err_{};
};

TEST_F(CapsuleCheck, AcceptsAWellFormedCapsuleAndLeavesTheErrorUntouched) {
  EXPECT_EQ(check(&err_), KEEL_OK);
  EXPECT_EQ(err_.code, KEEL_OK);
  EXPECT_STREQ(err_.message, "");
}

TEST_F(CapsuleCheck, RejectsAWrongTag) {
  capsule_.tag = KEEL_CAPSULE_TAG_BYTES;
  EXPECT_EQ(check(&err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_STREQ(err_.message, "capsule tag is 'keel.bytes/1', expected 'keel.f64_vec/1'");
}

TEST_F(CapsuleCheck, RejectsLenAboveCap) {
  capsule_.len = 3;
  EXPECT_EQ(check(&err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_STREQ(err_.message, "capsule 'keel.f64_vec/1' has len 3 > cap 2");
}

TEST_F(CapsuleCheck, RejectsNullDataWithNonZeroLength) {
  capsule_.data = nullptr;
  EXPECT_EQ(check(&err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_STREQ(err_.message, "capsule 'keel.f64_vec/1' has a NULL data pointer with len 2");
}

TEST_F(CapsuleCheck, AcceptsNullDataWhenNothingIsInUse) {
  capsule_.data = nullptr;
  capsule_.len = 0;
  capsule_.cap = 0;
  EXPECT_EQ(check(&err_), KEEL_OK) << err_.message;
}

TEST_F(CapsuleCheck, RejectsACapsuleWithoutDestructor) {
  capsule_.destroy = nullptr;
  EXPECT_EQ(check(&err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_THAT(err_.message, HasSubstr("capsule 'keel.f64_vec/1' has no destructor"));
}

TEST_F(CapsuleCheck, RejectsAnEmptyOrNullCapsule) {
  capsule_ = keel_capsule_empty();
  EXPECT_EQ(check(&err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_THAT(err_.message, HasSubstr("capsule is empty (no tag)"));
  EXPECT_EQ(keel_capsule_check(nullptr, KEEL_CAPSULE_TAG_F64_VEC, &err_), KEEL_ERR_BAD_CAPSULE);
  EXPECT_STREQ(err_.message, "capsule is NULL");
}

TEST_F(CapsuleCheck, ReleaseRunsTheDestructorOnceAndEmptiesTheCapsule) {
  keel_capsule_release(&capsule_);
  EXPECT_EQ(destroyed_, 1);
  EXPECT_EQ(capsule_.tag, nullptr);
  EXPECT_EQ(capsule_.destroy, nullptr);
  keel_capsule_release(&capsule_);
  keel_capsule_release(nullptr);
  EXPECT_EQ(destroyed_, 1);
}

TEST_F(CapsuleCheck, ReleaseTwiceIsSafeEvenIfTheDestructorForgetsToEmpty) {
  capsule_.destroy = &count_only;
  keel_capsule_release(&capsule_);
  keel_capsule_release(&capsule_);
  EXPECT_EQ(destroyed_, 1);
}

// The SDK's capsules own a std::vector; shared_ptr elements show, through
// their use count, exactly when the vector was freed.
using Token = std::shared_ptr<int>;
constexpr const char* kTokenTag = "keel_test.tokens/1";

TEST(SdkCapsule, MakeCapsuleMovesTheVectorInAndReleaseFreesItOnce) {
  const Token token = std::make_shared<int>(0);
  keel_capsule_t capsule = sdk::make_capsule<Token>(kTokenTag, {token, token});
  EXPECT_EQ(keel_capsule_check(&capsule, kTokenTag, nullptr), KEEL_OK);
  EXPECT_EQ(capsule.len, 2u);
  EXPECT_EQ(token.use_count(), 3);
  keel_capsule_release(&capsule);
  EXPECT_EQ(token.use_count(), 1);
  keel_capsule_release(&capsule);
  EXPECT_EQ(token.use_count(), 1);
}

TEST(SdkCapsule, AMovedOwnerReleasesExactlyOnce) {
  const Token token = std::make_shared<int>(0);
  {
    sdk::Capsule first(sdk::make_capsule<Token>(kTokenTag, {token}));
    sdk::Capsule second(std::move(first));
    EXPECT_EQ(first.view().tag, nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
    sdk::Capsule third;
    third = std::move(second);
    EXPECT_EQ(token.use_count(), 2);
    third.release();
    EXPECT_EQ(token.use_count(), 1);
  }
  EXPECT_EQ(token.use_count(), 1);
}

TEST(SdkCapsule, MoveAssignmentReleasesTheCapsuleItReplaces) {
  const Token replaced = std::make_shared<int>(0);
  const Token kept = std::make_shared<int>(0);
  {
    sdk::Capsule target(sdk::make_capsule<Token>(kTokenTag, {replaced}));
    sdk::Capsule source(sdk::make_capsule<Token>(kTokenTag, {kept}));
    target = std::move(source);
    EXPECT_EQ(replaced.use_count(), 1);
    EXPECT_EQ(kept.use_count(), 2);
  }
  EXPECT_EQ(kept.use_count(), 1);
}

// Capsules made by keel_test_capsules, whose destructor runs are counted.
class PluginCapsules : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PluginLibrary*> loaded = host_.registry().load_file(broken_plugin("keel_test_capsules"));
    ASSERT_TRUE(loaded) << loaded.status().message();
    counters_ = abi_test::counters_of(**loaded);
    ASSERT_NE(counters_, nullptr);
  }

  std::shared_ptr<ModelInstance> model(const std::string& mode) {
    Result<keel_model_handle_t> handle = host_.create_model(
        "keel_test.capsule_model", R"({"mode": ")" + mode + R"("})", "model 'capsules'");
    EXPECT_TRUE(handle) << handle.status().message();
    if (!handle) return nullptr;
    return *host_.model(*handle);
  }

  keel_model_handle_t create_through(const keel_host_t* api) {
    keel_model_handle_t handle{KEEL_NULL_HANDLE};
    keel_error_t err{};
    EXPECT_EQ(api->model_create(api, "keel_test.capsule_model", "{}", &handle, &err), KEEL_OK)
        << err.message;
    return handle;
  }

  Host host_;
  const keel_test_counters_t* counters_ = nullptr;
};

struct BadMode {
  const char* mode;
  const char* problem;
};

void PrintTo(const BadMode& bad, std::ostream* out) { *out << bad.mode; }

class PluginBadCapsule : public PluginCapsules, public ::testing::WithParamInterface<BadMode> {};

TEST_P(PluginBadCapsule, IsRejectedAndStillReleasedExactlyOnce) {
  const std::shared_ptr<ModelInstance> instance = model(GetParam().mode);
  ASSERT_NE(instance, nullptr);
  const keel_test_counters_t before = *counters_;
  const Status status = instance->calibrate(nullptr, 0).status();
  EXPECT_EQ(status.code(), KEEL_ERR_BAD_CAPSULE);
  EXPECT_THAT(status.message(), HasSubstr("model 'capsules': calibrate returned a bad capsule: "));
  EXPECT_THAT(status.message(), HasSubstr(GetParam().problem));
  EXPECT_EQ(moved(before, *counters_), "calibrate+1 capsules_destroyed+1");
}

INSTANTIATE_TEST_SUITE_P(
    Capsule, PluginBadCapsule,
    ::testing::Values(
        BadMode{"wrong_tag",
                "capsule tag is 'keel.f64_vec/1', expected 'keel.calibration_report/1'"},
        BadMode{"len_gt_cap", "capsule 'keel.calibration_report/1' has len 2 > cap 1"},
        BadMode{"null_data",
                "capsule 'keel.calibration_report/1' has a NULL data pointer with len 1"}),
    [](const auto& info) { return std::string(info.param.mode); });

TEST_F(PluginCapsules, AGoodReportIsReleasedOnceByTheHost) {
  const std::shared_ptr<ModelInstance> instance = model("ok");
  ASSERT_NE(instance, nullptr);
  const keel_test_counters_t before = *counters_;
  {
    Result<CalibrationReport> report = instance->calibrate(nullptr, 0);
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->report->converged, 1);
    EXPECT_STREQ(report->report->message, "a hand-built report");
    EXPECT_EQ(moved(before, *counters_), "calibrate+1");
  }
  EXPECT_EQ(moved(before, *counters_), "calibrate+1 capsules_destroyed+1");
}

TEST_F(PluginCapsules, ACapsuleHandedToACallerAndNeverReleasedIsALeak) {
  std::unique_ptr<InstanceContext> caller = host_.make_context("strategy 'calibrator'", nullptr);
  const keel_host_t* api = &caller->table;
  const keel_model_handle_t handle = create_through(api);
  keel_capsule_t capsule = keel_capsule_empty();
  keel_error_t err{};
  ASSERT_EQ(api->model_calibrate(api, handle, nullptr, 0, &capsule, &err), KEEL_OK) << err.message;
  EXPECT_EQ(api->capsule_check(api, &capsule, KEEL_CAPSULE_TAG_CALIBRATION, &err), KEEL_OK)
      << err.message;
  ASSERT_EQ(api->model_drop(api, handle, &err), KEEL_OK) << err.message;

  const keel_test_counters_t before = *counters_;
  host_.close_context(*caller);
  ASSERT_EQ(host_.leaks().size(), 1u);
  EXPECT_EQ(host_.leaks()[0].owner, "strategy 'calibrator'");
  EXPECT_EQ(host_.leaks()[0].what, "1 capsule(s) never released");
  EXPECT_EQ(moved(before, *counters_), "");

  keel_capsule_release(&capsule);
  EXPECT_EQ(moved(before, *counters_), "capsules_destroyed+1");
}

TEST_F(PluginCapsules, ACapsuleTheCallerReleasedIsNoLeak) {
  std::unique_ptr<InstanceContext> caller = host_.make_context("strategy 'calibrator'", nullptr);
  const keel_host_t* api = &caller->table;
  const keel_model_handle_t handle = create_through(api);
  keel_capsule_t capsule = keel_capsule_empty();
  keel_error_t err{};
  ASSERT_EQ(api->model_calibrate(api, handle, nullptr, 0, &capsule, &err), KEEL_OK) << err.message;
  ASSERT_EQ(api->model_drop(api, handle, &err), KEEL_OK) << err.message;

  const keel_test_counters_t before = *counters_;
  api->capsule_release(api, &capsule);
  api->capsule_release(api, &capsule);
  EXPECT_EQ(moved(before, *counters_), "capsules_destroyed+1");
  host_.close_context(*caller);
  EXPECT_TRUE(host_.leaks().empty()) << host_.leaks().front().what;
}

TEST(PluginCapsuleLifetime, ACapsuleOutlivesTheHostThatLoadedItsProducer) {
  // Rule 9: a plugin is never unloaded, so a live capsule's destructor can
  // still run after everything that loaded the plugin is gone.
  auto host = std::make_unique<Host>();
  Result<PluginLibrary*> loaded = host->registry().load_file(broken_plugin("keel_test_capsules"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  const keel_test_counters_t* counters = abi_test::counters_of(**loaded);
  ASSERT_NE(counters, nullptr);
  std::unique_ptr<InstanceContext> caller = host->make_context("strategy 'survivor'", nullptr);
  const keel_host_t* api = &caller->table;
  keel_model_handle_t handle{KEEL_NULL_HANDLE};
  keel_capsule_t capsule = keel_capsule_empty();
  keel_error_t err{};
  ASSERT_EQ(api->model_create(api, "keel_test.capsule_model", "{}", &handle, &err), KEEL_OK)
      << err.message;
  ASSERT_EQ(api->model_calibrate(api, handle, nullptr, 0, &capsule, &err), KEEL_OK) << err.message;
  ASSERT_EQ(api->model_drop(api, handle, &err), KEEL_OK) << err.message;
  caller.reset();
  host.reset();

  const keel_test_counters_t before = *counters;
  keel_capsule_release(&capsule);
  EXPECT_EQ(moved(before, *counters), "capsules_destroyed+1");
}

}  // namespace
}  // namespace keel
