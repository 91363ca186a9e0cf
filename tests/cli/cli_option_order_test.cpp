// The global options (--plugin-path, --log-level) before the subcommand,
// after it, or between its arguments: every form parses the same, repeated
// --plugin-path folders are searched in command-line order across both
// positions, a bad value after the subcommand is still a usage error (2),
// and each subcommand's --help says where the global options go.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSource = KEEL_SOURCE_DIR;
const fs::path kPluginDir = KEEL_TEST_PLUGIN_DIR;

// A command split at the point where a global option may be inserted:
// `keel <head> <global> <tail>`.
struct Command {
  std::vector<std::string> head;  // the subcommand (and "plugin" before it)
  std::vector<std::string> tail;  // its arguments
};

std::vector<std::string> join(const std::vector<std::string>& a, const std::vector<std::string>& b,
                              const std::vector<std::string>& c = {}) {
  std::vector<std::string> out = a;
  out.insert(out.end(), b.begin(), b.end());
  out.insert(out.end(), c.begin(), c.end());
  return out;
}

// One successful invocation of every subcommand.
std::vector<Command> every_command(const TempDir& dir) {
  const std::string demo = kSource + "/config/examples/demo.json";
  return {
      {{"plugin", "inspect"}, {"keel.black_scholes"}},
      {{"plugin", "check"}, {"keel.black_scholes"}},
      {{"price"},
       {"--model", "keel.black_scholes", "--spot", "60", "--strike", "65", "--expiry", "0.25",
        "--vol", "0.3", "--rate", "0.08"}},
      {{"validate"}, {demo}},
      {{"run"}, {demo, "--output", dir.file("out"), "--quiet"}},
      {{"gen-data"},
       {"--out", dir.file("data"), "--instruments", "XYZ", "--days", "1", "--kind", "bars",
        "--seed", "7"}},
      {{"data", "convert"},
       {kSource + "/examples/data/demo_bars.csv", dir.file("bars.bin"), "--kind", "bars"}},
  };
}

TEST(CliOptionOrder, EveryCommandTakesTheGlobalOptionsBeforeAfterOrBetweenItsArguments) {
  TempDir dir;
  for (const Command& c : every_command(dir)) {
    const std::vector<std::string> global = {"--log-level", "error", "--plugin-path",
                                             kPluginDir.string()};
    const KeelRun before = run_keel(join(global, c.head, c.tail));
    ASSERT_EQ(before.exit_code, 0) << before;
    const KeelRun after = run_keel(join(c.head, c.tail, global));
    EXPECT_EQ(after.exit_code, 0) << after;
    EXPECT_EQ(after.out, before.out) << after;
    // Right after the subcommand's name, before its own arguments.
    const KeelRun between = run_keel(join(c.head, global, c.tail));
    EXPECT_EQ(between.exit_code, 0) << between;
    EXPECT_EQ(between.out, before.out) << between;
  }
}

TEST(CliOptionOrder, ALogLevelAfterTheCommandTakesEffect) {
  // A plugin folder everyone may write to is a warning, which
  // --log-level error silences wherever it is given.
  TempDir plugins;
  fs::copy_file(kPluginDir / "keel_black_scholes.so", plugins.path() / "keel_black_scholes.so");
  ASSERT_EQ(::chmod(plugins.path().c_str(), 0777), 0);
  const std::vector<std::string> inspect = {"plugin", "inspect", "keel.black_scholes"};
  const std::vector<std::string> path = {"--plugin-path", plugins.path().string()};

  const KeelRun warned = run_keel(join(inspect, path));
  ASSERT_EQ(warned.exit_code, 0) << warned;
  EXPECT_THAT(warned.err, HasSubstr("is writable by every user")) << warned;

  const KeelRun silenced = run_keel(join(inspect, path, {"--log-level", "error"}));
  ASSERT_EQ(silenced.exit_code, 0) << silenced;
  EXPECT_THAT(silenced.err, Not(HasSubstr("is writable by every user"))) << silenced;
  // Between the words of a nested subcommand as well.
  const KeelRun nested =
      run_keel(join({"plugin", "--log-level", "error", "inspect"}, {"keel.black_scholes"}, path));
  ASSERT_EQ(nested.exit_code, 0) << nested;
  EXPECT_THAT(nested.err, Not(HasSubstr("is writable by every user"))) << nested;
}

TEST(CliOptionOrder, PluginPathFoldersAreSearchedInCommandLineOrderAcrossPositions) {
  // Byte-identical copies of one plugin in two folders: no ambiguity, the
  // first folder in search order provides it (docs/cli.md).
  TempDir first, second;
  for (const TempDir* d : {&first, &second}) {
    fs::copy_file(kPluginDir / "keel_black_scholes.so", d->path() / "keel_black_scholes.so");
  }
  const auto chosen_by = [](const std::vector<std::string>& args) {
    const KeelRun r = run_keel(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  };
  const std::string a = first.path().string(), b = second.path().string();
  const std::string in_a = fs::canonical(first.path() / "keel_black_scholes.so").string();
  const std::string in_b = fs::canonical(second.path() / "keel_black_scholes.so").string();

  const std::string a_then_b = chosen_by(
      {"--plugin-path", a, "plugin", "inspect", "keel.black_scholes", "--plugin-path", b});
  EXPECT_THAT(a_then_b, HasSubstr(in_a));
  EXPECT_THAT(a_then_b, Not(HasSubstr(in_b)));
  const std::string b_then_a = chosen_by(
      {"--plugin-path", b, "plugin", "inspect", "keel.black_scholes", "--plugin-path", a});
  EXPECT_THAT(b_then_a, HasSubstr(in_b));
  EXPECT_THAT(b_then_a, Not(HasSubstr(in_a)));
  // Both after the subcommand: still left to right.
  const std::string after = chosen_by(
      {"plugin", "inspect", "--plugin-path", b, "keel.black_scholes", "--plugin-path", a});
  EXPECT_THAT(after, HasSubstr(in_b));
}

TEST(CliOptionOrder, AWrongValueAfterTheCommandIsAUsageError) {
  const std::string demo = kSource + "/config/examples/demo.json";
  const KeelRun loud = run_keel({"run", demo, "--log-level", "loud"});
  EXPECT_EQ(loud.exit_code, 2) << loud;
  EXPECT_THAT(loud.err, HasSubstr("--log-level: loud not in {")) << loud;
  EXPECT_EQ(loud.out, "") << loud;

  const KeelRun missing = run_keel({"plugin", "inspect", "keel.black_scholes", "--plugin-path"});
  EXPECT_EQ(missing.exit_code, 2) << missing;
  EXPECT_THAT(missing.err, HasSubstr("--plugin-path")) << missing;
}

TEST(CliOptionOrder, EveryCommandsHelpSaysWhereTheGlobalOptionsGo) {
  for (const std::vector<std::string>& sub :
       std::vector<std::vector<std::string>>{{"plugin"},
                                             {"plugin", "inspect"},
                                             {"plugin", "check"},
                                             {"price"},
                                             {"run"},
                                             {"validate"},
                                             {"gen-data"},
                                             {"data"},
                                             {"data", "convert"}}) {
    const KeelRun r = run_keel(join(sub, {"--help"}));
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("Global options, before or after the command: --plugin-path DIR "
                                 "(repeatable), --log-level LEVEL"))
        << r;
    EXPECT_THAT(r.out, HasSubstr("Exit codes")) << r;
  }
}

}  // namespace
}  // namespace keel::cli_test
