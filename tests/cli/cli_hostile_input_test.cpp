// Hostile input on the command line: run files nested 100k deep, with NUL
// characters, that are devices, FIFOs or too large, and --params nested too
// deep. Each ends in exit code 2 and a message naming the file and where,
// never in a crash, a hang or unbounded memory.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSourceDir = KEEL_SOURCE_DIR;

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A valid run file (on the demo's data) with `params` for its strategy and
// `output_dir` (JSON string text).
std::string run_file_text(const std::string& params, const std::string& output_dir = "\"out\"") {
  return R"({"run": {"name": "hostile"},
 "instruments": [{"id": "AAPL", "kind": "equity"}, {"id": "MSFT", "kind": "equity"}],
 "data": [{"path": ")" +
         kSourceDir + R"(/examples/data/demo_bars.csv", "format": "bars"}],
 "strategies": [{"name": "t", "factory": "keel.sma_cross", "instruments": ["AAPL"],
                 "params": )" +
         params + R"(}],
 "output": {"dir": )" +
         output_dir + "}}\n";
}

// 100k-deep params crashed both commands with a stack overflow.
TEST(CliHostileInput, DeepRunFileIsRefusedByValidateAndRun) {
  TempDir dir;
  const std::string file = dir.write("deep.json", run_file_text(nested_arrays(100'000)));
  for (const char* command : {"validate", "run"}) {
    const KeelRun r = run_keel({command, file});
    EXPECT_FALSE(r.signaled) << r;
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, StartsWith(file + ": nested more than 128 levels deep at line 5, column "))
        << r;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

// "out\u0000x" was cut to "out" as a C string.
TEST(CliHostileInput, NulInOutputDirIsRefused) {
  TempDir dir;
  const std::string file = dir.write("nul.json", run_file_text("{}", R"("out\u0000x")"));
  const KeelRun r = run_keel({"run", "--quiet", file});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.err, file +
                       ": /output/dir: expected a string without NUL characters (\\u0000), "
                       "got \"out\\u0000x\"\n");
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

// /dev/zero was read until memory ran out.
TEST(CliHostileInput, DevicesDirectoriesAndLargeFilesAreRefused) {
  KeelRun r = run_keel({"validate", "/dev/zero"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.err,
            "/dev/zero: is a character device, not a run file; give a JSON file (or a pipe, as "
            "in <(gen_config))\n");
  TempDir dir;
  r = run_keel({"run", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.err, dir.path().string() + ": is a directory, not a run file\n");
  const std::string big = dir.write("big.json", "");
  fs::resize_file(big, size_t{65} << 20);  // sparse
  r = run_keel({"validate", big});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.err, big +
                       ": is larger than the 64 MiB a run file may hold; keep market data in "
                       "the data files it names\n");
}

// Opens `fifo` for writing and closes it after `seconds` unless stopped: a
// FIFO test then ends even when keel waits for a writer forever.
class FifoWatchdog {
 public:
  FifoWatchdog(std::string fifo, int seconds)
      : thread_([this, fifo = std::move(fifo), seconds] {
          std::unique_lock lock(mutex_);
          if (cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return stop_; })) return;
          fired_ = true;
          const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
          if (fd >= 0) ::close(fd);
        }) {}
  ~FifoWatchdog() { stop(); }
  bool stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// A FIFO nobody writes to: keel waited in open() forever.
TEST(CliHostileInput, FifoWithoutWriterIsRefused) {
  TempDir dir;
  const std::string fifo = dir.file("run.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoWatchdog watchdog(fifo, 60);
  const KeelRun r = run_keel({"validate", fifo});
  EXPECT_FALSE(watchdog.stop()) << "keel waited for a writer until the test gave it one";
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, StartsWith(fifo + ": is a pipe with no writer: no program opened it for "
                                       "writing within 3000 ms"))
      << r;
}

// `gen > run.fifo & keel run run.fifo`: a FIFO with a writer is a run file.
TEST(CliHostileInput, FifoWithWriterIsARunFile) {
  TempDir dir;
  const std::string fifo = dir.file("run.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string text = run_file_text(R"({"fast": 2, "slow": 5, "quantity": 1})");
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << text; });
  const KeelRun r = run_keel({"validate", fifo});
  // Releases the writer's open should keel not have opened the FIFO.
  const int release = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  writer.join();
  if (release >= 0) ::close(release);
  EXPECT_EQ(r.exit_code, 0) << r;
}

// keel run <(gen): the run file is read once (a pipe cannot be read again),
// and the manifest's hash is of the bytes that were read.
TEST(CliHostileInput, AFifoRunFileRunsAndIsHashedAsRead) {
  TempDir dir;
  const std::string fifo = dir.file("run.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string out = dir.file("out");
  const std::string text =
      run_file_text(R"({"fast": 2, "slow": 5, "quantity": 1})", "\"" + out + "\"");
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << text; });
  const KeelRun r = run_keel({"run", fifo, "-q"});
  const int release = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  writer.join();
  if (release >= 0) ::close(release);
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string written = dir.write("same.json", text);
  const KeelRun sum = run_process("/usr/bin/sha256sum", {written});
  const auto manifest = nlohmann::json::parse(read_file(out + "/manifest.json"));
  EXPECT_EQ(manifest["run_file"]["sha256"].get<std::string>(), sum.out.substr(0, 64));
}

// --params nested 60k deep (an argument holds at most 128 KiB) crashed
// `keel plugin check` in dump(); `keel price` handed it to the plugin.
TEST(CliHostileInput, DeepParamsOnTheCommandLineAreRefused) {
  const std::string deep = "{\"a\": " + nested_arrays(60'000) + "}";
  KeelRun r =
      run_keel({"plugin", "check", "keel.black_scholes", "--params", "keel.black_scholes=" + deep});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--params: nested more than 128 levels deep at line 1, column 153"))
      << r;
  r = run_keel({"price", "--model", "keel.black_scholes", "--params", deep, "--spot", "100",
                "--strike", "100", "--expiry", "1", "--vol", "0.2"});
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--params: nested more than 128 levels deep at line 1, column 134"))
      << r;
}

}  // namespace
}  // namespace keel::cli_test
