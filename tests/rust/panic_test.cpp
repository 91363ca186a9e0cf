// Rule 7 for Rust plugins: a panic inside plugin code comes back through
// the host as KEEL_ERR_PLUGIN_FAULT carrying the panic's message and
// source location, poisons the plugin (the host calls only drops on it, and
// the plugin itself refuses further calls), and never unwinds into the host.
// keel_test.rust_panicky (tests/rust/panicky) panics on spot 13 (model) and
// on a quote with bid 13 (strategy). A plugin built with panic = "abort",
// which no guard can help, fails `keel plugin check`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/host/host.hpp"
#include "keel_process.hpp"

namespace keel {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kPlugin =
    std::filesystem::path(KEEL_TEST_RUST_PLUGIN_DIR) / "keel_test_rust_panicky.so";

keel_option_t with_spot(double spot) {
  return keel_option_t{spot, 100, 1, 0.2, 0.01, 0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
}

// In-process: the only test here that makes the plugin panic, because its
// poisoning lasts for the life of the process (plugins are never unloaded).
TEST(RustPanic, ModelPanicIsAFaultWithTheMessageAndPoisonsThePlugin) {
  Host host;
  Result<PluginLibrary*> plugin = host.registry().load_file(kPlugin);
  ASSERT_TRUE(plugin) << plugin.status().message();
  Result<keel_model_handle_t> handle =
      host.create_model("keel_test.rust_panicky_model", "{}", "model 'panicky'");
  ASSERT_TRUE(handle) << handle.status().message();
  std::shared_ptr<ModelInstance> model = *host.model(*handle);

  ASSERT_TRUE(model->price(with_spot(42))) << "a call that does not panic works";
  EXPECT_EQ(model->price(with_spot(42))->price, 42);

  Result<keel_greeks_t> faulted = model->price(with_spot(13));
  ASSERT_FALSE(faulted);
  EXPECT_EQ(faulted.status().code(), KEEL_ERR_PLUGIN_FAULT);
  const std::string& message = faulted.status().message();
  EXPECT_THAT(message, HasSubstr("panic in plugin 'keel_test.rust_panicky' at "));
  EXPECT_THAT(message, HasSubstr("src/lib.rs:"));
  EXPECT_THAT(message, HasSubstr("rust panic on purpose: spot 13 has no strike None"));
  EXPECT_TRUE((*plugin)->poisoned());

  // The host poisons: nothing but drops reaches the plugin any more.
  Result<keel_greeks_t> after = model->price(with_spot(42));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.status().code(), KEEL_ERR_POISONED);

  // The plugin poisons itself too: a call that bypasses the host's check
  // (a new instance straight from the factory) is refused with the first
  // panic's message, and drop still works.
  Result<const Factory*> factory = host.registry().find_factory("keel_test.rust_panicky_model");
  ASSERT_TRUE(factory);
  auto context = host.make_context("direct", (*factory)->plugin);
  void* instance = nullptr;
  keel_error_t err{};
  EXPECT_EQ((*factory)->create("{}", &context->table, &instance, &err), KEEL_ERR_PLUGIN_FAULT);
  EXPECT_EQ(instance, nullptr);
  EXPECT_THAT(err.message, HasSubstr("is poisoned by an earlier fault: panic in plugin"));
  EXPECT_THAT(err.message, HasSubstr("rust panic on purpose"));

  EXPECT_TRUE(host.drop_model(*handle)) << "drops still reach a poisoned plugin";
}

// A separate process per run: `keel price` and `keel run` exit 4 with the
// panic's text, never a crash.
TEST(RustPanic, KeelPriceExitsFourWithThePanicText) {
  const cli_test::KeelRun r = cli_test::run_keel(
      {"--plugin-path", kPlugin.parent_path().string(), "price", "--model",
       "keel_test.rust_panicky_model", "--spot", "13", "--strike", "100", "--expiry", "1", "--vol",
       "0.2"});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_THAT(r.err, HasSubstr("rust panic on purpose: spot 13")) << r;
  EXPECT_THAT(r.err, HasSubstr("poisoned")) << r;
}

TEST(RustPanic, StrategyPanicInARunStopsItWithThePanicText) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("keel-rust-panic-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "quotes.csv") << "ts,instrument,bid,bid_size,ask,ask_size\n"
                                       "1704205800000000000,X,12,10,12.5,10\n"
                                       "1704205801000000000,X,13,10,13.5,10\n"
                                       "1704205802000000000,X,12,10,12.5,10\n";
  std::ofstream(dir / "run.json") << R"({
    "run": {"name": "panicky"},
    "instruments": [{"id": "X", "kind": "equity"}],
    "data": [{"path": "quotes.csv", "format": "quotes"}],
    "strategies": [{"name": "p", "factory": "keel_test.rust_panicky_strategy", "instruments": ["X"]}],
    "output": {"dir": "out"}
  })";
  const cli_test::KeelRun r = cli_test::run_keel(
      {"--plugin-path", kPlugin.parent_path().string(), "run", (dir / "run.json").string()});
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_THAT(r.out + r.err, HasSubstr("panic in plugin 'keel_test.rust_panicky'")) << r;
  EXPECT_THAT(r.out + r.err, HasSubstr("index out of bounds")) << r;
}

// A plugin built with panic = "abort" passes every behavioural check (it
// never panics there) but would end the host with no message on its first
// panic: `keel plugin check` fails it on its build facts alone, and `keel
// plugin inspect` shows them. keel_test.rust_panic_abort
// (tests/rust/panic_abort) is a well-behaved model built that way.
TEST(RustPanic, PanicAbortBuildFailsPluginCheckAndInspectShowsIt) {
  const std::string aborting =
      (std::filesystem::path(KEEL_TEST_RUST_PLUGIN_DIR) / "keel_test_rust_panic_abort.so").string();
  const cli_test::KeelRun check = cli_test::run_keel({"plugin", "check", aborting});
  EXPECT_EQ(check.exit_code, 4) << check;
  EXPECT_THAT(check.out, HasSubstr("FAIL  descriptor: built with panic = \"abort\": a panic would "
                                   "abort the host with no message; build with panic = \"unwind\""))
      << check;
  // That is the only failure: everything else about the plugin is fine.
  EXPECT_THAT(check.out, HasSubstr(" checks: ")) << check;
  EXPECT_EQ(check.out.find("FAIL  keel_test"), std::string::npos) << check;

  const cli_test::KeelRun inspect = cli_test::run_keel({"plugin", "inspect", aborting});
  EXPECT_EQ(inspect.exit_code, 0) << inspect;
  EXPECT_THAT(inspect.out, HasSubstr("Rust, rustc ")) << inspect;
  EXPECT_THAT(inspect.out, HasSubstr(", panic=abort, 64-bit")) << inspect;
  // Whatever loads it says so (keel run, keel price, inspect).
  EXPECT_THAT(inspect.err, HasSubstr("was built with panic = \"abort\": a panic in it ends this "
                                     "process with no report"))
      << inspect;

  // A plugin built with panic = "unwind" passes the same check.
  const cli_test::KeelRun unwinding = cli_test::run_keel({"plugin", "check", kPlugin.string()});
  EXPECT_THAT(unwinding.out, HasSubstr("PASS  descriptor: built with panic = \"unwind\"")) << unwinding;
}

}  // namespace
}  // namespace keel
