// The embedding API (keel/embed.h) as a program sees it: linked against
// libkeel.so only, through its exported C functions — no engine headers.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "counters.h"
#include "keel/embed.h"
#include "keel/plugin.h"

namespace {

using ::testing::HasSubstr;

std::string broken(const std::string& name) {
  return std::string(KEEL_TEST_BROKEN_DIR) + "/" + name + ".so";
}

// The counters of a test plugin the host loaded: the same file dlopen'ed
// again is the same library, so its statics are the ones the host's calls
// move.
const keel_test_counters_t* counters_of(const std::string& file) {
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (lib == nullptr) return nullptr;
  auto entry = reinterpret_cast<keel_entry_fn>(dlsym(lib, KEEL_ENTRY_SYMBOL));
  dlclose(lib);  // the host still holds it
  if (entry == nullptr) return nullptr;
  const keel_plugin_descriptor_t* descriptor =
      entry(KEEL_ABI_VERSION_MAJOR, KEEL_ABI_VERSION_MINOR, nullptr);
  return static_cast<const keel_test_counters_t*>(descriptor->get_extension(KEEL_TEST_COUNTERS_ID));
}

class Embed : public ::testing::Test {
 protected:
  void SetUp() override {
    keel_embed_options_t options{};
    options.struct_size = sizeof options;
    options.flags = KEEL_EMBED_NO_DEFAULT_PATH;
    options.plugin_path = KEEL_TEST_PLUGIN_DIR;
    ASSERT_EQ(keel_embed_open(&options, &keel_, &err_), KEEL_OK) << err_.message;
  }
  void TearDown() override { keel_embed_close(keel_, nullptr); }

  keel_model_handle_t create(const std::string& model, const char* params = "{}") {
    keel_model_handle_t handle{};
    EXPECT_EQ(keel_embed_model_create(keel_, model.c_str(), params, &handle, &err_), KEEL_OK)
        << err_.message;
    return handle;
  }

