// Rule 3: handles. HandleTable on its own, then the same guarantees through
// the C host table a plugin instance receives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "abi_test_support.hpp"
#include "engine/host/host.hpp"
#include "engine/plugin/handle_table.hpp"
#include "gate.hpp"

namespace keel {
namespace {

using ::testing::HasSubstr;
using Table = HandleTable<KEEL_HANDLE_KIND_MODEL, int>;

uint32_t index_of(uint64_t handle) { return static_cast<uint32_t>(handle); }
uint32_t generation_of(uint64_t handle) {
  return static_cast<uint32_t>(handle >> 32) & Table::kMaxGeneration;
}
uint64_t with_kind(uint64_t handle, uint32_t kind) {
  return (handle & ~(UINT64_C(0xFF) << 56)) | (static_cast<uint64_t>(kind) << 56);
}

TEST(HandleTable, InsertGetRemove) {
  Table table;
  const uint64_t handle = table.insert(7);
  EXPECT_NE(handle, KEEL_NULL_HANDLE);
  EXPECT_EQ(keel_handle_kind(handle), static_cast<uint32_t>(KEEL_HANDLE_KIND_MODEL));
  Result<int*> got = table.get(handle);
  ASSERT_TRUE(got) << got.status().message();
  EXPECT_EQ(**got, 7);
  Result<int> removed = table.remove(handle);
  ASSERT_TRUE(removed) << removed.status().message();
  EXPECT_EQ(*removed, 7);
  EXPECT_EQ(table.size(), 0u);
}

TEST(HandleTable, RemovedHandleIsStaleAndASecondRemoveFails) {
  Table table;
  const uint64_t handle = table.insert(7);
  ASSERT_TRUE(table.remove(handle));
  EXPECT_EQ(table.get(handle).status().code(), KEEL_ERR_STALE_HANDLE);
  const Status second = table.remove(handle).status();
  EXPECT_EQ(second.code(), KEEL_ERR_STALE_HANDLE);
  EXPECT_THAT(second.message(), HasSubstr(describe_handle(handle) + " is stale"));
}

TEST(HandleTable, NeverIssuedHandleIsStale) {
  Table table;
  EXPECT_EQ(table.get(Table::encode(5, 1)).status().code(), KEEL_ERR_STALE_HANDLE);
}

TEST(HandleTable, HandleOfAnotherKindIsRefused) {
  Table table;
  const uint64_t handle = table.insert(7);
  const uint64_t as_order = with_kind(handle, KEEL_HANDLE_KIND_ORDER);
  const Status wrong = table.get(as_order).status();
  EXPECT_EQ(wrong.code(), KEEL_ERR_WRONG_KIND);
  EXPECT_THAT(wrong.message(), HasSubstr("is of kind 3, expected kind 1"));
  EXPECT_EQ(table.remove(as_order).status().code(), KEEL_ERR_WRONG_KIND);
  EXPECT_TRUE(table.get(handle)) << "a refused handle must not disturb the real one";
}

TEST(HandleTable, NullHandleIsAnInvalidArgument) {
  Table table;
  EXPECT_EQ(table.get(KEEL_NULL_HANDLE).status().code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(table.remove(KEEL_NULL_HANDLE).status().code(), KEEL_ERR_INVALID_ARGUMENT);
}

TEST(HandleTable, ReusedSlotGetsANewGenerationAndTheOldHandleStaysStale) {
  Table table;
  const uint64_t old_handle = table.insert(1);
  ASSERT_TRUE(table.remove(old_handle));
  const uint64_t new_handle = table.insert(2);
  EXPECT_EQ(index_of(new_handle), index_of(old_handle));
  EXPECT_NE(generation_of(new_handle), generation_of(old_handle));
  EXPECT_EQ(table.get(old_handle).status().code(), KEEL_ERR_STALE_HANDLE);
  EXPECT_EQ(table.remove(old_handle).status().code(), KEEL_ERR_STALE_HANDLE);
  Result<int*> got = table.get(new_handle);
  ASSERT_TRUE(got) << got.status().message();
  EXPECT_EQ(**got, 2);
}

TEST(HandleTable, SlotIsRetiredAtTheLastGeneration) {
  Table table;
  uint64_t handle = table.insert(0);
  const uint32_t slot = index_of(handle);
  // One slot cycled through all 2^24 - 1 generations: int values and plain
  // checks keep it cheap.
  for (uint32_t generation = 1; generation < Table::kMaxGeneration; ++generation) {
    if (index_of(handle) != slot || generation_of(handle) != generation || !table.remove(handle)) {
      FAIL() << "expected slot " << slot << " at generation " << generation << ", got "
             << describe_handle(handle);
    }
    handle = table.insert(0);
  }
  ASSERT_EQ(index_of(handle), slot);
  ASSERT_EQ(generation_of(handle), Table::kMaxGeneration);
  ASSERT_TRUE(table.remove(handle));
  const uint64_t next = table.insert(1);
  EXPECT_NE(index_of(next), slot) << "a slot at the last generation must not be reused";
  EXPECT_EQ(table.get(handle).status().code(), KEEL_ERR_STALE_HANDLE);
  EXPECT_EQ(table.get(Table::encode(slot, 1)).status().code(), KEEL_ERR_STALE_HANDLE);
}

const keel_option_t kOption{100, 100, 1, 0.2, 0.05, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};

// The host table as a plugin instance ("strategy 'caller'") sees it.
class HostHandles : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PluginLibrary*> loaded =
        host_.registry().load_file(abi_test::shipped_plugin("keel_black_scholes"));
    ASSERT_TRUE(loaded) << loaded.status().message();
    caller_ = host_.make_context("strategy 'caller'", nullptr);
    api_ = &caller_->table;
  }
  void TearDown() override {
    host_.close_context(*caller_);
    EXPECT_TRUE(host_.leaks().empty()) << host_.leaks().front().what;
  }

