// engine/config/run_config.hpp — a run file (`keel run backtest.json`),
// parsed and checked.
//
// Parsing is strict: unknown keys, wrong types, out-of-range values and bad
// references (a strategy naming an instrument or model that does not exist)
// are errors, each with the JSON pointer where it is, what was expected, and
// a "did you mean" for near-miss keys and names. Every error in the file is
// collected, not just the first. config/run.schema.json describes the same
// format for editors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/latency_config.hpp"
#include "engine/core/status.hpp"
#include "engine/data/data_spec.hpp"
#include "engine/market/instrument.hpp"

namespace keel {

// How a resting limit of a depth instrument advances in its level's queue
// (docs/venue.md, "Depth"): risk_averse moves it only on trades at its price
// and on the level shrinking below it; power and log also move it forward on
// part of every decrease, with the probability f(back) / (f(back) +
// f(front)), f(x) = x^exponent or ln(1 + x) (hftbacktest's ProbQueueModel).
enum class QueueModel { risk_averse, power, log };

struct VenueSpec {
  int64_t order_latency_ns = 0;   // strategy -> venue, for orders and cancels
  int64_t report_latency_ns = 0;  // venue -> strategy, for fills and order updates
  double maker_fee_bps = 0;       // of notional; negative = rebate
  double taker_fee_bps = 0;
  double fee_per_order = 0;       // run currency, charged on an order's first fill
  bool fill_on_trades = true;     // resting limits also fill against trade prints
  bool cap_bar_fills_at_volume = true;  // bar fills limited to the bar's volume
  QueueModel queue_model = QueueModel::risk_averse;  // depth instruments
  double queue_exponent = 3;                         // QueueModel::power
  LatencySpec latency;                  // models instead of the constants (latency_config.hpp)
};

// Limits checked before an order leaves the strategy. Absent = unlimited.
struct RiskSpec {
  std::optional<double> max_order_quantity;
  std::optional<double> max_position;        // absolute, per instrument
  std::optional<double> max_gross_notional;  // run currency, positions + the order
  std::optional<int64_t> max_open_orders;
  std::optional<double> price_collar_pct;    // limit within this % of the last mid
  std::optional<double> max_drawdown_pct;    // kill switch: % below peak equity
};

// Buying power ("account"), checked before every order (engine/run/risk.hpp).
// On by default: a cash account, which spends only the cash it has and
// cannot sell short. Margin and leverage only when the run file says so.
enum class AccountType { cash, margin };
struct AccountSpec {
  AccountType type = AccountType::cash;
  // Margin accounts: gross exposure (positions, open orders, the order) up to
  // leverage x equity; shorts allowed. Always 1 for a cash account.
  double leverage = 1;
};

struct ModelSpec {
  std::string name;
  std::string factory;         // factory id, e.g. "keel.black_scholes"
  nlohmann::json params = nlohmann::json::object();
  std::string pointer;         // "/pricing_models/bs" for messages
};

enum class OnStrategyError { stop_run, disable_strategy };

// A strategy written in Python ("python": {"script": ..., "class": ...}).
struct PythonStrategySpec {
  std::filesystem::path script;  // resolved against the run file's folder; empty for a
                                 // class handed over as an object (RunFileOptions)
  std::string class_name;
  std::string pointer;           // "/strategies/0/python" for messages
};

struct StrategySpec {
  std::string name;
  std::string factory;                 // factory id (native strategies)
  std::optional<PythonStrategySpec> python;  // instead of a factory
  std::vector<std::string> instruments;
  nlohmann::json params = nlohmann::json::object();
  RiskSpec risk;                       // the run's risk section, overridden per key
  AccountSpec account;                 // the run's account section, overridden per key
  std::optional<double> initial_cash;  // default: run.initial_cash
  OnStrategyError on_error = OnStrategyError::stop_run;
  std::string pointer;                 // "/strategies/0"
};

struct RunConfig {
  std::filesystem::path file;  // the run file itself
  std::string name;
  uint64_t seed = 0;
  std::optional<int64_t> start_ns;  // events before are skipped
  std::optional<int64_t> end_ns;    // events at or after end the run
  std::string currency = "USD";
  double initial_cash = 1'000'000;
  std::vector<std::filesystem::path> plugin_paths;  // resolved against the run file's folder
  InstrumentTable instruments;
  std::vector<DataSpec> data;
  VenueSpec venue;
  RiskSpec risk;
  AccountSpec account;
  std::vector<ModelSpec> pricing_models;
  std::vector<StrategySpec> strategies;
  std::filesystem::path output_dir;  // resolved against the run file's folder
  int64_t equity_interval_ns = 60'000'000'000;  // equity.csv sampling, simulated time
};

struct ConfigError {
  std::string pointer;  // JSON pointer, "" for the whole document
  std::string message;  // what was expected / what is wrong (+ "did you mean")
};

// Reads and checks a run file. On failure every error is returned, in
// document order. The file is read as engine/config/run_file_reader.hpp
// says (at most 64 MiB, no devices, pipes allowed) and parsed as
// engine/config/json_document.hpp says (at most 128 levels deep).
struct ConfigResult {
  std::optional<RunConfig> config;
  std::vector<ConfigError> errors;
  // The bytes that were read (load_run_config): a run file may be a pipe,
  // which cannot be read twice, so its hash comes from these.
  std::string text;
};
// What the program reading a run file adds to the schema.
struct RunFileOptions {
  // Python strategy classes the program handed over as objects (keel.run in
  // a Python program): a strategy's "python" may then name one of them as
  // its "class" with no "script" (PythonStrategySpec::script stays empty).
  std::vector<std::string> python_classes;
};

ConfigResult load_run_config(const std::filesystem::path& file);
// `file` names the text in messages and is the folder relative paths start
// from (for text that is not a file, e.g. "<dict>": the working directory).
ConfigResult parse_run_config(const std::string& json_text, const std::filesystem::path& file,
                              const RunFileOptions& options = {});

// "file.json: /strategies/0/instruments/1: unknown instrument 'APPL'; did you mean 'AAPL'?"
std::string format_config_error(const std::filesystem::path& file, const ConfigError& error);
// Every error, one line each (newline-terminated), to print in one write: a
// hostile file can have 100k errors and std::cerr is unbuffered.
std::string format_config_errors(const std::filesystem::path& file,
                                 const std::vector<ConfigError>& errors);

}  // namespace keel
