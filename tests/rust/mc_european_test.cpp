// keel.mc_european (a Rust plugin) through the host: the loader accepts it
// (one exported symbol, a Rust build), its prices agree with
// keel.black_scholes within three of its own standard errors, the numbers
// depend on the seed and on nothing else (not the thread count), and bad
// params and American exercise come back as statuses with messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/host/host.hpp"
#include "keel/mc_european.h"
#include "keel_process.hpp"

namespace keel {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kPluginDir = KEEL_TEST_PLUGIN_DIR;

keel_option_t option(double spot, double strike, double expiry, double vol, double rate,
                     double dividend, int32_t right) {
  return keel_option_t{spot, strike, expiry, vol, rate, dividend, right, KEEL_EXERCISE_EUROPEAN};
}

// One instance of keel.mc_european made through its factory directly, so
// the test can reach the instance pointer its extension functions take.
class DirectInstance {
 public:
  DirectInstance(Host& host, const std::string& params) {
    Result<const Factory*> factory = host.registry().find_factory("keel.mc_european");
    if (!factory) {
      ADD_FAILURE() << factory.status().message();
      return;
    }
    factory_ = *factory;
    context_ = host.make_context("test instance", factory_->plugin);
    keel_error_t err{};
    status_ = factory_->create(params.c_str(), &context_->table, &instance_, &err);
    message_ = err.message;
  }
  ~DirectInstance() {
    if (instance_ != nullptr) {
      keel_error_t err{};
      EXPECT_EQ(factory_->drop(instance_, &err), KEEL_OK) << err.message;
    }
  }
  DirectInstance(const DirectInstance&) = delete;
  DirectInstance& operator=(const DirectInstance&) = delete;

  keel_status_t status() const { return status_; }
  const std::string& message() const { return message_; }

  const void* extension(const char* id) const { return factory_->model.get_extension(instance_, id); }
  const keel_mc_european_stats_t* stats() const {
    return static_cast<const keel_mc_european_stats_t*>(extension(KEEL_MC_EUROPEAN_STATS_ID));
  }
  keel_mc_estimate_t estimate(const keel_option_t& o, keel_greeks_t* greeks = nullptr) const {
    keel_mc_estimate_t out{};
    keel_error_t err{};
    EXPECT_EQ(stats()->price_with_error(instance_, &o, greeks, &out, &err), KEEL_OK) << err.message;
    return out;
  }
  keel_greeks_t price(const keel_option_t& o) const {
    keel_greeks_t out{};
    keel_error_t err{};
    EXPECT_EQ(factory_->model.price(instance_, &o, &out, &err), KEEL_OK) << err.message;
    return out;
  }

 private:
  const Factory* factory_ = nullptr;
  std::unique_ptr<InstanceContext> context_;
  void* instance_ = nullptr;
  keel_status_t status_ = KEEL_ERR_INTERNAL;
  std::string message_;
};

class RustMcEuropean : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* file : {"keel_mc_european.so", "keel_black_scholes.so"}) {
      Result<PluginLibrary*> loaded = host_.registry().load_file(kPluginDir / file);
      ASSERT_TRUE(loaded) << loaded.status().message();
    }
  }

  std::shared_ptr<ModelInstance> model(const std::string& factory, const std::string& params) {
    Result<keel_model_handle_t> handle = host_.create_model(factory, params, "model '" + factory + "'");
    EXPECT_TRUE(handle) << handle.status().message();
    if (!handle) return nullptr;
    return *host_.model(*handle);
  }

  Host host_;
};