  keel_embed_t* keel_ = nullptr;
  keel_error_t err_{};
};

// Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., p. 3.
const keel_option_t kHaugCall{
    60, 65, 0.25, 0.30, 0.08, 0.0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};

TEST(EmbedVersion, IsMajorOneOfTheHeader) {
  EXPECT_EQ(keel_embed_version() >> 16, uint32_t{KEEL_EMBED_VERSION_MAJOR});
  EXPECT_GE(keel_embed_version() & 0xffff, uint32_t{KEEL_EMBED_VERSION_MINOR});
}

TEST(EmbedOpen, FindsTheShippedPluginsBesideLibkeel) {
  // No plugin_path: the default path holds the plugins installed with
  // libkeel (build/lib/keel/plugins beside build/lib/libkeel.so).
  keel_embed_t* keel = nullptr;
  keel_error_t err{};
  ASSERT_EQ(keel_embed_open(nullptr, &keel, &err), KEEL_OK) << err.message;
  keel_model_handle_t model{};
  EXPECT_EQ(keel_embed_model_create(keel, "keel.black_scholes", nullptr, &model, &err), KEEL_OK)
      << err.message;
  EXPECT_EQ(keel_embed_model_drop(keel, model, &err), KEEL_OK) << err.message;
  EXPECT_EQ(keel_embed_close(keel, &err), KEEL_OK) << err.message;
}

TEST(EmbedOpen, RefusesAShortOptionsStructAndUnknownFlags) {
  keel_embed_t* keel = reinterpret_cast<keel_embed_t*>(0x1);
  keel_error_t err{};
  keel_embed_options_t options{};
  options.struct_size = 4;
  EXPECT_EQ(keel_embed_open(&options, &keel, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(keel, nullptr);
  EXPECT_THAT(err.message, HasSubstr("set it to sizeof(keel_embed_options_t)"));
  options.struct_size = sizeof options;
  options.flags = 0x80;
  EXPECT_EQ(keel_embed_open(&options, &keel, &err), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.message, HasSubstr("unknown flags 0x80"));
  EXPECT_EQ(keel_embed_open(nullptr, nullptr, &err), KEEL_ERR_INVALID_ARGUMENT);
}

TEST_F(Embed, PricesHaugsCall) {
  const keel_model_handle_t bs = create("keel.black_scholes");
  keel_greeks_t g{};
  ASSERT_EQ(keel_embed_model_price(keel_, bs, &kHaugCall, &g, &err_), KEEL_OK) << err_.message;
  EXPECT_NEAR(g.price, 2.1334, 5e-5);
  const char* factory = nullptr;
  ASSERT_EQ(keel_embed_model_factory(keel_, bs, &factory, &err_), KEEL_OK);
  EXPECT_STREQ(factory, "keel.black_scholes");
  EXPECT_EQ(keel_embed_model_drop(keel_, bs, &err_), KEEL_OK);
}

TEST_F(Embed, ABatchGivesTheSingleCallsBitForBitAndNamesAFailingItem) {
  const keel_model_handle_t bs = create("keel.black_scholes");
  std::vector<double> spot{60, 100, 100}, strike{65, 100, 90}, expiry{0.25, 1.0, -1.0},
      vol{0.3, 0.2, 0.2}, rate{0.08, 0.05, 0.05}, dividend{0, 0.01, 0};
  std::vector<int32_t> right{KEEL_RIGHT_CALL, KEEL_RIGHT_PUT, KEEL_RIGHT_CALL};
  const keel_option_batch_t batch{3,          spot.data(), strike.data(),   expiry.data(),
                                  vol.data(), rate.data(), dividend.data(), right.data(),
                                  nullptr};
  std::vector<double> price(3), delta(3), gamma(3), vega(3), theta(3), rho(3);
  std::vector<keel_status_t> status(3);
  const keel_greeks_batch_t out{price.data(), delta.data(), gamma.data(), vega.data(),
                                theta.data(), rho.data(),   status.data()};
  EXPECT_EQ(keel_embed_model_price_batch(keel_, bs, &batch, &out, &err_),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err_.message, HasSubstr("model 'keel.black_scholes'"));
  EXPECT_THAT(err_.message, HasSubstr("2"));  // the failing index
  EXPECT_EQ(status[2], KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(std::isnan(price[2]));
  for (size_t i = 0; i < 2; ++i) {
    const keel_option_t one{spot[i], strike[i],   expiry[i], vol[i],
                            rate[i], dividend[i], right[i],  KEEL_EXERCISE_EUROPEAN};
    keel_greeks_t g{};
    ASSERT_EQ(keel_embed_model_price(keel_, bs, &one, &g, &err_), KEEL_OK);
    EXPECT_EQ(std::memcmp(&g.price, &price[i], sizeof(double)), 0) << i;
    EXPECT_EQ(std::memcmp(&g.rho, &rho[i], sizeof(double)), 0) << i;
    EXPECT_EQ(status[i], KEEL_OK);
  }
  keel_embed_model_drop(keel_, bs, nullptr);
}

TEST_F(Embed, ImpliedVolRecoversTheVolAndSaysWhenThereIsNone) {
  const keel_model_handle_t bs = create("keel.black_scholes");
  keel_greeks_t g{};
  ASSERT_EQ(keel_embed_model_price(keel_, bs, &kHaugCall, &g, &err_), KEEL_OK);
  double vol = 0;
  ASSERT_EQ(keel_embed_model_implied_vol(keel_, bs, &kHaugCall, g.price, &vol, &err_), KEEL_OK)
      << err_.message;
  EXPECT_NEAR(vol, 0.30, 1e-9);
  EXPECT_EQ(keel_embed_model_implied_vol(keel_, bs, &kHaugCall, 1000.0, &vol, &err_),
            KEEL_ERR_NO_SOLUTION);
  keel_embed_model_drop(keel_, bs, nullptr);
}

TEST_F(Embed, AnUnknownModelSaysWhereItLooked) {
  keel_model_handle_t handle{};
  EXPECT_EQ(keel_embed_model_create(keel_, "acme.nothing", "{}", &handle, &err_),
            KEEL_ERR_NOT_FOUND);
  EXPECT_THAT(err_.message, HasSubstr("acme.nothing"));
  EXPECT_THAT(err_.message, HasSubstr(KEEL_TEST_PLUGIN_DIR));
}

TEST_F(Embed, AStrategyIsNotAModel) {
  keel_model_handle_t handle{};
  EXPECT_EQ(keel_embed_model_create(keel_, "keel.sma_cross", "{}", &handle, &err_),
            KEEL_ERR_WRONG_KIND);
  EXPECT_THAT(err_.message, HasSubstr("is a strategy, not a pricing model"));
}

TEST_F(Embed, ParamsTheModelRefusesAreItsMessage) {
  keel_model_handle_t handle{};
  EXPECT_EQ(
      keel_embed_model_create(keel_, "keel.black_scholes", R"({"no_such": 1})", &handle, &err_),
      KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err_.message, HasSubstr("no_such"));
  EXPECT_EQ(keel_embed_model_create(keel_, "keel.black_scholes",
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                                    &handle, &err_),
            KEEL_ERR_INVALID_ARGUMENT);
}

TEST_F(Embed, ADroppedHandleIsStaleNeverUndefined) {
  const keel_model_handle_t bs = create("keel.black_scholes");
  ASSERT_EQ(keel_embed_model_drop(keel_, bs, &err_), KEEL_OK);
  keel_greeks_t g{};
  EXPECT_EQ(keel_embed_model_price(keel_, bs, &kHaugCall, &g, &err_), KEEL_ERR_STALE_HANDLE);
  EXPECT_EQ(keel_embed_model_drop(keel_, bs, &err_), KEEL_ERR_STALE_HANDLE);
  EXPECT_EQ(keel_embed_model_price(keel_, keel_model_handle_t{0x0300000100000000ull}, &kHaugCall,
                                   &g, &err_),
            KEEL_ERR_WRONG_KIND);
}

TEST_F(Embed, ALoadedPluginFileIsFoundByIdAndByFile) {
  ASSERT_EQ(keel_embed_load(keel_, broken("keel_test_capsules").c_str(), &err_), KEEL_OK)
      << err_.message;
  keel_embed_model_drop(keel_, create("keel_test.capsule_model", R"({"mode": "ok"})"), nullptr);
  keel_embed_model_drop(
      keel_, create(broken("keel_test_capsules") + ":keel_test.capsule_model", R"({"mode": "ok"})"),
      nullptr);
  EXPECT_EQ(keel_embed_load(keel_, "/no/such/plugin.so", &err_), KEEL_ERR_NOT_FOUND);
  EXPECT_THAT(err_.message, HasSubstr("/no/such/plugin.so"));
}

TEST_F(Embed, ACalibrationReportIsReleasedExactlyOnceEvenAfterClose) {
  const std::string file = broken("keel_test_capsules");
  const keel_model_handle_t model = create(file + ":keel_test.capsule_model", R"({"mode": "ok"})");
  // Plugins stay loaded for the process's life (rule 9): the counters too.
  const keel_test_counters_t* counters = counters_of(file);
  ASSERT_NE(counters, nullptr);
  const uint64_t destroyed = counters->capsules_destroyed;
  keel_capsule_t report = keel_capsule_empty();
  ASSERT_EQ(keel_embed_model_calibrate(keel_, model, nullptr, 0, &report, &err_), KEEL_OK)
      << err_.message;
  ASSERT_EQ(keel_capsule_check(&report, KEEL_CAPSULE_TAG_CALIBRATION, &err_), KEEL_OK);
  EXPECT_STREQ(static_cast<const keel_calibration_report_t*>(report.data)->message,
               "a hand-built report");
  ASSERT_EQ(keel_embed_model_drop(keel_, model, &err_), KEEL_OK);
  // The host goes; the report stays valid until released.
  ASSERT_EQ(keel_embed_close(keel_, &err_), KEEL_OK) << err_.message;
  keel_ = nullptr;
  EXPECT_EQ(counters->capsules_destroyed, destroyed);
  keel_capsule_release(&report);
  EXPECT_EQ(counters->capsules_destroyed, destroyed + 1);
  keel_capsule_release(&report);  // empty now: a no-op
  EXPECT_EQ(counters->capsules_destroyed, destroyed + 1);
}

TEST_F(Embed, ABadCapsuleIsRefusedAndReleasedByTheHost) {
  const std::string file = broken("keel_test_capsules");
  const keel_model_handle_t model =
      create(file + ":keel_test.capsule_model", R"({"mode": "wrong_tag"})");
  const keel_test_counters_t* counters = counters_of(file);
  ASSERT_NE(counters, nullptr);
  const uint64_t destroyed = counters->capsules_destroyed;
  keel_capsule_t report = keel_capsule_empty();
  EXPECT_EQ(keel_embed_model_calibrate(keel_, model, nullptr, 0, &report, &err_),
            KEEL_ERR_BAD_CAPSULE);
  EXPECT_EQ(report.destroy, nullptr);
  EXPECT_EQ(counters->capsules_destroyed, destroyed + 1);
  keel_embed_model_drop(keel_, model, nullptr);
}

TEST_F(Embed, APluginThatThrowsIsPoisonedNotFatal) {
  const std::string file = broken("keel_test_thrower");
  const keel_model_handle_t model = create(file + ":keel_test.thrower_model");
  keel_greeks_t g{};
  EXPECT_EQ(keel_embed_model_price(keel_, model, &kHaugCall, &g, &err_), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_EQ(keel_embed_model_price(keel_, model, &kHaugCall, &g, &err_), KEEL_ERR_POISONED);
  EXPECT_EQ(keel_embed_model_drop(keel_, model, &err_), KEEL_OK) << err_.message;
}

TEST_F(Embed, CloseDropsWhatTheProgramForgotAndSaysSo) {
  const std::string file = broken("keel_test_thrower");  // counts its drops
  create(file + ":keel_test.thrower_model");
  const keel_test_counters_t* counters = counters_of(file);
  ASSERT_NE(counters, nullptr);
  const uint64_t dropped = counters->drop;
  EXPECT_EQ(keel_embed_close(keel_, &err_), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(counters->drop, dropped + 1);
  keel_ = nullptr;
  EXPECT_THAT(err_.message, HasSubstr("1 model(s) were still open"));
  EXPECT_THAT(err_.message, HasSubstr("model 'keel_test.thrower_model'"));
}

TEST_F(Embed, ThreadsPriceOneModelAtOnce) {
  const keel_model_handle_t bs = create("keel.black_scholes");
  keel_greeks_t expected{};
  ASSERT_EQ(keel_embed_model_price(keel_, bs, &kHaugCall, &expected, &err_), KEEL_OK);
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      keel_error_t err{};
      for (int i = 0; i < 2000; ++i) {
        keel_greeks_t g{};
        if (keel_embed_model_price(keel_, bs, &kHaugCall, &g, &err) == KEEL_OK &&
            g.price == expected.price) {
          ++same[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(same, std::vector<int>(4, 2000));
  keel_embed_model_drop(keel_, bs, nullptr);
}

TEST(EmbedNull, EveryCallRefusesANullHost) {
  keel_error_t err{};
  keel_model_handle_t model{};
  EXPECT_EQ(keel_embed_model_create(nullptr, "keel.black_scholes", "{}", &model, &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.message, HasSubstr("keel_embed_open"));
  keel_greeks_t g{};
  EXPECT_EQ(keel_embed_model_price(nullptr, model, &kHaugCall, &g, &err),
            KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(keel_embed_close(nullptr, &err), KEEL_OK);
}

}  // namespace
