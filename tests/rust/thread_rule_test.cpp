// The host-thread rule for Rust plugins (keel/host.h). Safe Rust cannot
// break it (keel_sdk::Host is neither Send nor Sync: the SDK's compile_fail
// doctests, ctest rust.keel_sdk); these tests cover the rest through the
// real host with keel_test.rust_threads (tests/rust/threads):
// - a strategy that breaks it through `unsafe` (a Host rebuilt on its own
//   thread, or the raw C table) gets KEEL_ERR_WRONG_THREAD on that thread,
//   the order is not placed, and the run stops the strategy with the host's
//   message: no crash;
// - a model that prices on worker threads logs from them through a
//   ThreadSafeHost, as the rule allows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"
#include "engine/host/host.hpp"
#include "engine/run/engine.hpp"
#include "keel_process.hpp"
#include "tests/run/run_harness.hpp"

namespace keel {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::filesystem::path kPlugin =
    std::filesystem::path(KEEL_TEST_RUST_PLUGIN_DIR) / "keel_test_rust_threads.so";

// What the host says (host_table.cpp) when a [host-thread] member is called
// from another thread.
constexpr const char* kRefusal =
    "called order_submit from a thread the host did not call it on; [host-thread] members of the "
    "host table (keel/host.h) may only be called from inside a callback";

// A run of keel_test.rust_wrong_thread over three quotes, in `dir`.
json wrong_thread_run(const std::filesystem::path& dir, const std::string& how) {
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "1704205800000000000,X,12,10,12.5,10\n"
                                       "1704205801000000000,X,13,10,13.5,10\n"
                                       "1704205802000000000,X,12,10,12.5,10\n";
  const json doc = {{"run", {{"name", "wrong_thread"}}},
                    {"instruments", {{{"id", "X"}, {"kind", "equity"}}}},
                    {"data", {{{"path", "quotes.csv"}, {"format", "quotes"}}}},
                    {"strategies",
                     {{{"name", "w"},
                       {"factory", "keel_test.rust_wrong_thread"},
                       {"instruments", {"X"}},
                       {"params", {{"how", how}}}}}},
                    {"output", {{"dir", "out"}}}};
  std::ofstream(dir / "run.json") << doc.dump(2);
  return doc;
}

TEST(RustThreadRule, AnOrderFromASpawnedThreadIsRefusedAndStopsTheStrategy) {
  for (const std::string how : {"host", "table"}) {
    SCOPED_TRACE("how: " + how);
    test::TempDir dir;
    const json doc = wrong_thread_run(dir.path(), how);
    ConfigResult parsed = parse_run_config(doc.dump(), dir.path() / "run.json");
    ASSERT_TRUE(parsed.config) << parsed.errors.front().message;
    Host host;
    Result<PluginLibrary*> loaded = host.registry().load_file(kPlugin);
    ASSERT_TRUE(loaded) << loaded.status().message();
    Engine engine(*parsed.config, host);
    const Status prepared = engine.prepare();
    ASSERT_TRUE(prepared) << prepared.message();
    test::MemoryRecorder recorder;
    const RunResult result = engine.run(recorder, {});

    EXPECT_EQ(result.failure.code(), KEEL_ERR_WRONG_THREAD) << result.failure.message();
    EXPECT_THAT(result.failure.message(), HasSubstr("strategy 'w'"));
    EXPECT_THAT(result.failure.message(), HasSubstr(kRefusal));
    EXPECT_THAT(result.summary.status, StartsWith("failed"));
    // The refused call did nothing: no order reached the venue.
    EXPECT_TRUE(recorder.orders.empty());
    EXPECT_TRUE(recorder.fills.empty());
    EXPECT_FALSE((*loaded)->poisoned()) << "a refused call is not a fault of the plugin";
  }
}

TEST(RustThreadRule, TheSpawnedThreadSeesTheStatusAndTheHostDoesNotCrash) {
  test::TempDir dir;
  wrong_thread_run(dir.path(), "host");
  const cli_test::KeelRun r = cli_test::run_keel(
      {"--plugin-path", kPlugin.parent_path().string(), "run", (dir.path() / "run.json").string()});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 4) << r;  // the strategy failed
  // The strategy's own log line: what its thread got back from Host::submit.
  EXPECT_THAT(r.err, HasSubstr("order_submit from a thread of mine returned status 14 (wrong "
                               "thread: order_submit: wrong thread: strategy 'w' of plugin keel_test.rust_threads"))
      << r;
  EXPECT_THAT(r.out + r.err, HasSubstr(kRefusal)) << r;
}

TEST(RustThreadRule, AModelLogsFromItsWorkerThreadsThroughAThreadSafeHost) {
  const cli_test::KeelRun r =
      cli_test::run_keel({"--log-level", "info", "--plugin-path", kPlugin.parent_path().string(),
                          "price", "--model", "keel_test.rust_worker_model", "--spot", "42",
                          "--strike", "100", "--expiry", "1", "--vol", "0.2"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("price  42")) << r;
  EXPECT_THAT(r.out + r.err, HasSubstr("[model 'keel_test.rust_worker_model'] priced spot 42 on a "
                                       "worker thread"))
      << r;
}

}  // namespace
}  // namespace keel
