// engine/report/run_report.hpp — a run's output folder.
//
// `output.dir` receives:
//   fills.csv     ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity
//                 one row per fill, streamed as the fills happen
//   equity.csv    ts,cash,equity,realized_pnl,unrealized_pnl,fees,gross_exposure
//                 one row per equity sample, streamed
//   orders.csv    order_id,strategy,instrument,side,type,time_in_force,quantity,
//                 limit_price,stop_price,client_tag,submitted_ts,last_update_ts,
//                 state,filled_quantity,average_fill_price,fees,reason
//                 every order's final record, in order_id order, streamed as
//                 the orders finish (an order waits for those before it)
//   summary.json  the RunSummary (keys in a fixed order), at the end
//   manifest.json what the run was made of: keel version, seed, SHA-256 of the
//                 run file, of every data file and of every plugin, at the end
//
// Same inputs, byte-identical files: nothing in them depends on the clock,
// the host, the locale or memory addresses. Numbers in the CSV files are the
// shortest digits that read back as the same double (std::to_chars), in fixed
// notation for 1e-6 <= |x| < 1e21 ("1000000", "0.30000000000000004") and
// scientific outside it ("1e+21", "1.5e-07"); "-0" is written "0"; NaN and
// infinities as "nan", "inf", "-inf". Timestamps are ISO-8601 UTC
// (format_timestamp). Enums are lowercase words (side buy|sell, liquidity
// maker|taker, type market|limit|stop|stop_limit, time_in_force gtc|ioc|fok,
// state pending|accepted|partially_filled|filled|canceled|rejected|expired;
// an out-of-range value is written as its number). summary.json and
// manifest.json are nlohmann::ordered_json, 2-space indented, keys in a
// fixed order; their numbers are nlohmann's round-trip form ("1000000.0"),
// a NaN or infinity is null. orders.csv leaves limit_price
// empty for an order type without a limit (market, stop) and stop_price empty
// for one without a stop (market, limit), when the value is 0. A text cell
// (strategy, instrument, reason) is quoted, with quotes doubled, when it
// holds a comma, a quote or a line break (RFC 4180).
//
// Every file is written as `<name>.partial` and renamed into place by
// finish(), so a run that dies without reaching finish() leaves only
// `.partial` files, never a complete-looking report. A run that fails
// still calls finish() (status "failed: ...") and gets every file, holding
// what happened up to the failure. open() removes the five report files (and
// their .partial forms) a previous run may have left in the folder, so it
// never mixes two runs; other files in the folder are left alone.
//
// Memory stays flat: fills, equity and order rows go straight to buffered
// streams; only the performance tracker's bounded state is kept.
//
// Threading: one writer is used from one thread (the loop's).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/report/performance.hpp"
#include "engine/report/records.hpp"

namespace keel {

// manifest.json. Paths are written as given; entries in the order given.
struct Manifest {
  std::string keel_version;
  uint64_t seed = 0;
  struct FileHash {
    std::string path;
    std::string sha256;
  };
  FileHash run_file;
  std::vector<FileHash> data_files;
  struct PluginEntry {
    std::string id, version, path, sha256;
    std::vector<std::string> factories;
  };
  std::vector<PluginEntry> plugins;
};

class RunReportWriter final : public RunRecorder {
 public:
  // Creates `dir` (and its parents) and opens fills.csv.partial,
  // equity.csv.partial and orders.csv.partial with their header rows. KEEL_ERR_INVALID_ARGUMENT,
  // naming the path and the system's reason, when the folder cannot be
  // created or a file in it cannot be opened.
  static Result<RunReportWriter> open(const std::filesystem::path& dir);

  RunReportWriter(RunReportWriter&&) noexcept;
  RunReportWriter& operator=(RunReportWriter&&) noexcept;
  RunReportWriter(const RunReportWriter&) = delete;
  RunReportWriter& operator=(const RunReportWriter&) = delete;
  // Without finish(): flushes and closes the .partial files, renames nothing.
  ~RunReportWriter() override;

  // One fills.csv / equity.csv / orders.csv row. A write error is remembered
  // and returned by finish(). Ignored after finish(). Orders are written in
  // the order given: the engine gives them in order_id order.
  void fill(const FillRecord& fill) override;
  void equity(const EquitySample& sample) override;
  void order(const OrderRecord& order) override;

  // Max drawdown and Sharpe over the samples given to add_equity, for the
  // caller to put in the RunSummary it passes to finish().
  const PerformanceTracker& performance() const { return performance_; }

  // Closes fills.csv, equity.csv and orders.csv, writes summary.json and
  // manifest.json, and renames all five into place. Called for failed runs
  // too. The first error (a failed write, close or rename)
  // is returned, naming the file; files that could be completed still are.
  // A second call returns KEEL_ERR_INVALID_ARGUMENT.
  Status finish(const RunSummary& summary, const Manifest& manifest);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Stream;  // a buffered ofstream on a .partial file
  RunReportWriter() = default;

  std::filesystem::path dir_;
  std::unique_ptr<Stream> fills_;
  std::unique_ptr<Stream> equity_;
  std::unique_ptr<Stream> orders_;
  std::string line_;  // reused row buffer
  PerformanceTracker performance_;
  Status first_error_;
  bool finished_ = false;
};

// The texts the report files use, exposed for tests and the CLI.
std::string format_number(double value);  // as in the CSV files
std::string csv_escape(std::string_view text);
std::string summary_json(const RunSummary& summary);  // summary.json's bytes
std::string manifest_json(const Manifest& manifest);  // manifest.json's bytes

}  // namespace keel
