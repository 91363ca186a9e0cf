// keel.delta_hedger (OCaml) end to end through the engine: a run file with
// generated quotes, a pricing model (keel.black_scholes, or keel.binomial —
// a second OCaml runtime in the process) and the hedger. The test replays
// the quotes itself, computes each quote's target hedge with the same model,
// and checks that orders go out exactly when the threshold is crossed, for
// the gap, and that after each fill the hedge is within the threshold.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"
#include "engine/host/host.hpp"
#include "engine/run/engine.hpp"
#include "tests/run/run_harness.hpp"

namespace keel {
namespace {

using nlohmann::json;

constexpr int64_t kStart = 1704205800LL * 1'000'000'000;  // 2024-01-02T14:30:00Z
constexpr int64_t kStep = 60LL * 1'000'000'000;
constexpr double kYearNs = 365.0 * 86400e9;
constexpr double kExpiryYears = 0.25, kStrike = 100, kVol = 0.25, kRate = 0.02;
constexpr double kContracts = 10, kMultiplier = 100, kThreshold = 25;

struct Quote {
  int64_t ts;
  double bid, ask;
};

using test::MemoryRecorder;
using test::TempDir;

std::vector<Quote> generate_quotes(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.35);
  std::vector<Quote> quotes;
  double mid = 100;
  for (size_t i = 0; i < count; ++i) {
    mid = std::max(50.0, mid + step(rng));
    const double rounded = std::round(mid * 100) / 100;
    quotes.push_back(Quote{kStart + static_cast<int64_t>(i) * kStep, rounded - 0.01, rounded + 0.01});
  }
  return quotes;
}

struct HedgeRun {
  Status prepare;
  RunResult result;
  std::vector<FillRecord> fills;
  std::vector<OrderRecord> orders;
};

HedgeRun run_hedger(const TempDir& dir, const std::vector<Quote>& quotes, const json& model,
                    const std::string& model_name) {
  std::ofstream csv(dir.path() / "quotes.csv");
  csv << "ts,instrument,bid,bid_size,ask,ask_size\n";
  csv.precision(10);
  for (const Quote& q : quotes) csv << q.ts << ",AAPL," << q.bid << ",1000000," << q.ask << ",1000000\n";
  csv.close();
  const json doc = {
      {"run", {{"name", "hedge"}, {"initial_cash", 10000000}}},
      {"instruments", json::array({{{"id", "AAPL"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}}})},
      {"data", json::array({{{"path", "quotes.csv"}, {"format", "quotes"}}})},
      {"pricing_models", {{"pricer", model}}},
      {"account", {{"type", "margin"}}},  // the hedge of long calls is a short
      {"strategies",
       json::array({{{"name", "hedge"},
                     {"factory", "keel.delta_hedger"},
                     {"instruments", {"AAPL"}},
                     {"params",
                      {{"model", model_name},
                       {"underlying", "AAPL"},
                       {"option",
                        {{"strike", kStrike}, {"expiry", kExpiryYears}, {"right", "call"}, {"vol", kVol},
                         {"rate", kRate}}},
                       {"contracts", kContracts},
                       {"multiplier", kMultiplier},
                       {"threshold", kThreshold}}}}})},
      {"output", {{"dir", "out"}}}};
  const std::filesystem::path file = dir.path() / "run.json";
  ConfigResult parsed = parse_run_config(doc.dump(2), file);
  HedgeRun out;
  if (!parsed.config) {
    ADD_FAILURE() << "run file: " << parsed.errors.front().pointer << ": " << parsed.errors.front().message;
    return out;
  }
  Host host;
  host.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
  Engine engine(*parsed.config, host);
  out.prepare = engine.prepare();
  if (!out.prepare) return out;
  MemoryRecorder recorder;
  out.result = engine.run(recorder, {});
  out.fills = std::move(recorder.fills);
  out.orders = std::move(recorder.orders);
  return out;
}

// The target hedge at each quote, from the same model in this process.
std::vector<double> targets(const std::vector<Quote>& quotes, const std::string& factory,
                            const std::string& params) {
  Host host;
  host.registry().add_search_folder(KEEL_TEST_PLUGIN_DIR);
  Result<keel_model_handle_t> handle = host.create_model(factory, params, "reference");
  EXPECT_TRUE(handle) << handle.status().message();
  std::shared_ptr<ModelInstance> model = *host.model(*handle);
  const int64_t expiry_ns = kStart + static_cast<int64_t>(kExpiryYears * kYearNs);
  std::vector<double> out;
  for (const Quote& q : quotes) {
    const double years = static_cast<double>(expiry_ns - q.ts) / kYearNs;
    const keel_option_t o{0.5 * (q.bid + q.ask), kStrike, years, kVol, kRate, 0.0, KEEL_RIGHT_CALL,
                          KEEL_EXERCISE_EUROPEAN};
    out.push_back(-model->price(o)->delta * kContracts * kMultiplier);
  }
  return out;
}

void check_hedging(const std::vector<Quote>& quotes, const std::vector<double>& target,
                   const HedgeRun& run) {
  ASSERT_TRUE(run.result.failure) << run.result.failure.message();
  std::map<int64_t, std::vector<const OrderRecord*>> submitted;  // by quote time
  for (const OrderRecord& order : run.orders) submitted[order.submitted_ts].push_back(&order);
  std::map<uint64_t, const OrderRecord*> by_id;
  for (const OrderRecord& order : run.orders) by_id[order.order_id] = &order;

  double position = 0;
  size_t next_fill = 0, quotes_without_order = 0;
  const OrderRecord* working = nullptr;
  for (size_t i = 0; i < quotes.size(); ++i) {
    const Quote& q = quotes[i];
    // Fills at or before this quote reach the strategy before the quote.
    for (; next_fill < run.fills.size() && run.fills[next_fill].ts <= q.ts; ++next_fill) {
      const FillRecord& fill = run.fills[next_fill];
      position += fill.side == KEEL_SIDE_BUY ? fill.quantity : -fill.quantity;
      const OrderRecord* order = by_id.at(fill.order_id);
      const size_t at = static_cast<size_t>((order->submitted_ts - kStart) / kStep);
      EXPECT_LE(std::abs(position - target[at]), kThreshold)
          << "after the fill at " << fill.ts << ": hedge " << position << ", target " << target[at];
    }
    if (working != nullptr && working->last_update_ts <= q.ts) working = nullptr;
    const double gap = target[i] - position;
    auto it = submitted.find(q.ts);
    const size_t orders_now = it == submitted.end() ? 0 : it->second.size();
    if (working != nullptr || std::abs(gap) <= kThreshold) {
      EXPECT_EQ(orders_now, 0u) << "quote " << i << ": gap " << gap
                                << (working != nullptr ? " with an order working" : "");
      ++quotes_without_order;
      continue;
    }
    ASSERT_EQ(orders_now, 1u) << "quote " << i << ": gap " << gap << " > threshold, no order";
    const OrderRecord& order = *it->second.front();
    EXPECT_EQ(order.type, KEEL_ORDER_MARKET);
    EXPECT_EQ(order.side, gap > 0 ? KEEL_SIDE_BUY : KEEL_SIDE_SELL) << "quote " << i;
    EXPECT_EQ(order.quantity, std::round(std::abs(gap))) << "quote " << i;
    working = &order;
  }
  EXPECT_EQ(next_fill, run.fills.size());
  EXPECT_GE(run.orders.size(), 5u) << "the data should make the hedger trade";
  EXPECT_GE(quotes_without_order, quotes.size() / 2) << "the threshold should hold most quotes";
}

TEST(DeltaHedger, HedgesWithBlackScholesThroughTheEngine) {
  TempDir dir;
  const std::vector<Quote> quotes = generate_quotes(240, 7);
  const HedgeRun run =
      run_hedger(dir, quotes, json{{"factory", "keel.black_scholes"}, {"params", json::object()}}, "pricer");
  ASSERT_TRUE(run.prepare) << run.prepare.message();
  check_hedging(quotes, targets(quotes, "keel.black_scholes", "{}"), run);
}

TEST(DeltaHedger, HedgesWithTheOcamlBinomialModel) {
  // Two OCaml plugins, each with its own runtime: the hedger calls the
  // tree through the host table while its own runtime is inside a call.
  TempDir dir;
  const std::vector<Quote> quotes = generate_quotes(120, 11);
  const HedgeRun run = run_hedger(
      dir, quotes, json{{"factory", "keel.binomial"}, {"params", {{"steps", 80}}}}, "pricer");
  ASSERT_TRUE(run.prepare) << run.prepare.message();
  check_hedging(quotes, targets(quotes, "keel.binomial", R"({"steps": 80})"), run);
}

TEST(DeltaHedger, UnknownModelNamesTheStrategy) {
  TempDir dir;
  const HedgeRun run = run_hedger(dir, generate_quotes(3, 1),
                                  json{{"factory", "keel.black_scholes"}, {"params", json::object()}},
                                  "pricr");
  ASSERT_FALSE(run.prepare);
  EXPECT_EQ(run.prepare.code(), KEEL_ERR_INVALID_ARGUMENT);
  EXPECT_NE(run.prepare.message().find("strategy 'hedge'"), std::string::npos) << run.prepare.message();
  EXPECT_NE(run.prepare.message().find("/model: no pricing model named 'pricr' in this run (models: pricer)"),
            std::string::npos)
      << run.prepare.message();
}

}  // namespace
}  // namespace keel
