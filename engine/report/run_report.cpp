// engine/report/run_report.cpp — the files of a run's output folder.
#include "engine/report/run_report.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "engine/market/timestamp.hpp"
#include "engine/report/report_folder.hpp"
#include "engine/report/row_file.hpp"

namespace keel {
namespace fs = std::filesystem;
namespace {

constexpr size_t kStreamBuffer = 64 * 1024;

constexpr const char* kFillsName = "fills.csv";
constexpr const char* kEquityName = "equity.csv";
constexpr const char* kOrdersName = "orders.csv";
constexpr const char* kEquityByStrategyName = "equity_by_strategy.csv";
constexpr const char* kTradesName = "trades.csv";
constexpr const char* kSummaryName = "summary.json";
constexpr const char* kManifestName = "manifest.json";

constexpr const char* kFillsHeader =
    "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity\n";
constexpr const char* kEquityHeader =
    "ts,cash,equity,realized_pnl,unrealized_pnl,fees,gross_exposure\n";
constexpr const char* kOrdersHeader =
    "order_id,strategy,instrument,side,type,time_in_force,quantity,limit_price,stop_price,"
    "client_tag,submitted_ts,last_update_ts,state,filled_quantity,average_fill_price,fees,"
    "reason\n";
constexpr const char* kEquityByStrategyHeader = "ts,strategy,equity\n";
constexpr const char* kTradesHeader =
    "strategy,instrument,direction,entry_ts,exit_ts,duration_ns,quantity,entry_price,exit_price,"
    "pnl,fees,net_pnl,open\n";

// Rows are written at least this often (wall time), and at the end.
constexpr auto kFlushInterval = std::chrono::seconds(1);

// The shortest digits that read back as `value` (std::to_chars), in fixed
// notation for 1e-6 <= |value| < 1e21 and scientific outside that range (the
// rule JavaScript's Number.toString uses), so prices and cash read naturally
// ("1000000", not "1e+06") and extreme values stay short.
//
// Most numbers in a report are quantities and prices with a few decimals,
// which take a fast path: the fewest decimals k <= 6 such that n / 10^k, for
// the integer n nearest value * 10^k, is exactly `value`. That text reads
// back as `value` (IEEE division rounds n / 10^k as strtod rounds the
// decimal), no text with fewer digits does (smaller k failed), and below
// 1e9 no other n has the same k (doubles there are closer than 1e-6), so it
// is the text to_chars would write. Anything else goes to to_chars.
bool append_short_decimal(std::string& out, double value) {
  constexpr double kPowers[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  const double magnitude = std::fabs(value);
  if (!(magnitude >= 1e-6 && magnitude < 1e9)) return false;
  for (int k = 0; k <= 6; ++k) {
    const double scaled = std::nearbyint(magnitude * kPowers[k]);
    if (scaled / kPowers[k] != magnitude) continue;
    uint64_t n = static_cast<uint64_t>(scaled);
    char digits[24];
    char* end = digits + sizeof digits;
    char* p = end;
    for (int i = 0; i < k; ++i, n /= 10) *--p = static_cast<char>('0' + n % 10);
    if (k > 0) *--p = '.';
    do {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    if (value < 0) *--p = '-';
    out.append(p, end);
    return true;
  }
  return false;
}

void append_number(std::string& out, double value) {
  if (value == 0) value = 0;  // -0 -> 0
  if (append_short_decimal(out, value)) return;
  const double magnitude = std::fabs(value);
  const bool fixed = value == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value,
                                 fixed ? std::chars_format::fixed : std::chars_format::scientific);
  if (ec == std::errc()) out.append(buf, end);
}

void append_timestamp(std::string& out, int64_t ns) {
  char buf[kTimestampTextMax];
  out.append(buf, format_timestamp_to(buf, ns));
}

template <typename Int>
void append_int(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec == std::errc()) out.append(buf, end);
}
void append_uint(std::string& out, uint64_t value) { append_int(out, value); }

// (A plain loop: string_view::find_first_of calls memchr once per
// character of the text, which showed in order-heavy runs.)
bool needs_quotes(std::string_view text) {
  for (const char c : text) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

void append_text(std::string& out, std::string_view text) {
  if (!needs_quotes(text)) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// An enum as its lowercase word, or its number when out of range.
template <size_t N>
void append_enum(std::string& out, int32_t value, const char* const (&names)[N]) {
  if (value >= 0 && static_cast<size_t>(value) < N) {
    out.append(names[value]);
  } else {
    char buf[16];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    if (ec == std::errc()) out.append(buf, end);
  }
}

static_assert(KEEL_SIDE_BUY == 0 && KEEL_SIDE_SELL == 1);
static_assert(KEEL_LIQUIDITY_MAKER == 0 && KEEL_LIQUIDITY_TAKER == 1);
static_assert(KEEL_ORDER_MARKET == 0 && KEEL_ORDER_STOP_LIMIT == 3);
static_assert(KEEL_TIF_GTC == 0 && KEEL_TIF_FOK == 2);
static_assert(KEEL_ORDER_PENDING == 0 && KEEL_ORDER_EXPIRED == 6);


void append_order_row(std::string& out, const OrderRecord& o) {
  append_uint(out, o.order_id);
  out.push_back(',');
  append_text(out, o.strategy);
  out.push_back(',');
  append_text(out, o.instrument);
  out.push_back(',');
  append_enum(out, o.side, kSides);
  out.push_back(',');
  append_enum(out, o.type, kTypes);
  out.push_back(',');
  append_enum(out, o.time_in_force, kTifs);
  out.push_back(',');
  append_number(out, o.quantity);
  out.push_back(',');
  if (has_limit(o.type) || o.limit_price != 0) append_number(out, o.limit_price);
  out.push_back(',');
  if (has_stop(o.type) || o.stop_price != 0) append_number(out, o.stop_price);
  out.push_back(',');
  append_uint(out, o.client_tag);
  out.push_back(',');
  append_timestamp(out, o.submitted_ts);
  out.push_back(',');
  append_timestamp(out, o.last_update_ts);
  out.push_back(',');
  append_enum(out, o.state, kStates);
  out.push_back(',');
  append_number(out, o.filled_quantity);
  out.push_back(',');
  append_number(out, o.average_fill_price);
  out.push_back(',');
  append_number(out, o.fees);
  out.push_back(',');
  append_text(out, o.reason);
  out.push_back('\n');
}

// An open trade leaves exit_ts and duration_ns empty, and exit_price when
// nothing reduced it yet.
void append_trade_row(std::string& out, const TradeRecord& t) {
  append_text(out, t.strategy);
  out.push_back(',');
  append_text(out, t.instrument);
  out.append(t.direction < 0 ? ",short," : ",long,");
  append_timestamp(out, t.entry_ts);
  out.push_back(',');
  if (!t.open) append_timestamp(out, t.exit_ts);
  out.push_back(',');
  if (!t.open) append_int(out, t.exit_ts - t.entry_ts);
  out.push_back(',');
  append_number(out, t.quantity);
  out.push_back(',');
  append_number(out, t.entry_price);
  out.push_back(',');
  if (!t.open || t.exit_price != 0) append_number(out, t.exit_price);
  for (double v : {t.pnl, t.fees, t.net_pnl}) {
    out.push_back(',');
    append_number(out, v);
  }
  out.append(t.open ? ",1\n" : ",0\n");
}

std::string dump(const nlohmann::ordered_json& doc) {
  // Invalid UTF-8 in a name is replaced, never thrown.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

struct RunReportWriter::Files {
  RowFile fills, equity, orders, equity_by_strategy, trades;
  std::chrono::steady_clock::time_point last_write;

  auto all() {
    return std::array<RowFile*, 5>{&fills, &equity, &orders, &equity_by_strategy, &trades};
  }
  void flush_all() {
    for (RowFile* file : all()) file->flush();
    last_write = std::chrono::steady_clock::now();
  }
};

RunReportWriter::RunReportWriter(RunReportWriter&&) noexcept = default;
RunReportWriter& RunReportWriter::operator=(RunReportWriter&&) noexcept = default;
RunReportWriter::~RunReportWriter() {
  if (files_ && !finished_) files_->flush_all();
}

Result<RunReportWriter> RunReportWriter::open(const fs::path& dir, const Manifest& manifest) {
  Result<bool> moved = take_output_folder(dir);
  if (!moved) return moved.status();

  RunReportWriter writer;
  writer.dir_ = dir;
  writer.moved_previous_ = *moved;
  Manifest running = manifest;
  running.status = "running";
  if (Status s = write_file_atomically(dir / kManifestName, manifest_json(running)); !s) return s;

  writer.files_ = std::make_unique<Files>();
  Files& f = *writer.files_;
  const std::pair<RowFile*, std::pair<const char*, const char*>> streams[] = {
      {&f.fills, {kFillsName, kFillsHeader}},
      {&f.equity, {kEquityName, kEquityHeader}},
      {&f.orders, {kOrdersName, kOrdersHeader}},
      {&f.equity_by_strategy, {kEquityByStrategyName, kEquityByStrategyHeader}},
      {&f.trades, {kTradesName, kTradesHeader}}};
  for (const auto& [file, name_header] : streams) {
    if (Status s = file->open(dir / name_header.first, kStreamBuffer); !s) return s;
    file->append(name_header.second);
  }
  // The headers are on disk from the start: a file is never empty.
  f.flush_all();
  for (const auto& [file, name_header] : streams) {
    if (!file->error().is_ok()) return file->error();
  }
  return writer;
}

void RunReportWriter::keep(Status status) {
  if (first_error_.is_ok() && !status.is_ok()) first_error_ = std::move(status);
}

inline void RunReportWriter::row_written() {
  if (++rows_since_clock_ < kRowsPerClockCheck) return;
  rows_since_clock_ = 0;
  flush_if_due();
}

void RunReportWriter::flush_if_due() {
  if (finished_ || !files_) return;
  if (std::chrono::steady_clock::now() - files_->last_write >= kFlushInterval) files_->flush_all();
  // (Also a write that a full buffer made since the last call.)
  for (RowFile* file : files_->all()) keep(file->error());
}

void RunReportWriter::update_manifest(const Manifest& manifest) {
  if (finished_ || !files_) return;
  Manifest running = manifest;
  running.status = "running";
  keep(write_file_atomically(dir_ / kManifestName, manifest_json(running)));
}

void RunReportWriter::fill(const FillRecord& f) {
  if (finished_ || !files_) return;
  std::string& l = line_;
  l.clear();
  append_timestamp(l, f.ts);
  l.push_back(',');
  append_text(l, f.strategy);
  l.push_back(',');
  append_text(l, f.instrument);
  l.push_back(',');
  append_uint(l, f.order_id);
  l.push_back(',');
  append_enum(l, f.side, kSides);
  l.push_back(',');
  append_number(l, f.quantity);
  l.push_back(',');
  append_number(l, f.price);
  l.push_back(',');
  append_number(l, f.fee);
  l.push_back(',');
  append_enum(l, f.liquidity, kLiquidity);
  l.push_back('\n');
  files_->fills.append(l);
  row_written();
}

void RunReportWriter::equity(const EquitySample& e) {
  if (finished_ || !files_) return;
  performance_.add(e);
  std::string& l = line_;
  l.clear();
  append_timestamp(l, e.ts);
  for (double v : {e.cash, e.equity, e.realized_pnl, e.unrealized_pnl, e.fees, e.gross_exposure}) {
    l.push_back(',');
    append_number(l, v);
  }
  l.push_back('\n');
  files_->equity.append(l);
  row_written();
}

void RunReportWriter::order(const OrderRecord& o) {
  if (finished_ || !files_) return;
  line_.clear();
  append_order_row(line_, o);
  files_->orders.append(line_);
  row_written();
}

void RunReportWriter::strategy_equity(const StrategyEquitySample& e) {
  if (finished_ || !files_) return;
  std::string& l = line_;
  l.clear();
  append_timestamp(l, e.ts);
  l.push_back(',');
  append_text(l, e.strategy);
  l.push_back(',');
  append_number(l, e.equity);
  l.push_back('\n');
  files_->equity_by_strategy.append(l);
  row_written();
}

void RunReportWriter::trade(const TradeRecord& t) {
  if (finished_ || !files_) return;
  line_.clear();
  append_trade_row(line_, t);
  files_->trades.append(line_);
  row_written();
}

Status RunReportWriter::finish(const RunSummary& summary, const Manifest& manifest) {
  if (finished_ || !files_)
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "the report in " + dir_.string() + " is already finished");
  finished_ = true;

  // The rows first, on disk, then the files that say the run is over.
  for (RowFile* file : files_->all()) {
    keep(file->sync());
    file->close();
  }
  RunSummary final_summary = summary;
  if (!first_error_.is_ok() &&
      final_summary.status.find(first_error_.message()) == std::string::npos) {
    // The report is incomplete, whatever else happened (a run stopped for
    // this very error says so already); a failure already recorded keeps
    // its place first.
    final_summary.status = final_summary.status.rfind("failed", 0) == 0
                               ? final_summary.status + "; " + first_error_.message()
                               : "failed: " + first_error_.message();
  }
  Status summary_written = write_file_atomically(dir_ / kSummaryName, summary_json(final_summary));
  Manifest final_manifest = manifest;
  final_manifest.status =
      summary_written.is_ok() ? final_summary.status : "failed: " + summary_written.message();
  keep(std::move(summary_written));
  keep(write_file_atomically(dir_ / kManifestName, manifest_json(final_manifest)));
  if (first_error_.is_ok() && final_summary.status == "completed") remove_previous_report(dir_);
  return first_error_;
}

std::string format_number(double value) {
  std::string out;
  append_number(out, value);
  return out;
}

std::string csv_escape(std::string_view text) {
  std::string out;
  append_text(out, text);
  return out;
}

std::string summary_json(const RunSummary& s) {
  using nlohmann::ordered_json;
  ordered_json doc = ordered_json::object();
  doc["run_name"] = s.run_name;
  doc["status"] = s.status;
  doc["currency"] = s.currency;
  if (s.events > 0) {
    doc["first_event"] = format_timestamp(s.first_event_ts);
    doc["last_event"] = format_timestamp(s.last_event_ts);
  } else {
    doc["first_event"] = nullptr;
    doc["last_event"] = nullptr;
  }
  doc["first_event_ts"] = s.first_event_ts;
  doc["last_event_ts"] = s.last_event_ts;
  doc["events"] = s.events;
  doc["initial_cash"] = s.initial_cash;
  doc["final_equity"] = s.final_equity;
  doc["realized_pnl"] = s.realized_pnl;
  doc["unrealized_pnl"] = s.unrealized_pnl;
  doc["total_fees"] = s.total_fees;
  doc["num_orders"] = s.num_orders;
  doc["num_fills"] = s.num_fills;
  doc["max_drawdown"] = s.max_drawdown;
  doc["sharpe"] = s.sharpe;
  ordered_json strategies = ordered_json::array();
  for (const auto& st : s.strategies) {
    ordered_json item = ordered_json::object();
    item["name"] = st.name;
    item["factory"] = st.factory;
    item["status"] = st.status;
    item["initial_cash"] = st.initial_cash;
    item["final_equity"] = st.final_equity;
    item["realized_pnl"] = st.realized_pnl;
    item["unrealized_pnl"] = st.unrealized_pnl;
    item["total_fees"] = st.total_fees;
    item["num_orders"] = st.num_orders;
    item["num_fills"] = st.num_fills;
    strategies.push_back(std::move(item));
  }
  doc["strategies"] = std::move(strategies);
  return dump(doc);
}

std::string manifest_json(const Manifest& m) {
  using nlohmann::ordered_json;
  auto file_hash = [](const Manifest::FileHash& f) {
    ordered_json item = ordered_json::object();
    item["path"] = f.path;
    item["sha256"] = f.sha256;
    return item;
  };
  ordered_json doc = ordered_json::object();
  doc["status"] = m.status;
  doc["keel_version"] = m.keel_version;
  doc["seed"] = m.seed;
  doc["run_file"] = file_hash(m.run_file);
  ordered_json data = ordered_json::array();
  for (const auto& f : m.data_files) data.push_back(file_hash(f));
  doc["data_files"] = std::move(data);
  ordered_json plugins = ordered_json::array();
  for (const auto& p : m.plugins) {
    ordered_json item = ordered_json::object();
    item["id"] = p.id;
    item["version"] = p.version;
    item["path"] = p.path;
    item["sha256"] = p.sha256;
    item["factories"] = p.factories;
    plugins.push_back(std::move(item));
  }
  doc["plugins"] = std::move(plugins);
  return dump(doc);
}

}  // namespace keel
