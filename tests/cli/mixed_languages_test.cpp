// config/examples/mixed_languages.json through `keel run`: a C++ pricing
// model (keel.black_scholes), a Rust strategy (keel.momentum) and an OCaml
// strategy (keel.delta_hedger, pricing its option through the C++ model by
// name) in one backtest over examples/data/demo_quotes.csv. The run ends ok,
// both strategies trade, the hedger ends holding the delta hedge computed
// here in closed form (and by `keel price` with the same model), and a
// second run writes the same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keel_process.hpp"

namespace keel {
namespace {

using cli_test::KeelRun;
using cli_test::read_file;
using cli_test::run_keel;
using cli_test::split;
using cli_test::TempDir;
using nlohmann::json;

const std::filesystem::path kSource = KEEL_SOURCE_DIR;
const std::filesystem::path kRunFile = kSource / "config/examples/mixed_languages.json";
// The hedger's year: ACT/365 (plugins/delta_hedger/delta_hedger.ml).
constexpr double kYearNs = 365.0 * 86'400e9;

// "2024-01-02T15:29:59.104259Z" (or without fraction / time) -> ns since the epoch.
int64_t parse_utc_ns(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(
      text.c_str(), text.find('T') == std::string::npos ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) throw std::runtime_error("bad time: " + text);
  int64_t ns = static_cast<int64_t>(timegm(&tm)) * 1'000'000'000;
  if (*rest == '.') {
    int64_t scale = 100'000'000;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) ns += (*rest - '0') * scale;
  }
  return ns;
}

double norm_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Black-Scholes-Merton delta of a European option, written out here so the
// check does not rest on the model the run used.
double bsm_delta(bool call, double spot, double strike, double years, double vol, double rate,
                 double dividend) {
  const double d1 = (std::log(spot / strike) + (rate - dividend + 0.5 * vol * vol) * years) /
                    (vol * std::sqrt(years));
  const double carry = std::exp(-dividend * years);
  return call ? carry * norm_cdf(d1) : -carry * norm_cdf(-d1);
}

struct Quote {
  int64_t ts = 0;
  double bid = 0, ask = 0;
  double mid() const { return 0.5 * (bid + ask); }
};

// The last AAPL quote of the run's data file.
Quote last_quote(const std::filesystem::path& csv) {
  const std::vector<std::string> lines = split(read_file(csv.string()), '\n');
  Quote q;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = split(lines[i], ',');
    if (f.size() < 6 || f[1] != "AAPL") continue;
    q = {parse_utc_ns(f[0]), std::stod(f[2]), std::stod(f[4])};
  }
  return q;
}

struct StrategyFills {
  int count = 0;
  double position = 0;  // signed shares, from the fills
};

// fills.csv (ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity) per strategy.
std::map<std::string, StrategyFills> read_fills(const std::filesystem::path& file) {
  const std::vector<std::string> lines = split(read_file(file.string()), '\n');
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.at(0), "ts,strategy,instrument,order_id,side,quantity,price,fee,liquidity");
  std::map<std::string, StrategyFills> fills;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const std::vector<std::string> f = split(lines[i], ',');
    EXPECT_EQ(f.size(), 9u) << lines[i];
    if (f.size() != 9) continue;
    EXPECT_EQ(f[2], "AAPL") << lines[i];
    StrategyFills& s = fills[f[1]];
    ++s.count;
    const double quantity = std::stod(f[5]);
    EXPECT_TRUE(f[4] == "buy" || f[4] == "sell") << lines[i];
    s.position += f[4] == "buy" ? quantity : -quantity;
  }
  return fills;
}

class CliMixedLanguages : public ::testing::Test {
 protected:
  KeelRun run(const std::filesystem::path& out) {
    return run_keel({"run", kRunFile.string(), "--output", out.string(), "--quiet"});
  }
  TempDir tmp_;
};

