// tests/run/run_harness.hpp — whole engine runs for the run-loop tests.
//
// A Scenario is a temporary folder holding CSV data files and a run file
// (built with nlohmann::json); execute() parses the run file with the
// config API, loads the scripted test strategy (keel_test.scripted, built
// into KEEL_TEST_SCRIPTED_DIR), runs the Engine with an in-memory recorder
// and returns the RunResult, the fills, equity samples and orders the
// recorder saw, and each scripted strategy's journal (one line per callback it
// received; see tests/run/scripted/scripted_strategy.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"
#include "engine/core/status.hpp"
#include "engine/report/records.hpp"
#include "engine/run/engine.hpp"

namespace keel::test {

using nlohmann::json;

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Keeps what a run records (fills, equity samples, the orders' final
// records) in memory.
class MemoryRecorder final : public RunRecorder {
 public:
  void fill(const FillRecord& fill) override {
    fills.push_back(fill);
    sequence.push_back("fill order=" + std::to_string(fill.order_id));
    if (on_fill) on_fill(fill);
  }
  void equity(const EquitySample& sample) override { samples.push_back(sample); }
  void strategy_equity(const StrategyEquitySample& sample) override {
    by_strategy.push_back(sample);
  }
  void trade(const TradeRecord& trade) override { trades.push_back(trade); }
  void order(const OrderRecord& order) override {
    orders.push_back(order);
    sequence.push_back("order " + std::to_string(order.order_id));
  }

  std::vector<FillRecord> fills;
  std::vector<EquitySample> samples;
  std::vector<StrategyEquitySample> by_strategy;
  std::vector<TradeRecord> trades;  // closed as they closed, then the open ones
  std::vector<OrderRecord> orders;  // in order_id order, as the engine gives them
  // Fills and order records in the order they were recorded:
  // "fill order=N", "order N".
  std::vector<std::string> sequence;
  std::function<void(const FillRecord&)> on_fill;  // called on every fill, when set
};

// What a test adds to a run: Engine::stop_on's flag, and a call on every fill.
struct RunHooks {
  const std::atomic<int>* stop_flag = nullptr;
  std::function<void(const FillRecord&)> on_fill;
};

// ---- scripted strategy params ----------------------------------------------------

// {"instrument": .., "side": .., "type": .., "tif": .., "quantity": .., "limit": .., "stop": ..}
json order(const std::string& instrument, const std::string& side, const std::string& type,
           double quantity, double limit = 0, double stop = 0, const std::string& tif = "gtc");
// {"on": on, "n": n, "do": "submit", "order": order}
json submit_on(const std::string& on, int64_t n, const json& order);
// {"on": on, "n": n, "do": "cancel", "order_index": index}
json cancel_on(const std::string& on, int64_t n, size_t order_index);
// {"on": on, "n": n, "do": "timer", "delay_ns": delay, "cookie": cookie}
json timer_on(const std::string& on, int64_t n, int64_t delay_ns, uint64_t cookie);
// {"on": on, "n": n, "do": what}  (what = "fail" or "throw")
json do_on(const std::string& on, int64_t n, const std::string& what);

// ---- a run ----------------------------------------------------------------------------

struct StrategySetup {
  std::string name;
  std::vector<std::string> instruments;
  json actions = json::array();
  json extra = json::object();   // merged into the strategy entry: risk, on_error, initial_cash
  json params = json::object();  // merged into its params: "observe", ...
};

struct RunOutput {
  std::vector<ConfigError> config_errors;  // parse_run_config failed when non-empty
  Status prepare;                          // Engine::prepare
  bool ran = false;                        // Engine::run was called
  RunResult result;
  std::vector<FillRecord> fills;
  std::vector<EquitySample> equity;
  std::vector<StrategyEquitySample> equity_by_strategy;
  std::vector<TradeRecord> trades;
  std::vector<OrderRecord> orders;
  std::vector<std::string> recorded;                         // MemoryRecorder::sequence
  std::map<std::string, std::vector<std::string>> journals;  // by strategy name

  // A strategy's journal (empty when it wrote none).
  const std::vector<std::string>& journal(const std::string& strategy = "s") const;
  // The order with this run-wide id (1-based); fails the test if absent.
  const OrderRecord& order(uint64_t id) const;
  // A strategy's summary block; fails the test if absent.
  const StrategySummary& strategy(const std::string& name = "s") const;
};

class Scenario {
 public:
  Scenario();

  // Instruments: an equity with the given tick and lot (multiplier 1), or
  // any instrument object.
  Scenario& equity(const std::string& symbol, double tick = 0.01, double lot = 1);
  Scenario& instrument(const json& spec);
  // Writes `csv` (header included) to `file` in the scenario folder and lists
  // it in the run file's data.
  Scenario& data(const std::string& file, const std::string& format, const std::string& csv,
                 std::optional<std::string> instrument = std::nullopt);
  // A scripted strategy; its journal goes to <folder>/<name>.journal.
  StrategySetup& strategy(const std::string& name, std::vector<std::string> instruments,
                          json actions = json::array());

  // A pricing model of the run (factory from the build's plugin folder).
  Scenario& pricing_model(const std::string& name, const std::string& factory,
                          json params = json::object());

  json& run() { return run_; }      // the run file's "run" object
  json& venue() { return venue_; }  // its "venue" object
  json& risk() { return risk_; }    // its "risk" object (left out when empty)

  // The run file as execute() writes it.
  json document() const;
  const std::filesystem::path& folder() const { return dir_.path(); }

  // Writes the run file, parses it, and runs the engine. May be called more
  // than once (each call is a fresh Host and Engine).
  RunOutput execute(const RunHooks& hooks = {}) const;

 private:
  TempDir dir_;
  json run_ = {{"name", "scenario"}};
  json instruments_ = json::array();
  json data_ = json::array();
  json venue_ = json::object();
  json risk_ = json::object();
  json pricing_models_ = json::object();
  std::vector<StrategySetup> strategies_;
};

// ---- journal helpers -------------------------------------------------------------------

// The lines that start with `prefix` ("fill", "update", "quote ts=2000").
std::vector<std::string> lines_with_prefix(const std::vector<std::string>& journal,
                                           const std::string& prefix);
// Index of the first line starting with `prefix`, or -1.
long index_of(const std::vector<std::string>& journal, const std::string& prefix);
// The whole journal, one line per row, for failure messages.
std::string dump(const std::vector<std::string>& journal);

}  // namespace keel::test
