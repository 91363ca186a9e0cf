// `keel run` when the run does not simply complete: SIGINT/SIGTERM, a
// second signal, SIGKILL, a segfaulting strategy, a full disk (a file size
// limit stands in for it), and a folder that already holds another run's
// report. Checked through the files on disk: every row whole, the manifest
// saying how the run stands, the previous report kept aside.
//
// The runs use keel_test.crashing_strategy (tests/abi/broken), which trades
// on every event and can sleep per event (so a run lasts until signalled)
// or raise SIGSEGV on the n-th. Tests wait for what the child writes
// (manifest.json, flushed rows), never for a fixed time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "keel_child.hpp"
#include "keel_process.hpp"

namespace keel::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kCrashingDir = std::string(KEEL_TEST_BROKEN_DIR) + "/run";
const std::vector<std::string> kReportFiles = {"manifest.json", "summary.json", "fills.csv",
                                               "orders.csv", "equity.csv"};

nlohmann::json read_json(const fs::path& file) {
  return nlohmann::json::parse(read_file(file.string()), nullptr, false);
}

std::string status_of(const fs::path& json_file) {
  const nlohmann::json doc = read_json(json_file);
  return doc.is_object() ? doc.value("status", "<no status>") : "<not JSON>";
}

// `events` quotes of XYZ one second apart, mid 100.
std::string quotes(int events) {
  std::string text = "ts,instrument,bid,bid_size,ask,ask_size\n";
  for (int i = 0; i < events; ++i) {
    text += std::to_string(int64_t{1704187800} * 1'000'000'000 + int64_t{i} * 1'000'000'000) +
            ",XYZ,99.99,1000,100.01,1000\n";
  }
  return text;
}

// A run of keel_test.crashing_strategy over `events` quotes into <dir>/out.
std::string write_run(const TempDir& dir, int events, const nlohmann::json& params) {
  dir.write("quotes.csv", quotes(events));
  nlohmann::json run = {{"run", {{"name", "durable"}, {"seed", 1}}},
                        {"plugin_paths", {kCrashingDir}},
                        {"instruments", {{{"id", "XYZ"}, {"kind", "equity"}}}},
                        {"data", {{{"path", "quotes.csv"}, {"format", "quotes"}}}},
                        {"strategies",
                         {{{"name", "c"},
                           {"factory", "keel_test.crashing_strategy"},
                           {"instruments", {"XYZ"}},
                           {"params", params}}}},
                        {"output", {{"dir", "out"}}}};
  return dir.write("run.json", run.dump(2));
}

size_t fields_in(const std::string& name) {
  if (name == "fills.csv") return 9;
  if (name == "equity.csv") return 7;
  return 17;  // orders.csv (no text cell of these runs holds a comma)
}

// The data rows of a CSV report file, after checking that the file is whole:
// a header, then rows that each end in a newline with every field.
std::vector<std::string> whole_rows(const fs::path& file) {
  const std::string text = read_file(file.string());
  if (text.empty()) {
    ADD_FAILURE() << file << " is missing or empty: not even its header";
    return {};
  }
  EXPECT_EQ(text.back(), '\n') << file << " ends inside a row: ..."
                               << text.substr(text.size() - std::min<size_t>(text.size(), 80));
  std::vector<std::string> rows = split(text, '\n');
  const size_t fields = fields_in(file.filename().string());
  for (const std::string& row : rows) {
    EXPECT_EQ(split(row + ",", ',').size(), fields) << file << ": torn row '" << row << "'";
  }
  if (!rows.empty()) rows.erase(rows.begin());  // the header
  return rows;
}