  keel_model_handle_t create(const keel_host_t* api) {
    keel_model_handle_t model{KEEL_NULL_HANDLE};
    keel_error_t err{};
    EXPECT_EQ(api->model_create(api, "keel.black_scholes", "{}", &model, &err), KEEL_OK)
        << err.message;
    return model;
  }
  keel_status_t price(keel_model_handle_t model, keel_error_t* err) {
    keel_greeks_t greeks{};
    return api_->model_price(api_, model, &kOption, &greeks, err);
  }
  keel_status_t drop(keel_model_handle_t model, keel_error_t* err) {
    return api_->model_drop(api_, model, err);
  }

  Host host_;
  std::unique_ptr<InstanceContext> caller_;
  const keel_host_t* api_ = nullptr;
};

TEST_F(HostHandles, CreatePriceAndDropThroughTheHostTable) {
  const keel_model_handle_t model = create(api_);
  EXPECT_EQ(keel_handle_kind(model.bits), static_cast<uint32_t>(KEEL_HANDLE_KIND_MODEL));
  keel_greeks_t greeks{};
  keel_error_t err{};
  ASSERT_EQ(api_->model_price(api_, model, &kOption, &greeks, &err), KEEL_OK) << err.message;
  EXPECT_NEAR(greeks.price, 10.4506, 1e-4);
  EXPECT_EQ(drop(model, &err), KEEL_OK) << err.message;
}

TEST_F(HostHandles, SecondDropIsStale) {
  const keel_model_handle_t model = create(api_);
  keel_error_t err{};
  ASSERT_EQ(drop(model, &err), KEEL_OK) << err.message;
  EXPECT_EQ(drop(model, &err), KEEL_ERR_STALE_HANDLE);
  EXPECT_EQ(err.code, KEEL_ERR_STALE_HANDLE);
  EXPECT_THAT(err.message, HasSubstr("is stale"));
}

TEST_F(HostHandles, UseAfterDropIsStale) {
  const keel_model_handle_t model = create(api_);
  keel_error_t err{};
  ASSERT_EQ(drop(model, &err), KEEL_OK) << err.message;
  EXPECT_EQ(price(model, &err), KEEL_ERR_STALE_HANDLE);
  EXPECT_THAT(err.message, HasSubstr(describe_handle(model.bits)));
}

TEST_F(HostHandles, HandleWithAnotherKindByteIsTheWrongKind) {
  const keel_model_handle_t model = create(api_);
  const keel_model_handle_t forged{with_kind(model.bits, KEEL_HANDLE_KIND_TIMER)};
  keel_error_t err{};
  EXPECT_EQ(price(forged, &err), KEEL_ERR_WRONG_KIND);
  EXPECT_EQ(drop(forged, &err), KEEL_ERR_WRONG_KIND);
  EXPECT_THAT(err.message, HasSubstr("is of kind 4, expected kind 1"));
  EXPECT_EQ(price(model, &err), KEEL_OK) << err.message;
  EXPECT_EQ(drop(model, &err), KEEL_OK) << err.message;
}

TEST_F(HostHandles, NullHandleIsAnInvalidArgument) {
  keel_error_t err{};
  EXPECT_EQ(price(keel_model_handle_t{KEEL_NULL_HANDLE}, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.message, HasSubstr("null handle"));
}

TEST_F(HostHandles, BorrowedHandleFromLookupCannotBeDropped) {
  Result<keel_model_handle_t> owned = host_.create_model("keel.black_scholes", "{}", "model 'bs'");
  ASSERT_TRUE(owned) << owned.status().message();
  ASSERT_TRUE(host_.name_model("bs", *owned));

  keel_model_handle_t borrowed{KEEL_NULL_HANDLE};
  keel_error_t err{};
  ASSERT_EQ(api_->model_lookup(api_, "bs", &borrowed, &err), KEEL_OK) << err.message;
  EXPECT_EQ(borrowed.bits, owned->bits);
  EXPECT_EQ(drop(borrowed, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.message, HasSubstr("is not owned by strategy 'caller'"));
  EXPECT_EQ(price(borrowed, &err), KEEL_OK) << "a refused drop must leave the model alive";
}

TEST_F(HostHandles, OnlyTheCreatorDropsAModel) {
  const keel_model_handle_t model = create(api_);
  std::unique_ptr<InstanceContext> other = host_.make_context("strategy 'other'", nullptr);
  keel_error_t err{};
  EXPECT_EQ(other->table.model_drop(&other->table, model, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.message, HasSubstr("is not owned by strategy 'other'"));
  EXPECT_EQ(drop(model, &err), KEEL_OK) << err.message;
  host_.close_context(*other);
}

TEST(HostHandlesAcrossThreads, DropNeverFreesAnInstanceAnotherThreadIsInside) {
  // model_price is [thread-safe]: one thread may be inside it while the
  // owner drops the model. The call must finish on a live instance, and
  // the plugin's drop run once, after it.
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(abi_test::broken_plugin("keel_test_blocking"));
  ASSERT_TRUE(loaded) << loaded.status().message();
  auto* gate =
      static_cast<keel_test::Gate*>(const_cast<void*>((*loaded)->extension(KEEL_TEST_GATE_ID)));
  ASSERT_NE(gate, nullptr);
  gate->open = false;
  const int drops_before = gate->drops;
  const int overlaps_before = gate->drops_during_a_call;

  std::unique_ptr<InstanceContext> owner = host.make_context("strategy 'owner'", nullptr);
  const keel_host_t* api = &owner->table;
  keel_model_handle_t model{KEEL_NULL_HANDLE};
  keel_error_t err{};
  ASSERT_EQ(api->model_create(api, "keel_test.blocking_model", "{}", &model, &err), KEEL_OK)
      << err.message;

  keel_status_t priced = KEEL_ERR_INTERNAL;
  std::thread pricer([&] {
    keel_greeks_t greeks{};
    keel_error_t price_err{};
    priced = api->model_price(api, model, &kOption, &greeks, &price_err);
  });
  while (gate->calls_inside == 0) std::this_thread::yield();
  const keel_status_t dropped = api->model_drop(api, model, &err);
  gate->open = true;
  pricer.join();

  EXPECT_EQ(dropped, KEEL_OK) << err.message;
  EXPECT_EQ(priced, KEEL_OK);
  EXPECT_EQ(gate->drops_during_a_call - overlaps_before, 0)
      << "the plugin's drop ran while another thread was inside price on the instance";
  EXPECT_EQ(gate->drops - drops_before, 1);
  host.close_context(*owner);
  EXPECT_TRUE(host.leaks().empty());
}

}  // namespace
}  // namespace keel
