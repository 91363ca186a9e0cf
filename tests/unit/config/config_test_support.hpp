// Helpers for the run-file tests: a temporary folder that holds a run file
// and its data files, removed at the end of the test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"

namespace keel::test {

using OJson = nlohmann::ordered_json;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "keel_config_";
    if (info != nullptr) name += std::string(info->test_suite_name()) + "_" + info->name() + "_";
    name += std::to_string(::getpid()) + "_" + std::to_string(counter++);
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (folders created) and returns the full path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// A complete valid run file, as in the issue; its data files are
// data/quotes.csv and data/aapl_bars.csv next to it.
inline OJson full_run_file() {
  return OJson::parse(R"({
  "run": {"name": "demo", "seed": 42, "start": "2024-01-02T14:30:00Z", "end": "2024-01-03",
          "currency": "USD", "initial_cash": 1000000, "equity_interval": "1m"},
  "plugin_paths": ["plugins"],
  "instruments": [
    {"id": "AAPL", "kind": "equity", "tick_size": 0.01, "lot_size": 1, "multiplier": 1},
    {"id": "ESZ4", "kind": "future", "expiry": "2024-12-20", "multiplier": 50, "tick_size": 0.25},
    {"id": "AAPL-C190", "kind": "option", "underlying": "AAPL", "strike": 190,
     "expiry": "2024-03-15T20:00:00Z", "right": "call", "exercise": "american", "multiplier": 100}
  ],
  "data": [
    {"path": "data/quotes.csv", "format": "quotes"},
    {"path": "data/aapl_bars.csv", "format": "bars", "instrument": "AAPL"}
  ],
  "venue": {"order_latency_ns": 1000000, "report_latency_ns": 0, "maker_fee_bps": -0.2,
            "taker_fee_bps": 0.5, "fee_per_order": 0.0, "fill_on_trades": true,
            "cap_bar_fills_at_volume": true},
  "risk": {"max_order_quantity": 1000, "max_position": 5000, "max_gross_notional": 2000000,
           "max_open_orders": 20, "price_collar_pct": 5, "max_drawdown_pct": 20},
  "pricing_models": {"bs": {"factory": "keel.black_scholes", "params": {}}},
  "strategies": [
    {"name": "trend", "factory": "keel.sma_cross", "instruments": ["AAPL"],
     "params": {"fast": 10, "slow": 30, "quantity": 100}, "risk": {"max_position": 100},
     "initial_cash": 100000, "on_error": "stop_run"}
  ],
  "output": {"dir": "out/demo"}
})");
}

// A run-file fixture: a temp folder with the data files of full_run_file().
class RunFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("data/quotes.csv", "ts,instrument,bid,bid_size,ask,ask_size\n");
    dir_.write("data/aapl_bars.csv", "ts,open,high,low,close,volume\n");
  }

  ConfigResult load(const OJson& doc) { return load_text(doc.dump(2)); }
  ConfigResult load_text(const std::string& text) {
    return load_run_config(dir_.write("run.json", text));
  }

  // The errors of a result as "pointer: message" lines.
  static std::vector<std::string> errors(const ConfigResult& result) {
    std::vector<std::string> out;
    for (const ConfigError& e : result.errors) out.push_back(e.pointer + ": " + e.message);
    return out;
  }
  // The single error of a document that should have exactly one.
  std::string only_error(const OJson& doc) {
    ConfigResult result = load(doc);
    EXPECT_FALSE(result.config.has_value());
    EXPECT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(errors(result));
    return result.errors.empty() ? std::string() : errors(result).front();
  }

  TempDir dir_;
};

}  // namespace keel::test