void expect_no_temporary_files(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

// ---- SIGINT / SIGTERM: stop at the next event, the whole report ------------------------

class CliRunSignal : public ::testing::TestWithParam<int> {};

TEST_P(CliRunSignal, StopsAtTheNextEventAndWritesTheWholeReportSayingInterrupted) {
  const int signal_number = GetParam();
  TempDir dir;
  // 1 ms an event: 100 s in all, unless the signal stops it.
  const std::string run_file = write_run(dir, 100'000, {{"pause_us", 1000}});
  const fs::path out = dir.path() / "out";
  KeelChild child({"run", run_file, "-q"}, dir.path());
  // Rows on disk (the once-a-second flush) mean the loop is well under way.
  ASSERT_TRUE(wait_until([&] {
    return fs::exists(out / "fills.csv") &&
           split(read_file((out / "fills.csv").string()), '\n').size() > 2;
  })) << child.finish(std::chrono::seconds(1));
  child.signal(signal_number);
  const KeelRun r = child.finish();

  EXPECT_EQ(r.exit_code, 128 + signal_number) << r;
  EXPECT_FALSE(r.signaled) << r;
  EXPECT_THAT(r.err, HasSubstr(signal_number == SIGINT ? "interrupted by SIGINT"
                                                       : "interrupted by SIGTERM"))
      << r;
  for (const auto& name : kReportFiles) ASSERT_TRUE(fs::exists(out / name)) << name;
  expect_no_temporary_files(out);
  EXPECT_EQ(status_of(out / "manifest.json"), "interrupted");
  const nlohmann::json summary = read_json(out / "summary.json");
  ASSERT_TRUE(summary.is_object());
  EXPECT_EQ(summary.value("status", ""), "interrupted");
  const int events = summary.value("events", 0);
  EXPECT_GT(events, 0);
  EXPECT_LT(events, 100'000);
  // The report agrees with itself: every fill and every order is there.
  EXPECT_EQ(static_cast<int>(whole_rows(out / "fills.csv").size()), summary.value("num_fills", -1));
  EXPECT_EQ(static_cast<int>(whole_rows(out / "orders.csv").size()),
            summary.value("num_orders", -1));
  EXPECT_FALSE(whole_rows(out / "equity.csv").empty());
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, CliRunSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return info.param == SIGINT ? "Sigint" : "Sigterm";
                         });

TEST(CliRunSignalTwice, ASecondSignalEndsTheRunAtOnceAndTheFilesStayWhole) {
  TempDir dir;
  // A second an event: the first signal waits for the strategy to return.
  const std::string run_file = write_run(dir, 1000, {{"pause_us", 1'000'000}});
  const fs::path out = dir.path() / "out";
  KeelChild child({"run", run_file, "-q"}, dir.path());
  // The CSV files are created after the manifest, orders.csv last.
  ASSERT_TRUE(wait_until([&] {
    return status_of(out / "manifest.json") == "running" &&
           !read_file((out / "orders.csv").string()).empty();
  })) << child.finish(std::chrono::seconds(1));
  child.signal(SIGINT);
  child.signal(SIGTERM);  // delivered after SIGINT (lower numbers first)
  const KeelRun r = child.finish();

  EXPECT_EQ(r.exit_code, 143) << r;
  EXPECT_FALSE(r.signaled) << "it exits, it is not killed" << r;
  // At once: most likely while the strategy sleeps, so the manifest still
  // says "running"; whatever the moment, no file is torn.
  EXPECT_THAT(status_of(out / "manifest.json"), AnyOf("running", "interrupted"));
  for (const char* name : {"fills.csv", "orders.csv", "equity.csv"}) whole_rows(out / name);
}

// ---- SIGKILL and a segfault: whole rows, and the manifest says "running" --------------

TEST(CliRunKilled, SigkillLeavesWholeRowsAndAManifestThatSaysRunning) {
  TempDir dir;
  const std::string run_file = write_run(dir, 100'000, {{"pause_us", 1000}});
  const fs::path out = dir.path() / "out";
  KeelChild child({"run", run_file, "-q"}, dir.path());
  ASSERT_TRUE(wait_until([&] {
    return fs::exists(out / "fills.csv") &&
           split(read_file((out / "fills.csv").string()), '\n').size() > 2;
  })) << child.finish(std::chrono::seconds(1));
  const size_t rows_seen = split(read_file((out / "fills.csv").string()), '\n').size() - 1;
  child.signal(SIGKILL);
  const KeelRun r = child.finish();
  EXPECT_TRUE(r.signaled) << r;

  EXPECT_EQ(status_of(out / "manifest.json"), "running");
  EXPECT_FALSE(fs::exists(out / "summary.json")) << "nothing claims the run ended";
  EXPECT_GE(whole_rows(out / "fills.csv").size(), rows_seen) << "a row on disk was lost";
  whole_rows(out / "orders.csv");
  whole_rows(out / "equity.csv");
}

TEST(CliRunKilled, ASegfaultingStrategyLeavesWholeRowsAndAManifestThatSaysRunning) {
  TempDir dir;
  // 3000 fills (~200 KB) before the fault: several buffers' worth are written.
  const std::string run_file = write_run(dir, 5000, {{"segfault_after", 3000}});
  const fs::path out = dir.path() / "out";
  KeelChild child({"run", run_file, "-q"}, dir.path());
  const KeelRun r = child.finish();
  // Killed by SIGSEGV (under AddressSanitizer: its report, then exit 1).
  EXPECT_NE(r.exit_code, 0) << r;

  EXPECT_EQ(status_of(out / "manifest.json"), "running") << r;
  EXPECT_FALSE(fs::exists(out / "summary.json"));
  const std::vector<std::string> fills = whole_rows(out / "fills.csv");
  EXPECT_GT(fills.size(), 0u) << "full buffers are written as the run goes";
  EXPECT_LT(fills.size(), 3000u);
  whole_rows(out / "orders.csv");
  whole_rows(out / "equity.csv");
}

// ---- a full disk: no torn row under a final name, the manifest says failed -------------

TEST(CliRunFullDisk, AFailedWriteFailsTheRunAndLeavesNoTornRow) {
  TempDir dir;
  const std::string run_file = write_run(dir, 5000, {{"trade_every", 1}});
  const fs::path out = dir.path() / "out";
  // No file may grow past 100 KB: fills.csv and orders.csv (~300 and ~550 KB
  // for 5000 events) cannot be written whole, the small JSON files can.
  constexpr rlim_t kLimit = 100 * 1024;
  KeelChild child({"run", run_file, "-q"}, dir.path(), ChildLimits{kLimit});
  const KeelRun r = child.finish();

  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_FALSE(r.signaled) << r;
  // "keel run: cannot write <a file that exists>: File too large; ...; ... run again"
  const std::string prefix = "keel run: cannot write ";
  ASSERT_THAT(r.err, StartsWith(prefix)) << r;
  const std::string named =
      r.err.substr(prefix.size(), r.err.find(": ", prefix.size()) - prefix.size());
  EXPECT_THAT(named, AnyOf((out / "fills.csv").string(), (out / "orders.csv").string())) << r;
  EXPECT_THAT(r.err, HasSubstr(named + ": File too large;")) << r;
  EXPECT_THAT(r.err, HasSubstr("run again")) << r;
  ASSERT_TRUE(fs::exists(named)) << "the message names a file that exists";
  EXPECT_LE(fs::file_size(named), kLimit);
  EXPECT_GT(whole_rows(named).size(), 0u) << "the rows written before the failure stay";
  for (const char* name : {"fills.csv", "orders.csv", "equity.csv"}) whole_rows(out / name);
  expect_no_temporary_files(out);

  // The run stopped (at the next progress tick) and says why, in both files.
  const nlohmann::json summary = read_json(out / "summary.json");
  ASSERT_TRUE(summary.is_object());
  EXPECT_THAT(summary.value("status", ""), StartsWith("failed: cannot write " + named));
  EXPECT_LT(summary.value("events", 0), 5000);
  EXPECT_EQ(status_of(out / "manifest.json"), summary.value("status", ""));
}

// ---- a folder that holds another run's report -------------------------------------------

// The report files of `dir`, by name.
std::vector<std::string> report_bytes(const fs::path& dir) {
  std::vector<std::string> bytes;
  for (const auto& name : kReportFiles) bytes.push_back(read_file((dir / name).string()));
  return bytes;
}

TEST(CliRunPreviousReport, ARunThatFailsBeforeItsFirstEventMovesTheEarlierReportAside) {
  TempDir dir;
  const std::string good = write_run(dir, 100, {{"trade_every", 10}});
  ASSERT_EQ(run_keel({"run", good, "-q"}).exit_code, 0);
  const fs::path out = dir.path() / "out";
  const std::vector<std::string> earlier = report_bytes(out);
  dir.write("out/notes.txt", "the user's own file\n");

  // Bad params: the strategy cannot be created, before the first event.
  const std::string bad = write_run(dir, 100, {{"trade_every", -1}});
  const KeelRun r = run_keel({"run", bad, "-q"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("/strategies/0/params")) << r;
  EXPECT_THAT(r.err, HasSubstr((out / "previous").string())) << r;

  // The folder says what happened to this run...
  const std::string status = status_of(out / "manifest.json");
  EXPECT_THAT(status, StartsWith("failed: "));
  EXPECT_THAT(status, HasSubstr("trade_every"));
  EXPECT_EQ(status_of(out / "summary.json"), status);
  EXPECT_EQ(whole_rows(out / "fills.csv").size(), 0u);
  // ...the earlier report is whole, aside, and the user's file is untouched.
  EXPECT_EQ(report_bytes(out / "previous"), earlier);
  EXPECT_EQ(read_file((out / "notes.txt").string()), "the user's own file\n");
}

TEST(CliRunPreviousReport, ACompletedRunRemovesTheEarlierReportAndTouchesOnlyKeelsFiles) {
  TempDir dir;
  const std::string run_file = write_run(dir, 100, {{"trade_every", 10}});
  ASSERT_EQ(run_keel({"run", run_file, "-q"}).exit_code, 0);
  const fs::path out = dir.path() / "out";
  dir.write("out/notes.txt", "the user's own file\n");
  // An older previous report, with a file of the user's in it.
  fs::create_directories(out / "previous");
  dir.write("out/previous/summary.json", "{\"status\": \"a much older run\"}\n");
  dir.write("out/previous/mine.txt", "also the user's\n");

  const KeelRun r = run_keel({"run", run_file, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(status_of(out / "manifest.json"), "completed");
  EXPECT_EQ(status_of(out / "summary.json"), "completed");
  EXPECT_FALSE(fs::exists(out / "previous" / "summary.json"));
  EXPECT_FALSE(fs::exists(out / "previous" / "manifest.json"));
  EXPECT_EQ(read_file((out / "previous" / "mine.txt").string()), "also the user's\n");
  EXPECT_EQ(read_file((out / "notes.txt").string()), "the user's own file\n");
  expect_no_temporary_files(out);
}

TEST(CliRunPreviousReport, ARunThatFailsMidwayKeepsTheEarlierReportAside) {
  TempDir dir;
  const std::string good = write_run(dir, 100, {{"trade_every", 10}});
  ASSERT_EQ(run_keel({"run", good, "-q"}).exit_code, 0);
  const fs::path out = dir.path() / "out";
  const std::vector<std::string> earlier = report_bytes(out);

  std::string data = quotes(100);
  data += "9999999999999999999,XYZ,99.99,1000,100.01,1000\n";  // a timestamp out of range
  dir.write("quotes.csv", data);
  const KeelRun r = run_keel({"run", good, "-q"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr((out / "previous").string())) << r;
  EXPECT_THAT(status_of(out / "manifest.json"), StartsWith("failed: "));
  EXPECT_EQ(status_of(out / "summary.json"), status_of(out / "manifest.json"));
  EXPECT_EQ(read_json(out / "summary.json").value("events", 0), 100);
  EXPECT_EQ(report_bytes(out / "previous"), earlier);
}

}  // namespace
}  // namespace keel::cli_test
