// `keel plugin inspect PATH|ID [--json]`: exit 0 with the descriptor, or
// exit 3 when the plugin cannot be found or loaded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "keel/version.h"
#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kBsPlugin = KEEL_TEST_BS_PLUGIN;

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

// The checks every --json description of keel_black_scholes must pass.
void expect_black_scholes_json(const KeelRun& r) {
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << "not JSON" << r;
  EXPECT_EQ(j.at("id"), "keel.black_scholes");
  EXPECT_EQ(j.at("name"), "Black-Scholes-Merton");
  EXPECT_EQ(j.at("vendor"), "keel");
  EXPECT_EQ(j.at("abi").at("major"), 1);
  EXPECT_EQ(j.at("abi").at("major"), KEEL_ABI_VERSION_MAJOR);
  EXPECT_EQ(j.at("abi").at("minor"), KEEL_ABI_VERSION_MINOR);
  EXPECT_EQ(j.at("build").at("language"), "C++20");
  EXPECT_EQ(j.at("build").at("sdk_version"), KEEL_SDK_VERSION_STRING);
  EXPECT_EQ(j.at("build").at("pointer_size"), sizeof(void*));
  ASSERT_EQ(j.at("factories").size(), 1u) << r;
  EXPECT_EQ(j.at("factories")[0].at("id"), "keel.black_scholes");
  EXPECT_EQ(j.at("factories")[0].at("kind"), "keel.pricing_model/1");
  EXPECT_TRUE(j.at("factories")[0].at("params_schema").is_object()) << r;
  EXPECT_TRUE(same_file(j.at("path").get<std::string>(), kBsPlugin)) << r;
}

TEST(CliInspect, ByIdPrintsTheDescriptor) {
  const KeelRun r = run_keel({"plugin", "inspect", "keel.black_scholes"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Black-Scholes-Merton (keel.black_scholes) 1.0.0")) << r;
  EXPECT_THAT(r.out, HasSubstr("file:        " + kBsPlugin)) << r;
  EXPECT_THAT(r.out, HasSubstr("ABI:         1.2")) << r;
  EXPECT_THAT(r.out, HasSubstr(std::string("keel SDK ") + KEEL_SDK_VERSION_STRING + ", C++20"))
      << r;
  EXPECT_THAT(r.out, HasSubstr("keel.black_scholes  [keel.pricing_model/1]")) << r;
  EXPECT_THAT(r.out, HasSubstr("params: none")) << r;
}

TEST(CliInspect, ByIdAsJson) {
  expect_black_scholes_json(run_keel({"plugin", "inspect", "keel.black_scholes", "--json"}));
}

TEST(CliInspect, ByPathAsJson) {
  expect_black_scholes_json(run_keel({"plugin", "inspect", kBsPlugin, "--json"}));
}

TEST(CliInspect, ByPathAsText) {
  const KeelRun r = run_keel({"plugin", "inspect", kBsPlugin});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("(keel.black_scholes)")) << r;
}

TEST(CliInspect, ExtraPluginPathStillFindsShippedPlugins) {
  TempDir dir;
  const KeelRun r = run_keel(
      {"--plugin-path", dir.path().string(), "plugin", "inspect", "keel.black_scholes", "--json"});
  expect_black_scholes_json(r);
}

TEST(CliInspect, MissingPathExitsThreeAndNamesTheFile) {
  TempDir dir;
  const std::string missing = dir.file("no_such_plugin.so");
  const KeelRun r = run_keel({"plugin", "inspect", missing});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr(missing)) << r;
  EXPECT_THAT(r.err, HasSubstr("no such file")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliInspect, TextFileExitsThreeAndNamesTheFile) {
  TempDir dir;
  const std::string file = dir.write("not_a_plugin.so", "this is not an ELF file\n");
  const KeelRun r = run_keel({"plugin", "inspect", file, "--json"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr(file)) << r;
  EXPECT_THAT(r.err, HasSubstr("not a shared object")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliInspect, ElfWithoutEntryExitsThreeAndSaysWhy) {
  // The keel executable is an ELF file but not a plugin.
  const std::string file = KEEL_TEST_BINARY;
  const KeelRun r = run_keel({"plugin", "inspect", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr(file)) << r;
  EXPECT_THAT(r.err, HasSubstr("does not export the entry symbol 'keel_plugin_entry'")) << r;
}

TEST(CliInspect, UnknownIdExitsThreeAndSaysWhereItLooked) {
  TempDir dir;
  const KeelRun r =
      run_keel({"--plugin-path", dir.path().string(), "plugin", "inspect", "acme.nope"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.err, HasSubstr("no plugin or factory with id 'acme.nope'")) << r;
  EXPECT_THAT(r.err, HasSubstr(dir.path().string())) << r;
  EXPECT_THAT(r.err, HasSubstr("keel.black_scholes")) << r;  // "known factories: ..."
}

TEST(CliInspect, MissingArgumentIsAUsageError) {
  const KeelRun r = run_keel({"plugin", "inspect"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("plugin is required")) << r;
}

}  // namespace
}  // namespace keel::cli_test
