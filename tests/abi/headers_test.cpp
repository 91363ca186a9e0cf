// The C ABI headers: the layout facts the contract depends on, C and C++
// agreeing on every struct, and the header helpers rules 2 and 6 rely on.
// (That each header compiles on its own as C11 and C++20 is checked at
// build time by keel_abi_header_checks.)
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <iterator>
#include <set>
#include <string>

#include "keel/keel.h"
#include "layout_facts.h"

namespace {

// The descriptor's first fields never move: a host of any version finds
// the magic, the ABI version and the size at these offsets.
static_assert(offsetof(keel_plugin_descriptor_t, magic) == 0);
static_assert(offsetof(keel_plugin_descriptor_t, abi_major) == 8);
static_assert(offsetof(keel_plugin_descriptor_t, abi_minor) == 12);
static_assert(offsetof(keel_plugin_descriptor_t, struct_size) == 16);
// Every other table starts with its struct_size.
static_assert(offsetof(keel_factory_t, struct_size) == 0);
static_assert(offsetof(keel_pricing_model_vtable_t, struct_size) == 0);
static_assert(offsetof(keel_strategy_vtable_t, struct_size) == 0);
static_assert(offsetof(keel_host_t, struct_size) == 0);
static_assert(offsetof(keel_instrument_info_t, struct_size) == 0);
static_assert(offsetof(keel_order_request_t, struct_size) == 0);
static_assert(offsetof(keel_calibration_report_t, struct_size) == 0);

static_assert(sizeof(keel_status_t) == 4);
static_assert(sizeof(keel_error_t) == 4 + KEEL_ERROR_MESSAGE_CAPACITY);
static_assert(offsetof(keel_error_t, message) == 4);

static_assert(sizeof(keel_model_handle_t) == 8);
static_assert(sizeof(keel_strategy_handle_t) == 8);
static_assert(sizeof(keel_order_handle_t) == 8);
static_assert(sizeof(keel_timer_handle_t) == 8);

// The required prefixes end where the optional members begin.
static_assert(KEEL_PLUGIN_DESCRIPTOR_MIN_SIZE == offsetof(keel_plugin_descriptor_t, get_extension));
static_assert(KEEL_FACTORY_MIN_SIZE == offsetof(keel_factory_t, context));
static_assert(KEEL_PRICING_MODEL_VTABLE_MIN_SIZE ==
              offsetof(keel_pricing_model_vtable_t, get_extension));
static_assert(KEEL_STRATEGY_VTABLE_MIN_SIZE == offsetof(keel_strategy_vtable_t, on_events));

#define KEEL_TEST_CXX_FACT(expression) {#expression, expression},
const keel_test_layout_fact kCxxLayoutFacts[] = {KEEL_TEST_LAYOUT_FACTS(KEEL_TEST_CXX_FACT)};

TEST(Headers, CAndCxxAgreeOnEveryLayoutFact) {
  ASSERT_EQ(keel_test_c_layout_fact_count, std::size(kCxxLayoutFacts));
  for (size_t i = 0; i < std::size(kCxxLayoutFacts); ++i) {
    EXPECT_STREQ(keel_test_c_layout_facts[i].expression, kCxxLayoutFacts[i].expression);
    EXPECT_EQ(keel_test_c_layout_facts[i].value, kCxxLayoutFacts[i].value)
        << kCxxLayoutFacts[i].expression;
  }
}

TEST(Headers, MagicSpellsKeelplugInMemory) {
  const uint64_t magic = KEEL_PLUGIN_MAGIC;
  char bytes[sizeof magic];
  std::memcpy(bytes, &magic, sizeof magic);
  EXPECT_EQ(std::string(bytes, sizeof bytes), "KEELPLUG");
}

TEST(Headers, HandleKindIsTheTopByte) {
  EXPECT_EQ(keel_handle_kind(UINT64_C(0x0300000100000002)), KEEL_HANDLE_KIND_ORDER);
  EXPECT_EQ(keel_handle_kind(KEEL_NULL_HANDLE), KEEL_HANDLE_KIND_NONE);
}

TEST(Headers, HasMemberReadsOnlyWithinStructSize) {
  keel_host_t host{};
  host.struct_size = offsetof(keel_host_t, model_create);
  EXPECT_TRUE(KEEL_HAS_MEMBER(&host, keel_host_t, model_lookup));
  EXPECT_FALSE(KEEL_HAS_MEMBER(&host, keel_host_t, model_create));
  const keel_host_t* none = nullptr;
  EXPECT_FALSE(KEEL_HAS_MEMBER(none, keel_host_t, log));
}

TEST(Headers, ErrorSetWritesCodeAndTruncatedMessage) {
  keel_error_t err{};
  const std::string long_text(2 * KEEL_ERROR_MESSAGE_CAPACITY, 'x');
  EXPECT_EQ(keel_error_set(&err, KEEL_ERR_NO_SOLUTION, "%s", long_text.c_str()),
            KEEL_ERR_NO_SOLUTION);
  EXPECT_EQ(err.code, KEEL_ERR_NO_SOLUTION);
  EXPECT_EQ(std::strlen(err.message), KEEL_ERROR_MESSAGE_CAPACITY - 1);
  EXPECT_EQ(keel_error_set(nullptr, KEEL_ERR_REJECTED, "no struct"), KEEL_ERR_REJECTED);
}

TEST(Headers, EveryStatusHasItsOwnName) {
  std::set<std::string> names;
  for (keel_status_t s = KEEL_OK; s <= KEEL_STATUS_LAST; ++s) {
    EXPECT_STRNE(keel_status_name(s), "unknown status") << s;
    names.insert(keel_status_name(s));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(KEEL_STATUS_LAST) + 1);
  EXPECT_STREQ(keel_status_name(KEEL_STATUS_LAST + 1), "unknown status");
}

}  // namespace
