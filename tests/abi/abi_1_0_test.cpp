// A plugin built for ABI 1.0 in a 1.1 host: keel_test_legacy_1_0 is compiled
// against a frozen copy of the 1.0 headers (tests/abi/abi_1_0/include), with
// the 1.0 factory struct (no context, no create_with_context) and the 1.0
// kind spelling "keel.pricing-model/1". The host must load it, show it in
// `keel plugin inspect`, run it and pass it in `keel plugin check`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "engine/host/host.hpp"
#include "engine/plugin/plugin_library.hpp"
#include "keel_process.hpp"

namespace keel {
namespace {

using cli_test::KeelRun;
using cli_test::run_keel;
using cli_test::TempDir;
using ::testing::HasSubstr;

const std::string kLegacy = KEEL_TEST_LEGACY_PLUGIN;

// The 1.0 layouts this plugin was built with: a 1.1 factory has grown.
constexpr size_t kFactorySize1_0 = KEEL_FACTORY_MIN_SIZE;
static_assert(sizeof(keel_factory_t) > kFactorySize1_0);

TEST(Abi10Plugin, LoadsWithBothFactories) {
  Host host;
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(kLegacy, host.load_host());
  ASSERT_TRUE(loaded) << loaded.status().message();
  const PluginFacts& facts = (*loaded)->facts();
  EXPECT_EQ(facts.abi_major, 1u);
  EXPECT_EQ(facts.abi_minor, 0u);
  EXPECT_TRUE(facts.ignored_factories.empty()) << "the 1.0 kind spelling is a known kind";
  const auto& factories = (*loaded)->factories();
  ASSERT_EQ(factories.size(), 2u);
  EXPECT_EQ(factories[0].id, "keel_test.legacy_intrinsic");
  EXPECT_EQ(factories[0].kind, FactoryKind::pricing_model);
  EXPECT_EQ(factories[1].id, "keel_test.legacy_buyer");
  EXPECT_EQ(factories[1].kind, FactoryKind::strategy);

  // Its 1.0 create is called (no context member exists in its factory).
  const std::unique_ptr<InstanceContext> context = host.make_context("model 'm'", loaded->get());
  void* instance = nullptr;
  keel_error_t err{};
  ASSERT_EQ(factories[0].create("{}", &context->table, &instance, &err), KEEL_OK) << err.message;
  keel_greeks_t greeks{};
  const keel_option_t option{105, 100, 1, 0.2, 0, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
  EXPECT_EQ(factories[0].model.price(instance, &option, &greeks, &err), KEEL_OK) << err.message;
  EXPECT_EQ(greeks.price, 5.0);
  EXPECT_EQ(factories[0].drop(instance, &err), KEEL_OK);
}

TEST(Abi10Plugin, InspectShowsItsAbiAndKinds) {
  const KeelRun r = run_keel({"plugin", "inspect", kLegacy, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r;
  EXPECT_EQ(j.at("id"), "keel_test.legacy");
  EXPECT_EQ(j.at("abi").at("major"), 1);
  EXPECT_EQ(j.at("abi").at("minor"), 0);
  ASSERT_EQ(j.at("factories").size(), 2u) << r;
  EXPECT_EQ(j.at("factories")[0].at("kind"), KEEL_KIND_PRICING_MODEL);
  EXPECT_EQ(j.at("factories")[1].at("kind"), KEEL_KIND_STRATEGY);
}

TEST(Abi10Plugin, RunsWithItsModelAndStrategy) {
  TempDir dir;
  dir.write("quotes.csv",
            "ts,instrument,bid,bid_size,ask,ask_size\n"
            "1704205800000000000,XYZ,9.9,100,10.1,100\n"
            "1704205801000000000,XYZ,9.8,100,10.0,100\n"
            "1704205802000000000,XYZ,9.9,100,10.1,100\n");
  const std::string plugin_dir = std::filesystem::path(kLegacy).parent_path().string();
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "legacy"},
    "plugin_paths": [")" + plugin_dir + R"("],
    "instruments": [{"id": "XYZ", "kind": "equity"}],
    "data": [{"path": "quotes.csv", "format": "quotes"}],
    "pricing_models": {"legacy": {"factory": "keel_test.legacy_intrinsic", "params": {}}},
    "strategies": [{"name": "buyer", "factory": "keel_test.legacy_buyer", "instruments": ["XYZ"]}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"--log-level", "info", "run", run_file});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err + r.out, HasSubstr("legacy model priced 10")) << r;
  const auto summary =
      nlohmann::json::parse(cli_test::read_file(dir.file("out/summary.json")), nullptr, false);
  ASSERT_TRUE(summary.is_object()) << r;
  EXPECT_EQ(summary.value("status", ""), "completed");
  EXPECT_EQ(summary.value("num_fills", 0), 1) << summary.dump();
}

// ABI 1.2 added on_book past the end of its strategy table: in a run with
// depth data it is given no book events (its table is read no further than
// its struct_size) and runs as without them.
TEST(Abi10Plugin, RunsWithDepthDataAndGetsNoBookEvents) {
  TempDir dir;
  dir.write("quotes.csv",
            "ts,instrument,bid,bid_size,ask,ask_size\n"
            "1704205800000000000,XYZ,9.9,100,10.1,100\n"
            "1704205801000000000,XYZ,9.8,100,10.0,100\n"
            "1704205802000000000,XYZ,9.9,100,10.1,100\n");
  dir.write("depth.csv",
            "ts,instrument,side,price,size\n"
            "1704205800500000000,XYZ,bid,9.9,100\n"
            "1704205800500000000,XYZ,ask,10.1,100\n"
            "1704205801500000000,XYZ,bid,9.9,0\n");
  const std::string plugin_dir = std::filesystem::path(kLegacy).parent_path().string();
  const std::string run_file = dir.write("run.json", R"({
    "run": {"name": "legacy"},
    "plugin_paths": [")" + plugin_dir + R"("],
    "instruments": [{"id": "XYZ", "kind": "equity"}],
    "data": [{"path": "quotes.csv", "format": "quotes"}, {"path": "depth.csv", "format": "depth"}],
    "pricing_models": {"legacy": {"factory": "keel_test.legacy_intrinsic", "params": {}}},
    "strategies": [{"name": "buyer", "factory": "keel_test.legacy_buyer", "instruments": ["XYZ"]}],
    "output": {"dir": "out"}
  })");
  const KeelRun r = run_keel({"run", run_file});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto summary =
      nlohmann::json::parse(cli_test::read_file(dir.file("out/summary.json")), nullptr, false);
  ASSERT_TRUE(summary.is_object()) << r;
  EXPECT_EQ(summary.value("status", ""), "completed");
  EXPECT_EQ(summary.value("events", 0), 6) << summary.dump();
}

TEST(Abi10Plugin, PassesPluginCheck) {
  const KeelRun r = run_keel({"plugin", "check", kLegacy});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("PASS  descriptor: magic and ABI 1.0")) << r;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("FAIL"))) << r;
}

}  // namespace
}  // namespace keel
