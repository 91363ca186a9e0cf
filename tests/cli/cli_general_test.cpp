// `keel` itself: help, version, and what happens without a valid command.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "keel/version.h"
#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::HasSubstr;

TEST(CliGeneral, HelpListsCommandsAndGlobalOptions) {
  const KeelRun r = run_keel({"--help"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Usage: keel")) << r;
  EXPECT_THAT(r.out, HasSubstr("plugin")) << r;
  EXPECT_THAT(r.out, HasSubstr("price")) << r;
  EXPECT_THAT(r.out, HasSubstr("--plugin-path")) << r;
  EXPECT_THAT(r.out, HasSubstr("--log-level")) << r;
  EXPECT_THAT(r.out, HasSubstr("KEEL_PLUGIN_PATH")) << r;
  EXPECT_EQ(r.err, "") << r;
}

TEST(CliGeneral, PluginInspectHelpShowsItsUsage) {
  const KeelRun r = run_keel({"plugin", "inspect", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Usage: keel plugin inspect")) << r;
  EXPECT_THAT(r.out, HasSubstr("PATH|ID")) << r;
  EXPECT_THAT(r.out, HasSubstr("--json")) << r;
}

TEST(CliGeneral, PriceHelpShowsOptionsAndUnits) {
  const KeelRun r = run_keel({"price", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Usage: keel price")) << r;
  for (const char* option :
       {"--model", "--params", "--spot", "--strike", "--expiry", "--vol", "--rate", "--dividend",
        "--right", "--exercise", "--premium", "--csv", "--out", "--json"}) {
    EXPECT_THAT(r.out, HasSubstr(option)) << r;
  }
  EXPECT_THAT(r.out, HasSubstr("Units:")) << r;
}

TEST(CliGeneral, VersionNamesSdkAndAbi) {
  const KeelRun r = run_keel({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string expected = std::string("keel ") + KEEL_SDK_VERSION_STRING + " (ABI " +
                               std::to_string(KEEL_ABI_VERSION_MAJOR) + "." +
                               std::to_string(KEEL_ABI_VERSION_MINOR) + ")\n";
  EXPECT_THAT(r.out, ::testing::StartsWith(expected)) << r;
  // The second line names the Python keel embeds, e.g.
  // "embedded Python 3.11.2 (built with /usr/bin/python3)".
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\nembedded Python 3\\.[0-9]+\\.[0-9]+[^ ]* "
                                              "\\(built with /.*python3.*\\)\n$|"
                                              "\nno embedded Python"))
      << r;
}

TEST(CliGeneral, NoSubcommandIsAUsageError) {
  const KeelRun r = run_keel({});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("subcommand is required")) << r;
  EXPECT_EQ(r.out, "") << r;
}

TEST(CliGeneral, PluginWithoutSubcommandIsAUsageError) {
  const KeelRun r = run_keel({"plugin"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("subcommand is required")) << r;
}

TEST(CliGeneral, UnknownSubcommandIsAUsageError) {
  const KeelRun r = run_keel({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("subcommand")) << r;
}

TEST(CliGeneral, UnknownOptionIsAUsageError) {
  const KeelRun r = run_keel({"plugin", "inspect", "keel.black_scholes", "--yaml"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("not expected: --yaml")) << r;
}

TEST(CliGeneral, BadLogLevelIsAUsageError) {
  const KeelRun r = run_keel({"--log-level", "loud", "plugin", "inspect", "keel.black_scholes"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--log-level: loud not in {trace,debug,info,warn,error,off}")) << r;
}

TEST(CliGeneral, LogLevelIsAccepted) {
  const KeelRun r = run_keel({"--log-level", "off", "plugin", "inspect", "keel.black_scholes"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Black-Scholes-Merton (keel.black_scholes)")) << r;
}

}  // namespace
}  // namespace keel::cli_test
