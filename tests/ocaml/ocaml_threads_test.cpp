// OCaml plugins that link OCaml's threads library (threads.posix), through
// the real host, with keel_test.ocaml_threads (tests/ocaml/threads_plugin.ml):
// - a thread the strategy starts that sends an order gets the host's
//   refusal as the exception Keel.Error.Error (Wrong_thread, message), and
//   the run stops the strategy with KEEL_ERR_WRONG_THREAD;
// - a thread that prices through a model of the same plugin (a
//   [thread-safe] call back into the same runtime) gets its price, where a
//   second lock in the glue used to deadlock;
// - host threads and the plugin's own threads share the runtime (the glue
//   registers host threads with OCaml's master lock);
// - a stack overflow there is a fault with a message too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"
#include "engine/host/host.hpp"
#include "engine/run/engine.hpp"
#include "tests/cli/keel_process.hpp"
#include "tests/run/run_harness.hpp"

namespace keel {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::filesystem::path kPlugin =
    std::filesystem::path(KEEL_TEST_OCAML_THREADS_DIR) / "keel_test_ocaml_threads.so";

constexpr const char* kRefusal =
    "called order_submit from a thread the host did not call it on; [host-thread] members of the "
    "host table (keel/host.h) may only be called from inside a callback";

keel_option_t with_spot(double spot) {
  return keel_option_t{spot, 100, 1, 0.2, 0.01, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
}

// A run of keel_test.ocaml_threads_strategy over three quotes, in `dir`.
json threads_run(const std::filesystem::path& dir) {
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "1704205800000000000,X,12,10,12.5,10\n"
                                       "1704205801000000000,X,13,10,13.5,10\n"
                                       "1704205802000000000,X,12,10,12.5,10\n";
  const json doc = {
      {"run", {{"name", "ocaml_threads"}}},
      {"instruments", {{{"id", "X"}, {"kind", "equity"}}}},
      {"data", {{{"path", "quotes.csv"}, {"format", "quotes"}}}},
      {"strategies",
       {{{"name", "o"}, {"factory", "keel_test.ocaml_threads_strategy"}, {"instruments", {"X"}}}}},
      {"output", {{"dir", "out"}}}};
  std::ofstream(dir / "run.json") << doc.dump(2);
  return doc;
}

TEST(OcamlThreads, AnOrderFromAnOcamlThreadIsRefusedAndStopsTheStrategy) {
  test::TempDir dir;
  const json doc = threads_run(dir.path());
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
  EXPECT_THAT(result.failure.message(), HasSubstr(kRefusal));
  EXPECT_THAT(result.summary.status, StartsWith("failed"));
  EXPECT_TRUE(recorder.orders.empty()) << "the refused call did nothing";
  EXPECT_FALSE((*loaded)->poisoned()) << "a refused call is not a fault of the plugin";
}

TEST(OcamlThreads, TheThreadsSeeTheExceptionAndAPriceAndNothingHangsOrCrashes) {
  test::TempDir dir;
  threads_run(dir.path());
  const cli_test::KeelRun r = cli_test::run_keel(
      {"--plugin-path", kPlugin.parent_path().string(), "run", (dir.path() / "run.json").string()});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 4) << r;  // the strategy failed
  // A thread priced through a model of this same plugin: the host called
  // back into the runtime from that thread.
  EXPECT_THAT(r.err, HasSubstr("[strategy 'o'] model_price from an OCaml thread: price 42")) << r;
  // A thread sent an order: Keel.Host.submit answered Error Wrong_thread
  // with the host's message, raised by Keel.Error.ok_exn.
  EXPECT_THAT(r.err, HasSubstr("[strategy 'o'] submit from an OCaml thread: Keel.Error.Error "
                               "(wrong thread, \"wrong thread: strategy 'o' of plugin keel_test.ocaml_threads"))
      << r;
  EXPECT_THAT(r.err, HasSubstr(kRefusal)) << r;
}

TEST(OcamlThreads, HostThreadsAndOcamlThreadsShareTheRuntime) {
  Host host;
  Result<PluginLibrary*> loaded = host.registry().load_file(kPlugin);
  ASSERT_TRUE(loaded) << loaded.status().message();
  Result<keel_model_handle_t> handle =
      host.create_model("keel_test.ocaml_threads_model", "{}", "model 'threads'");
  ASSERT_TRUE(handle) << handle.status().message();
  std::shared_ptr<ModelInstance> model = *host.model(*handle);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        // Spot 7 prices on an OCaml thread the model starts and joins.
        const double spot = i % 3 == 0 ? 7 : 10 * t + i + 100;
        Result<keel_greeks_t> g = model->price(with_spot(spot));
        if (!g || g->price != spot) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
  ASSERT_TRUE(model->price(with_spot(7))) << "and from the thread that loaded it";
  EXPECT_FALSE((*loaded)->poisoned());
  EXPECT_TRUE(host.drop_model(*handle));
}

TEST(OcamlThreads, AStackOverflowIsAFaultWithAMessage) {
  const cli_test::KeelRun r =
      cli_test::run_keel({"--plugin-path", kPlugin.parent_path().string(), "price", "--model",
                          "keel_test.ocaml_threads_model", "--spot", "99", "--strike", "100",
                          "--expiry", "1", "--vol", "0.2"});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_THAT(r.err, HasSubstr("uncaught OCaml exception Stack_overflow")) << r;
}

}  // namespace
}  // namespace keel