TEST_F(RustMcEuropean, LoaderAcceptsTheRustPluginAndItsBuildFacts) {
  Result<const Factory*> factory = host_.registry().find_factory("keel.mc_european");
  ASSERT_TRUE(factory) << factory.status().message();
  EXPECT_EQ((*factory)->kind, FactoryKind::pricing_model);
  const PluginFacts& facts = (*factory)->plugin->facts();
  EXPECT_EQ(facts.id, "keel.mc_european");
  EXPECT_EQ(facts.language, "Rust");
  EXPECT_EQ(facts.compiler.rfind("rustc ", 0), 0u) << facts.compiler;
  EXPECT_EQ(facts.sdk_version, KEEL_SDK_VERSION_STRING);
  const nlohmann::json schema = nlohmann::json::parse((*factory)->params_schema);
  for (const char* key : {"paths", "seed", "antithetic", "threads"}) {
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
  }

  // The CLI's inspect loads it too (it refuses a library exporting more
  // than keel_plugin_entry).
  const cli_test::KeelRun r =
      cli_test::run_keel({"plugin", "inspect", (kPluginDir / "keel_mc_european.so").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("id"), "keel.mc_european");
  EXPECT_EQ(j.at("build").at("language"), "Rust");
  EXPECT_EQ(j.at("factories")[0].at("kind"), "keel.pricing_model/1");
}

// A grid of calls and puts: |MC - Black-Scholes| < 3 standard errors, the
// standard error is what the extension reports for the very same price.
TEST_F(RustMcEuropean, AgreesWithBlackScholesWithinThreeStandardErrors) {
  auto bs = model("keel.black_scholes", "{}");
  ASSERT_NE(bs, nullptr);
  DirectInstance mc(host_, R"({"paths": 20000, "seed": 11})");
  ASSERT_EQ(mc.status(), KEEL_OK) << mc.message();
  ASSERT_NE(mc.stats(), nullptr);
  EXPECT_EQ(mc.stats()->struct_size, sizeof(keel_mc_european_stats_t));
  int compared = 0;
  for (int32_t right : {KEEL_RIGHT_CALL, KEEL_RIGHT_PUT}) {
    for (double strike : {85.0, 100.0, 115.0}) {
      for (double expiry : {0.25, 2.0}) {
        const keel_option_t o = option(100, strike, expiry, 0.3, 0.04, 0.015, right);
        keel_greeks_t greeks{};
        const keel_mc_estimate_t e = mc.estimate(o, &greeks);
        const double reference = bs->price(o)->price;
        EXPECT_GT(e.std_error, 0);
        EXPECT_LT(std::abs(e.price - reference), 3 * e.std_error)
            << "right " << right << " K " << strike << " T " << expiry << ": mc " << e.price
            << " +- " << e.std_error << " vs bs " << reference;
        EXPECT_EQ(e.paths, 20000u);
        EXPECT_EQ(e.samples, 10000u);  // antithetic pairs
        // The extension prices exactly as the table's price() does.
        EXPECT_EQ(e.price, greeks.price);
        EXPECT_EQ(mc.price(o).price, e.price);
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 12);
  EXPECT_EQ(mc.extension("keel.mc_european.stats/2"), nullptr);
}

TEST_F(RustMcEuropean, SameSeedSameNumbersWhateverTheThreadCount) {
  const keel_option_t o = option(100, 105, 1, 0.25, 0.03, 0, KEEL_RIGHT_CALL);
  DirectInstance one(host_, R"({"paths": 30001, "seed": 5, "threads": 1})");
  DirectInstance four(host_, R"({"paths": 30001, "seed": 5, "threads": 4})");
  DirectInstance again(host_, R"({"paths": 30001, "seed": 5})");
  DirectInstance other(host_, R"({"paths": 30001, "seed": 6, "threads": 4})");
  const keel_greeks_t a = one.price(o), b = four.price(o), c = again.price(o), d = other.price(o);
  for (auto [x, y] : {std::pair{a.price, b.price}, {a.delta, b.delta}, {a.gamma, b.gamma},
                      {a.vega, b.vega}, {a.theta, b.theta}, {a.rho, b.rho}, {a.price, c.price}}) {
    EXPECT_EQ(x, y);  // bit for bit
  }
  EXPECT_NE(a.price, d.price);
  // An odd path count is rounded up to an even one for antithetic pairs.
  EXPECT_EQ(one.estimate(o).paths, 30002u);
}

TEST_F(RustMcEuropean, BatchThroughTheHostMatchesSingleCallsAndMarksFailures) {
  auto mc = model("keel.mc_european", R"({"paths": 4000})");
  ASSERT_NE(mc, nullptr);
  std::vector<double> spot{90, 100, -1, 110}, strike{100, 100, 100, 100}, expiry{1, 0.5, 1, 2},
      vol{0.2, 0.3, 0.2, 0.25}, rate{0.01, 0.02, 0.01, 0}, dividend{0, 0, 0, 0.02};
  std::vector<int32_t> right{KEEL_RIGHT_CALL, KEEL_RIGHT_PUT, KEEL_RIGHT_CALL, KEEL_RIGHT_PUT};
  const size_t n = spot.size();
  std::vector<double> price(n), delta(n), vega(n);
  std::vector<keel_status_t> status(n, -1);
  const keel_option_batch_t batch{n,          spot.data(), strike.data(),   expiry.data(),
                                  vol.data(), rate.data(), dividend.data(), right.data(),
                                  nullptr};
  keel_greeks_batch_t out{};
  out.price = price.data();
  out.delta = delta.data();
  out.vega = vega.data();
  out.status = status.data();
  const Status s = mc->price_batch(batch, out);
  EXPECT_EQ(s.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(s.message(), HasSubstr("option 2: spot: expected a finite number > 0, got -1"));
  for (size_t i = 0; i < n; ++i) {
    if (i == 2) {
      EXPECT_EQ(status[i], KEEL_ERR_INVALID_ARGUMENT);
      EXPECT_TRUE(std::isnan(price[i]));
      continue;
    }
    EXPECT_EQ(status[i], KEEL_OK);
    const keel_greeks_t g = *mc->price(
        option(spot[i], strike[i], expiry[i], vol[i], rate[i], dividend[i], right[i]));
    EXPECT_EQ(price[i], g.price) << i;
    EXPECT_EQ(delta[i], g.delta) << i;
    EXPECT_EQ(vega[i], g.vega) << i;
  }
}

TEST_F(RustMcEuropean, AmericanExerciseIsUnsupportedWithAReason) {
  auto mc = model("keel.mc_european", R"({"paths": 100})");
  ASSERT_NE(mc, nullptr);
  keel_option_t o = option(100, 100, 1, 0.2, 0.01, 0, KEEL_RIGHT_PUT);
  o.exercise = KEEL_EXERCISE_AMERICAN;
  Result<keel_greeks_t> r = mc->price(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), KEEL_ERR_UNSUPPORTED);
  EXPECT_THAT(r.status().message(), HasSubstr("European exercise only"));
  // Implied volatility and calibration are not offered.
  EXPECT_EQ(mc->implied_vol(option(100, 100, 1, 0.2, 0, 0, KEEL_RIGHT_CALL), 8).status().code(),
            KEEL_ERR_UNSUPPORTED);
}

TEST_F(RustMcEuropean, BadParamsNameTheirJsonPointer) {
  struct Case {
    const char* params;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"paths": 0})", "/paths: expected an integer in [1, 1000000000], got 0"},
           Case{R"({"paths": 1.5})", "/paths: expected an integer in [1, 1000000000], got 1.5"},
           Case{R"({"antithetic": "yes"})", "/antithetic: expected true or false, got \"yes\""},
           Case{R"({"threads": 1000})", "/threads: expected an integer in [1, 256], got 1000"},
           Case{R"({"path": 10})",
                "/path: unknown param; did you mean 'paths'? (known: antithetic paths seed threads)"},
           Case{R"({"paths": })", "params are not valid JSON: line 1, column 11"},
       }) {
    DirectInstance mc(host_, c.params);
    EXPECT_EQ(mc.status(), KEEL_ERR_INVALID_ARGUMENT) << c.params;
    EXPECT_THAT(mc.message(), HasSubstr(c.message)) << c.params;
  }
  // Through the host, the message also names the model.
  Result<keel_model_handle_t> bad = host_.create_model("keel.mc_european", R"({"seed": -1})", "model 'mc'");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.status().message(), HasSubstr("/seed: expected an integer in [0, 9223372036854775807], got -1"));
}

}  // namespace
}  // namespace keel
