// Exit code 4: a plugin that faults (throws, panics) is poisoned and keel
// stops with a clear message, never a crash. Uses keel_test_thrower from
// tests/abi/broken (factory keel_test.thrower_model: every member throws,
// and create too with {"throw_in_create": true}); the tests skip when that
// plugin has not been built. --plugin-path points at its folder, which
// holds the other broken test plugins too: discovery must survive them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kThrower = KEEL_TEST_THROWER_PLUGIN;
const char* const kThrowerModel = "keel_test.thrower_model";

#define SKIP_WITHOUT_THROWER()                                                           \
  do {                                                                                   \
    if (!fs::exists(kThrower)) {                                                         \
      GTEST_SKIP() << kThrower << " is not built (target keel_test_thrower, tests/abi)"; \
    }                                                                                    \
  } while (0)

std::string thrower_dir() { return fs::path(kThrower).parent_path().string(); }

TEST(CliPluginFault, PriceThroughAThrowingModelExitsFour) {
  SKIP_WITHOUT_THROWER();
  const KeelRun r =
      run_keel({"--plugin-path", thrower_dir(), "price", "--model", kThrowerModel, "--spot", "60",
                "--strike", "65", "--expiry", "0.25", "--vol", "0.3", "--json"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_THAT(r.err, HasSubstr("keel price: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("faulted in plugin")) << r;
  EXPECT_THAT(r.err, HasSubstr("poisoned")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliPluginFault, ModelWhoseCreateThrowsExitsFour) {
  SKIP_WITHOUT_THROWER();
  const KeelRun r = run_keel({"--plugin-path", thrower_dir(), "price", "--model", kThrowerModel,
                              "--params", R"({"throw_in_create": true})", "--spot", "60",
                              "--strike", "65", "--expiry", "0.25", "--vol", "0.3"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(r.err, HasSubstr("create faulted in plugin")) << r;
  EXPECT_THAT(r.err, HasSubstr("poisoned")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliPluginFault, ImpliedVolThroughAThrowingModelExitsFour) {
  SKIP_WITHOUT_THROWER();
  const KeelRun r =
      run_keel({"--plugin-path", thrower_dir(), "price", "--model", kThrowerModel, "--spot", "60",
                "--strike", "65", "--expiry", "0.25", "--premium", "2.1334"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(r.err, HasSubstr("faulted in plugin")) << r;
}

TEST(CliPluginFault, CsvThroughAThrowingModelExitsFourAndLeavesNoOutput) {
  SKIP_WITHOUT_THROWER();
  TempDir dir;
  const std::string in =
      dir.write("options.csv", "spot,strike,expiry,vol,rate,right\n42,40,0.5,0.2,0.1,call\n");
  const std::string out = dir.file("out.csv");
  const KeelRun r = run_keel({"--plugin-path", thrower_dir(), "price", "--model", kThrowerModel,
                              "--csv", in, "--out", out});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(r.err, HasSubstr("faulted in plugin")) << r;
  EXPECT_FALSE(fs::exists(out)) << r;
  EXPECT_FALSE(fs::exists(out + ".partial")) << r;
}

TEST(CliPluginFault, ThrowingPluginCanStillBeInspected) {
  SKIP_WITHOUT_THROWER();
  const KeelRun r = run_keel({"plugin", "inspect", kThrower});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(kThrowerModel)) << r;
}

}  // namespace
}  // namespace keel::cli_test
