// `keel plugin check PATH|ID [--params ID=JSON]... [--json]`: every plugin
// shipped in the build passes; each purpose-built broken plugin fails with
// the FAIL lines of the rule it breaks (and, for the check_* cases built on
// a well-behaved toy model, with no other); exit codes 0 / 3 (cannot load)
// / 4 (a check failed) / 2 (bad command line).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

const std::string kPluginDir = KEEL_TEST_PLUGIN_DIR;
const std::string kBrokenDir = KEEL_TEST_BROKEN_DIR;

std::string broken(const std::string& name) { return kBrokenDir + "/keel_test_" + name + ".so"; }

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& line : split(text, '\n')) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}
std::vector<std::string> fail_lines(const KeelRun& r) { return lines_starting(r.out, "FAIL  "); }
std::vector<std::string> pass_lines(const KeelRun& r) { return lines_starting(r.out, "PASS  "); }
std::string last_line(const std::string& text) {
  const auto lines = split(text, '\n');
  return lines.empty() ? std::string() : lines.back();
}

KeelRun check(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"plugin", "check"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_keel(argv);
}

// ---- shipped plugins -----------------------------------------------------------------

// Every plugin in the build's plugin folder, whatever its language, so new
// plugins are checked as soon as they are built.
std::vector<std::string> shipped_plugins() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kPluginDir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CliPluginCheck, EveryShippedPluginPassesEveryCheck) {
  const std::vector<std::string> plugins = shipped_plugins();
  std::vector<std::string> names;
  for (const auto& p : plugins) names.push_back(fs::path(p).filename().string());
  // The C++ examples are always built; others join them when enabled.
  EXPECT_THAT(names, Contains("keel_black_scholes.so"));
  EXPECT_THAT(names, Contains("keel_sma_cross.so"));
  EXPECT_THAT(names, Contains("keel_market_maker.so"));
  // Plugins that cannot run on params {} get working ones, as an author would
  // give them on the command line.
  const std::map<std::string, std::vector<std::string>> extra_args = {
      {"keel_delta_hedger.so",
       {"--model", "bs=keel.black_scholes", "--params",
        R"(keel.delta_hedger={"model":"bs","underlying":"CHECK",)"
        R"("option":{"strike":100,"expiry":0.5,"right":"call","vol":0.2},"contracts":10})"}}};
  for (const auto& plugin : plugins) {
    SCOPED_TRACE(plugin);
    std::vector<std::string> args = {plugin};
    if (auto extra = extra_args.find(fs::path(plugin).filename().string());
        extra != extra_args.end()) {
      args.insert(args.end(), extra->second.begin(), extra->second.end());
    }
    const KeelRun r = check(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(fail_lines(r), ElementsAre()) << r;
    const size_t passed = pass_lines(r).size();
    EXPECT_GE(passed, 18u) << r;
    EXPECT_EQ(last_line(r.out),
              std::to_string(passed) + " checks: " + std::to_string(passed) + " passed, 0 failed")
        << r;
  }
}

TEST(CliPluginCheck, BlackScholesByIdShowsEachCheck) {
  const KeelRun r = check({"keel.black_scholes"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto passes = pass_lines(r);
  EXPECT_THAT(passes, Contains("PASS  exports: exports exactly one symbol, keel_plugin_entry"));
  EXPECT_THAT(passes, Contains("PASS  descriptor: magic and ABI 1.2"));
  EXPECT_THAT(passes, Contains("PASS  keel.black_scholes: create with an unknown param "
                               "{\"keel_check_unknown_param\":1} is refused: invalid argument: "
                               "/keel_check_unknown_param: unknown param"));
  EXPECT_THAT(passes, Contains("PASS  keel.black_scholes: price_batch equals price item by item "
                               "(15 options, statuses and NaN for failed items)"));
  EXPECT_THAT(passes, Contains(AllOf(StartsWith("PASS  keel.black_scholes: implied_vol "
                                                "round-trips the model's own prices (12 of 12"),
                                     HasSubstr("refuses a premium of -1"))));
  EXPECT_THAT(passes, Contains("PASS  keel.black_scholes: calibrate returns a "
                               "keel.calibration_report/1 capsule (1 report, 12 residuals) "
                               "released through its destructor"));
  EXPECT_THAT(passes, Contains("PASS  keel.black_scholes: 50 create/drop cycles leak no handles "
                               "or capsules"));
  EXPECT_THAT(passes, Contains("PASS  keel.black_scholes: drop through the host is called once; "
                               "a second drop and any use of the dropped handle return stale "
                               "handle"));
}

TEST(CliPluginCheck, StrategiesRunOnTheSandboxWithParamsFromTheCommandLine) {
  const KeelRun r = check({"keel.sma_cross", "--params", R"(keel.sma_cross={"fast":3,"slow":7})"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(pass_lines(r),
              Contains("PASS  keel.sma_cross: create with params {\"fast\":3,\"slow\":7} and drop "
                       "of the fresh instance return OK"));
  // The wrong-type check starts from the given params.
  EXPECT_THAT(pass_lines(r), Contains(StartsWith("PASS  keel.sma_cross: create with a wrong type "
                                                 "{\"fast\":\"not a number\",\"slow\":7} is "
                                                 "refused: invalid argument: /fast: expected")));
  EXPECT_THAT(pass_lines(r),
              Contains(AllOf(StartsWith("PASS  keel.sma_cross: on_start/on_quote/on_trade/on_bar/"
                                        "on_stop on a synthetic stream of 1020 market events: all "
                                        "OK"),
                             HasSubstr("nothing leaked"))));

  const KeelRun mm =
      check({"keel.market_maker", "--params", R"({"keel.market_maker": {"spread_bps": 20}})"});
  ASSERT_EQ(mm.exit_code, 0) << mm;
  EXPECT_THAT(pass_lines(mm),
              Contains(HasSubstr("create with params {\"spread_bps\":20} and drop")));
}

TEST(CliPluginCheck, JsonOutput) {
  const KeelRun r = check({"keel.black_scholes", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r;
  EXPECT_EQ(j.at("plugin").at("id"), "keel.black_scholes");
  EXPECT_EQ(j.at("loaded"), true);
  EXPECT_EQ(j.at("failed"), 0);
  EXPECT_EQ(j.at("passed"), j.at("checks").size());
  std::vector<std::string> ids;
  for (const auto& c : j.at("checks")) {
    EXPECT_TRUE(c.at("passed").get<bool>()) << c.dump();
    ids.push_back(c.at("check"));
  }
  EXPECT_THAT(ids, Contains("descriptor.magic_abi"));
  EXPECT_THAT(ids, Contains("model.price_batch"));
  EXPECT_THAT(ids, Contains("lifecycle.leaks"));
}

// ---- plugins the loader refuses: exit 3, one FAIL line per problem -------------------

TEST(CliPluginCheck, LoaderFindingsAreSeparateFailLines) {
  struct Case {
    std::string plugin;
    std::vector<std::string> fails;
  };
  const std::vector<Case> cases = {
      {"bad_magic",
       {"FAIL  descriptor: bad magic 0x0123456789abcdef in the descriptor (expected "
        "0x47554c504c45454b, \"KEELPLUG\"): not a keel descriptor, or built for another ABI"}},
      {"foreign_major",
       {"FAIL  descriptor: built for keel ABI 2.0, this host speaks ABI 1.2: rebuild the plugin "
        "against a keel SDK with ABI major 1"}},
      {"extra_exports",
       {"FAIL  exports: exports 2 symbol(s) besides 'keel_plugin_entry' (keel_test_extra_helper, "
        "keel_test_extra_answer); a plugin exports exactly one symbol: link it with "
        "keel_add_plugin() or the SDK's version script keel_plugin.map"}},
      {"no_entry",
       {"FAIL  exports: does not export the entry symbol 'keel_plugin_entry' (is it a keel "
        "plugin? C++ plugins use KEEL_PLUGIN(...)); exports 1 symbol(s) besides "
        "'keel_plugin_entry' (keel_test_not_an_entry); a plugin exports exactly one symbol: "
        "link it with keel_add_plugin() or the SDK's version script keel_plugin.map"}},
      {"no_drop", {"FAIL  keel_test.no_drop: has no drop function (create/drop are mandatory)"}},
      {"many_problems",
       {"FAIL  keel_test.problem_no_create: has no create function (create/drop are mandatory)",
        "FAIL  keel_test.problem_no_drop: has no drop function (create/drop are mandatory)",
        "FAIL  keel_test.problem_short_table: pricing-model table struct_size 16 is smaller than "
        "the required 48"}},
      {"duplicate_id", {"FAIL  factories: factory id 'keel_test.twice' appears twice"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.plugin);
    const KeelRun r = check({broken(c.plugin)});
    EXPECT_EQ(r.exit_code, 3) << r;
    EXPECT_EQ(fail_lines(r), c.fails) << r;
    EXPECT_THAT(last_line(r.out), HasSubstr(std::to_string(c.fails.size()) +
                                            " failed (the plugin could not be loaded)"))
        << r;
  }
}

TEST(CliPluginCheck, MissingFileIsALoadFailure) {
  const KeelRun r = check({"/nonexistent/keel_nothing.so"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(fail_lines(r), ElementsAre("FAIL  load: cannot load plugin "
                                         "/nonexistent/keel_nothing.so: no such file (check the "
                                         "path or KEEL_PLUGIN_PATH)"))
      << r;
}

// ---- plugins that load but misbehave: exit 4, exactly the broken rule --------------------

TEST(CliPluginCheck, BatchThatDisagreesWithSingle) {
  const KeelRun r = check({broken("check_batch_mismatch")});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(fail_lines(r), ElementsAre("FAIL  keel_test.check_batch_mismatch: price_batch item "
                                         "3 differs from price (4.125 vs 4)"))
      << r;
}

TEST(CliPluginCheck, BadParamsThatSucceedSilently) {
  const KeelRun r = check({broken("check_silent_params")});
  EXPECT_EQ(r.exit_code, 4) << r;
  const std::string id = "FAIL  keel_test.check_silent_params: ";
  EXPECT_THAT(
      fail_lines(r),
      ElementsAre(id + "create with an unknown param {\"keel_check_unknown_param\":1} succeeded "
                       "silently; expected KEEL_ERR_INVALID_ARGUMENT with a message naming "
                       "/keel_check_unknown_param",
                  id + "create with a wrong type {\"scale\":\"not a number\"} succeeded "
                       "silently; expected KEEL_ERR_INVALID_ARGUMENT with a message naming /scale",
                  id + "create with params that are not JSON {\"unterminated succeeded silently; "
                       "expected KEEL_ERR_INVALID_ARGUMENT with a message"))
      << r;
}

TEST(CliPluginCheck, ErrorStatusWithAnEmptyMessage) {
  const KeelRun r = check({broken("check_empty_message")});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(
      fail_lines(r),
      ElementsAre("FAIL  keel_test.check_empty_message_model: price of an invalid option (S=100 "
                  "K=100 T=-1 vol=0.2 call european) returned 'invalid argument' (1) with an empty "
                  "error message (rule 6: say why in the error struct)",
                  // The third bar of the stream is its 24th event (quote, trade, bar, ...).
                  "FAIL  keel_test.check_empty_message_strategy: on_bar at event 24 returned "
                  "'invalid argument' (1) with an empty error message (rule 6: say why in the "
                  "error struct)"))
      << r;
}

TEST(CliPluginCheck, HandlesLeakedOverCreateDropCycles) {
  const KeelRun r = check({broken("check_leaky"), "--cycles", "5"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(fail_lines(r),
              ElementsAre(AllOf(StartsWith("FAIL  keel_test.check_leaky: 5 leak(s) over 5 "
                                           "create/drop cycles, first: check "
                                           "'keel_test.check_leaky' cycle 1: model handle 0x"),
                                HasSubstr("(keel_test.check_leaky_inner) was never dropped"))))
      << r;
}

TEST(CliPluginCheck, FaultsAreFailuresWithTheirMessage) {
  const KeelRun r = check({broken("thrower")});
  EXPECT_EQ(r.exit_code, 4) << r;
  const std::string model = "FAIL  keel_test.thrower_model: ";
  EXPECT_THAT(
      fail_lines(r),
      ElementsAre(model + "price of option 0 (S=100 K=80 T=0.25 vol=0.2 call european) faulted: "
                          "uncaught C++ exception: boom from price",
                  model + "price of an invalid option (S=100 K=100 T=-1 vol=0.2 call european) "
                          "faulted: uncaught C++ exception: boom from price",
                  model + "price_batch of 15 options faulted: uncaught C++ exception: boom from "
                          "price_batch",
                  StartsWith(model + "implied_vol of option S=100 K=80 T=0.25 vol=0.2 call "
                                     "european at premium "),
                  model + "calibrate to 12 quotes faulted: uncaught C++ exception: boom from "
                          "calibrate",
                  "FAIL  keel_test.thrower_strategy: on_start faulted: uncaught C++ exception: "
                  "boom from on_start"))
      << r;
  // --json marks each of them as a fault.
  const auto j = nlohmann::json::parse(check({broken("thrower"), "--json"}).out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  size_t faults = 0;
  for (const auto& c : j.at("checks")) faults += c.at("fault").get<bool>() ? 1 : 0;
  EXPECT_EQ(faults, 6u);
}

// A strategy that calls order_submit from a thread it starts breaks the
// host-thread rule (keel/host.h): the check names it, per event and in spans.
TEST(CliPluginCheck, AStrategyCallingTheHostFromItsOwnThread) {
  const TempDir dir;
  const nlohmann::json params = {
      {"journal", (dir.path() / "journal.txt").string()},
      {"actions",
       {{{"on", "quote"}, {"n", 3}, {"do", "submit_from_thread"},
         {"order", {{"instrument", "CHECK"}, {"side", "buy"}, {"type", "market"},
                    {"quantity", 1}}}}}}};
  // The plugin has the strategy five times: per event, taking spans with a
  // batch cursor (ABI 1.1), taking spans without one (a 1.0 table), and
  // the first two again taking book events (on_book, ABI 1.2).
  const KeelRun r = check({KEEL_TEST_SCRIPTED_PLUGIN, "--params",
                           "keel_test.scripted=" + params.dump(), "--params",
                           "keel_test.scripted_book=" + params.dump(), "--params",
                           "keel_test.scripted_batched=" + params.dump(), "--params",
                           "keel_test.scripted_batched_10=" + params.dump(), "--params",
                           "keel_test.scripted_batched_book=" + params.dump()});
  EXPECT_EQ(r.exit_code, 4) << r;
  const auto rule_broken = [](const std::string& factory, const std::string& callback) {
    return AllOf(StartsWith("FAIL  " + factory + ": the host-thread rule, by " + callback),
                 HasSubstr("called order_submit from a thread the host did not call it on"));
  };
  EXPECT_THAT(fail_lines(r),
              ElementsAre(rule_broken("keel_test.scripted", "on_quote at event "),
                          rule_broken("keel_test.scripted_book", "on_quote at event "),
                          rule_broken("keel_test.scripted_batched", "on_quote at event "),
                          rule_broken("keel_test.scripted_batched", "on_events ("),
                          rule_broken("keel_test.scripted_batched_10", "on_quote at event "),
                          rule_broken("keel_test.scripted_batched_10", "on_events ("),
                          rule_broken("keel_test.scripted_batched_book", "on_quote at event "),
                          rule_broken("keel_test.scripted_batched_book", "on_events (")))
      << r;
}

TEST(CliPluginCheck, CapsuleWithTheWrongTag) {
  const KeelRun r =
      check({broken("capsules"), "--params", R"(keel_test.capsule_model={"mode":"wrong_tag"})"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(fail_lines(r),
              Contains("FAIL  keel_test.capsule_model: calibrate returned a bad capsule: capsule "
                       "tag is 'keel.f64_vec/1', expected 'keel.calibration_report/1'"))
      << r;
}

TEST(CliPluginCheck, BadParamsOptionIsAUsageError) {
  const KeelRun r = check({"keel.black_scholes", "--params", "keel.black_scholes=[1,2]"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--params keel.black_scholes: '[1,2]' is not a JSON object")) << r;
}

}  // namespace
}  // namespace keel::cli_test