TEST_F(CliMixedLanguages, RunFileIsValid) {
  KeelRun r = run_keel({"validate", kRunFile.string()});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(CliMixedLanguages, CppModelRustAndOcamlStrategiesTradeInOneRun) {
  const json config = json::parse(read_file(kRunFile.string()));
  const std::filesystem::path out = tmp_.path() / "out";
  KeelRun r = run(out);
  ASSERT_EQ(r.exit_code, 0) << r;

  const json summary = json::parse(read_file((out / "summary.json").string()));
  EXPECT_EQ(summary.at("status"), "completed") << summary.dump(2);
  ASSERT_EQ(summary.at("strategies").size(), 2u);
  for (const json& s : summary.at("strategies")) {
    EXPECT_EQ(s.at("status"), "completed") << s.dump(2);
    EXPECT_GT(s.at("num_fills").get<int>(), 0) << s.dump(2);
  }

  // The three plugins, one per language, are the ones the run loaded.
  const std::string manifest = read_file((out / "manifest.json").string());
  for (const char* plugin : {"keel_black_scholes.so", "keel_momentum.so", "keel_delta_hedger.so"}) {
    EXPECT_NE(manifest.find(plugin), std::string::npos) << plugin << " not in " << manifest;
  }

  std::map<std::string, StrategyFills> fills = read_fills(out / "fills.csv");
  EXPECT_GT(fills["momentum"].count, 0) << "the Rust strategy never traded";
  EXPECT_GT(fills["hedger"].count, 0) << "the OCaml strategy never traded";
  EXPECT_EQ(fills.size(), 2u);

  // The hedger holds -delta x contracts x multiplier at the last quote's
  // mid, to within its re-hedge threshold (plus rounding to whole shares).
  const json& params = config.at("strategies").at(1).at("params");
  ASSERT_EQ(config.at("strategies").at(1).at("factory"), "keel.delta_hedger");
  const json& option = params.at("option");
  const Quote last =
      last_quote(kRunFile.parent_path() / config.at("data").at(0).at("path").get<std::string>());
  ASSERT_GT(last.ts, 0);
  const double years =
      static_cast<double>(parse_utc_ns(option.at("expiry").get<std::string>()) - last.ts) / kYearNs;
  ASSERT_GT(years, 0.0);
  const bool call = option.at("right") == "call";
  const double strike = option.at("strike"), vol = option.at("vol"), rate = option.at("rate"),
               dividend = option.at("dividend");
  const double delta = bsm_delta(call, last.mid(), strike, years, vol, rate, dividend);
  const double contracts = params.at("contracts"), multiplier = params.at("multiplier"),
               threshold = params.at("threshold");
  const double target = -delta * contracts * multiplier;
  ASSERT_GT(std::abs(target), 10 * threshold) << "the example should hold a real hedge";
  EXPECT_LE(std::abs(fills["hedger"].position - target), threshold + 1.0)
      << "hedger holds " << fills["hedger"].position
      << " shares; -delta x contracts x multiplier = " << target << " (delta " << delta
      << " at mid " << last.mid() << ", " << years << " years)";

  // The C++ model the hedger priced with agrees with the closed form.
  KeelRun price =
      run_keel({"price", "--model", "keel.black_scholes", "--spot", cli_test::exact(last.mid()),
                "--strike", cli_test::exact(strike), "--expiry", cli_test::exact(years), "--vol",
                cli_test::exact(vol), "--rate", cli_test::exact(rate), "--dividend",
                cli_test::exact(dividend), "--right", call ? "call" : "put", "--json"});
  ASSERT_EQ(price.exit_code, 0) << price;
  EXPECT_NEAR(json::parse(price.out).at("delta").get<double>(), delta, 1e-10);

  // The Rust strategy's position is bounded by its quantity (long, short or flat).
  const double quantity = config.at("strategies").at(0).at("params").at("quantity");
  EXPECT_LE(std::abs(fills["momentum"].position), quantity);
}

TEST_F(CliMixedLanguages, RepeatedRunIsByteIdentical) {
  const std::filesystem::path first = tmp_.path() / "first", second = tmp_.path() / "second";
  KeelRun a = run(first);
  ASSERT_EQ(a.exit_code, 0) << a;
  KeelRun b = run(second);
  ASSERT_EQ(b.exit_code, 0) << b;
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(first)) {
    const std::string name = entry.path().filename().string();
    ASSERT_TRUE(std::filesystem::exists(second / name)) << name;
    EXPECT_EQ(read_file(entry.path().string()), read_file((second / name).string()))
        << name << " differs";
    ++compared;
  }
  EXPECT_GE(compared, 4u);  // summary, fills, orders, equity, manifest
  EXPECT_GT(read_file((first / "fills.csv").string()).size(), 100u);
}

}  // namespace
}  // namespace keel
