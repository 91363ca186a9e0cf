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
//   equity_by_strategy.csv  ts,strategy,equity
//                 at every equity.csv sample, one row per strategy (run
//                 file order): its own account's equity; the rows of one ts
//                 sum to equity.csv's equity. Streamed
//   trades.csv    strategy,instrument,direction,entry_ts,exit_ts,duration_ns,
//                 quantity,entry_price,exit_price,pnl,fees,net_pnl,open
//                 round trips (TradeRecord), streamed as they close, then
//                 those still open at the end (open 1: exit_ts and
//                 duration_ns empty, exit_price empty until something
//                 reduced the trade, pnl including the unrealised PnL at the
//                 last mark); direction long|short, duration_ns an integer
//   summary.json  the RunSummary (keys in a fixed order), at the end
//   manifest.json how the run stands ("status": running, then completed,
//                 interrupted or failed: <why>) and what it was made of: keel
//                 version, seed, SHA-256 of the run file, of every data file
//                 and of every plugin; when the run starts and at the end
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
// How a run keeps its rows and says how it ended:
//   - open() takes the folder (report_folder.hpp: the report a previous run
//     left moves into `previous/`; other files are never touched), then
//     writes manifest.json with "status": "running", then creates the CSV
//     files under their final names with their header rows. The CSV files are not written as
//     `.partial` and renamed: a manifest that says "running" already tells a reader the rows stop
//     where the run stopped, and a run killed outright (SIGKILL, a segfault)
//     then leaves its rows where a reader looks for them.
//   - Rows go to a buffer per file and are written in whole rows
//     (row_file.hpp): when the buffer is full, when a second of wall time
//     has passed (checked every kRowsPerClockCheck rows and by
//     flush_if_due(), which the run's progress tick calls), and at
//     finish(). A killed run's files hold every row written up to the last
//     write, each whole.
//   - finish() writes the last rows and fsyncs the CSV files, then replaces
//     summary.json and manifest.json atomically (temporary file, fsync,
//     rename), manifest.json last, with the run's status: "completed",
//     "interrupted" or "failed: <why>". So a manifest that says "completed"
//     stands beside a complete report. A completed run removes `previous/`.
//   - A write that fails (a full disk, a file size limit, an I/O error)
//     leaves its file holding the whole rows written before it, and that file
//     takes no more rows; the error names the file and says what to do. The
//     run is then "failed: <the error>" in summary.json and manifest.json,
//     when they can still be written; a manifest that cannot be written
//     stays "running".
//
// Memory stays flat: every CSV row goes straight to buffered
// streams; only the performance tracker's bounded state is kept.
//
// Threading: one writer is used from one thread (the loop's).
#pragma once

#include <cstdint>
#include <filesystem>
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
  std::string status = "running";  // as summary.json's status, or "running"
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
  // Rows between two looks at the clock (a second since the last write?).
  static constexpr uint32_t kRowsPerClockCheck = 64;

  // Takes `dir` (creating it and its parents, moving a previous report into
  // `previous/`), writes manifest.json with status "running" and the rest of
  // `manifest`, and creates the five CSV files with their header rows. KEEL_ERR_INVALID_ARGUMENT
  // naming the path and the system's reason when the folder cannot be taken; KEEL_ERR_INTERNAL with
  // a write_error_message when a file cannot be written.
  static Result<RunReportWriter> open(const std::filesystem::path& dir,
                                      const Manifest& manifest = {});

  RunReportWriter(RunReportWriter&&) noexcept;
  RunReportWriter& operator=(RunReportWriter&&) noexcept;
  RunReportWriter(const RunReportWriter&) = delete;
  RunReportWriter& operator=(const RunReportWriter&) = delete;
  // Without finish(): writes the rows still buffered; manifest.json keeps
  // saying "running".
  ~RunReportWriter() override;

  // One fills.csv / equity.csv / orders.csv / equity_by_strategy.csv /
  // trades.csv row. A failed write shows in
  // write_error() from the next flush_if_due() on. Ignored after finish(). Orders are written in
  // the order given: the engine gives them in order_id order.
  void fill(const FillRecord& fill) override;
  void opening(double equity) override { performance_.open(equity); }
  void equity(const EquitySample& sample) override;
  void order(const OrderRecord& order) override;
  void strategy_equity(const StrategyEquitySample& sample) override;
  void trade(const TradeRecord& trade) override;

  // Writes the buffered rows when a second or more has passed since the
  // last write, and takes note of failed writes: for the run's progress
  // tick (one clock read per call).
  void flush_if_due();

  // Rewrites the "running" manifest.json with `manifest` (e.g. once the
  // plugins are loaded). A failure is kept in write_error().
  void update_manifest(const Manifest& manifest);

  // The first failed write that flush_if_due() or update_manifest() saw (ok
  // while there is none): the run should stop, its report cannot be whole.
  const Status& write_error() const { return first_error_; }

  // Max drawdown and Sharpe over the samples given to add_equity, for the
  // caller to put in the RunSummary it passes to finish().
  const PerformanceTracker& performance() const { return performance_; }

  // Writes the last rows and fsyncs the CSV files,
  // then writes summary.json and manifest.json (atomically, manifest last)
  // with `summary.status` as the run's status, or "failed: <error>" when a
  // write failed, and removes `previous/` when the status is "completed".
  // Called for failed and interrupted runs too. Returns the first write
  // error, naming the file. A second call returns KEEL_ERR_INVALID_ARGUMENT.
  Status finish(const RunSummary& summary, const Manifest& manifest);

  const std::filesystem::path& dir() const { return dir_; }
  // Whether open() moved a previous report into `<dir>/previous/`.
  bool moved_previous_report() const { return moved_previous_; }

 private:
  struct Files;  // the RowFiles and when they were last written
  RunReportWriter() = default;
  void row_written();
  void keep(Status status);

  std::filesystem::path dir_;
  std::unique_ptr<Files> files_;
  std::string line_;  // reused row buffer
  PerformanceTracker performance_;
  Status first_error_;
  uint32_t rows_since_clock_ = 0;
  bool moved_previous_ = false;
  bool finished_ = false;
};

// The words the CSV files write for the enums, indexed by the ABI value
// (KEEL_SIDE_*, KEEL_LIQUIDITY_*, KEEL_ORDER_* types, KEEL_TIF_*, KEEL_ORDER_*
// states).
inline constexpr const char* kSides[] = {"buy", "sell"};
inline constexpr const char* kLiquidity[] = {"maker", "taker"};
inline constexpr const char* kTypes[] = {"market", "limit", "stop", "stop_limit"};
inline constexpr const char* kTifs[] = {"gtc", "ioc", "fok"};
inline constexpr const char* kStates[] = {"pending",  "accepted", "partially_filled", "filled",
                                          "canceled", "rejected", "expired"};

// Whether orders.csv has a limit / stop price cell for an order type.
inline bool has_limit(int32_t type) {
  return type == KEEL_ORDER_LIMIT || type == KEEL_ORDER_STOP_LIMIT;
}
inline bool has_stop(int32_t type) {
  return type == KEEL_ORDER_STOP || type == KEEL_ORDER_STOP_LIMIT;
}

// The texts the report files use, exposed for tests and the CLI.
std::string format_number(double value);  // as in the CSV files
std::string csv_escape(std::string_view text);
std::string summary_json(const RunSummary& summary);  // summary.json's bytes
std::string manifest_json(const Manifest& manifest);  // manifest.json's bytes

}  // namespace keel
