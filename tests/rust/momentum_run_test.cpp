// keel.momentum (a Rust strategy) in whole engine runs over a quote stream
// generated here: every order it sends is the one its documented rule asks
// for, it sends one whenever the rule allows and never while an order is
// pending or a cooldown runs, its position is what its fills say, and it
// ends flat at flatten_at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
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

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'704'205'800 * kSecond;  // 2024-01-02T14:30:00Z
constexpr int kQuotes = 600;
constexpr int kLookback = 10;
constexpr double kThresholdBps = 20;
constexpr double kQuantity = 100;
constexpr int64_t kCooldown = 4'500'000'000;        // between quote times on purpose
constexpr int64_t kOrderLatency = 2'500'000'000;    // pending across two quotes
constexpr int64_t kFlattenAt = kStart + 540 * kSecond + kSecond / 4;

struct QuoteRow {
  int64_t ts;
  double bid, ask;
  double mid() const { return 0.5 * (bid + ask); }
};

// Mid prices in whole cents: trends of 13 quotes, alternately up and down
// 4 cents a quote on average, with noise; a 2-cent spread. The trends are
// short enough that the signal often turns while an order is pending or a
// cooldown runs.
std::vector<QuoteRow> generate_quotes() {
  std::mt19937_64 rng(20240102);
  std::uniform_int_distribution<int> noise(-9, 9);
  std::vector<QuoteRow> rows;
  int64_t mid_cents = 10000;
  for (int i = 0; i < kQuotes; ++i) {
    const int drift = ((i / 13) % 2 == 0) ? 4 : -4;
    mid_cents += drift + noise(rng);
    rows.push_back({kStart + i * kSecond, (mid_cents - 1) / 100.0, (mid_cents + 1) / 100.0});
  }
  return rows;
}

using test::MemoryRecorder;
using test::TempDir;

struct MomentumRun {
  bool prepared = false;
  std::string prepare_message;
  RunResult result;
  std::vector<FillRecord> fills;
  std::vector<OrderRecord> orders;  // in order_id order
};

MomentumRun run_momentum(const std::vector<QuoteRow>& quotes, const json& params) {
  TempDir dir;
  {
    std::ofstream csv(dir.path() / "quotes.csv");
    csv << "ts,instrument,bid,bid_size,ask,ask_size\n";
    char line[128];
    for (const QuoteRow& q : quotes) {
      std::snprintf(line, sizeof line, "%lld,MOMO,%.2f,1000,%.2f,1000\n",
                    static_cast<long long>(q.ts), q.bid, q.ask);
      csv << line;
    }
  }
  const json doc = {
      {"run", {{"name", "momentum"}, {"seed", 1}}},
      {"instruments", {{{"id", "MOMO"}, {"kind", "equity"}, {"tick_size", 0.01}, {"lot_size", 1}}}},
      {"data", {{{"path", "quotes.csv"}, {"format", "quotes"}}}},
      {"venue", {{"order_latency_ns", kOrderLatency}, {"report_latency_ns", 0}}},
      {"account", {{"type", "margin"}}},  // it goes short as readily as long
      {"strategies",
       {{{"name", "mom"}, {"factory", "keel.momentum"}, {"instruments", {"MOMO"}}, {"params", params}}}},
      {"output", {{"dir", "out"}}}};
  const std::filesystem::path file = dir.path() / "run.json";
  std::ofstream(file) << doc.dump(2);

  MomentumRun run;
  ConfigResult parsed = parse_run_config(doc.dump(), file);
  if (!parsed.config) {
    ADD_FAILURE() << "run file rejected: " << parsed.errors.front().message;
    return run;
  }
  Host host;
  Result<PluginLibrary*> loaded =
      host.registry().load_file(std::filesystem::path(KEEL_TEST_PLUGIN_DIR) / "keel_momentum.so");
  if (!loaded) {
    ADD_FAILURE() << loaded.status().message();
    return run;
  }
  Engine engine(*parsed.config, host);
  Status prepared = engine.prepare();
  run.prepared = static_cast<bool>(prepared);
  run.prepare_message = prepared.message();
  if (!run.prepared) return run;
  MemoryRecorder recorder;
  run.result = engine.run(recorder, {});
  run.fills = std::move(recorder.fills);
  run.orders = std::move(recorder.orders);
  return run;
}

json default_params() {
  return {{"lookback", kLookback},
          {"threshold_bps", kThresholdBps},
          {"quantity", kQuantity},
          {"cooldown_ms", kCooldown / 1'000'000},
          {"flatten_at", kFlattenAt}};
}

// The strategy's documented target after each quote (rule 2), replayed.
std::vector<double> targets(const std::vector<QuoteRow>& quotes, bool allow_short = true) {
  std::vector<double> out;
  double target = 0;
  for (size_t k = 0; k < quotes.size(); ++k) {
    if (k >= static_cast<size_t>(kLookback)) {
      const double momentum = (quotes[k].mid() / quotes[k - kLookback].mid() - 1.0) * 1e4;
      if (momentum > kThresholdBps) target = kQuantity;
      if (momentum < -kThresholdBps) target = allow_short ? -kQuantity : 0;
    }
    out.push_back(target);
  }
  return out;
}

class RustMomentumRun : public ::testing::Test {
 protected:
  // The target in force at time t (after every quote at or before t).
  double target_at(int64_t t) const {
    if (t >= kFlattenAt) return 0;
    double target = 0;
    for (size_t k = 0; k < quotes_.size() && quotes_[k].ts <= t; ++k) target = targets_[k];
    return target;
  }
  // The position the fills delivered at or before t add up to.
  double position_at(int64_t t) const {
    double position = 0;
    for (const FillRecord& f : run_.fills) {
      if (f.ts <= t) position += (f.side == KEEL_SIDE_BUY ? 1 : -1) * f.quantity;
    }
    return position;
  }
  void SetUp() override {
    quotes_ = generate_quotes();
    targets_ = targets(quotes_);
    run_ = run_momentum(quotes_, default_params());
    ASSERT_TRUE(run_.prepared) << run_.prepare_message;
    orders_ = run_.orders;
  }

  std::vector<QuoteRow> quotes_;
  std::vector<double> targets_;
  MomentumRun run_;
  std::vector<OrderRecord> orders_;
};

TEST_F(RustMomentumRun, CompletesAndEndsFlatAtFlattenAt) {
  EXPECT_EQ(run_.result.summary.status, "completed") << run_.result.failure.message();
  ASSERT_EQ(run_.result.summary.strategies.size(), 1u);
  // on_stop compared the fill-tracked position with the host's: a mismatch
  // would have stopped the strategy with both numbers.
  EXPECT_EQ(run_.result.summary.strategies[0].status, "completed");
  ASSERT_GE(orders_.size(), 4u) << "the generated trends should trigger several trades";
  EXPECT_EQ(position_at(quotes_.back().ts), 0.0);
  // The last order is the flattening one, sent at flatten_at or after the
  // order pending then; nothing after it.
  const OrderRecord& last = orders_.back();
  EXPECT_GE(last.submitted_ts, kFlattenAt);
  EXPECT_EQ(last.quantity, std::abs(position_at(last.submitted_ts)));
  for (size_t i = 0; i + 1 < orders_.size(); ++i) EXPECT_LT(orders_[i].submitted_ts, kFlattenAt);
}

TEST_F(RustMomentumRun, EveryOrderIsTheGapToTheTargetAsMarketOrder) {
  bool buys = false, sells = false;
  for (const OrderRecord& o : orders_) {
    const double gap = target_at(o.submitted_ts) - position_at(o.submitted_ts);
    ASSERT_NE(gap, 0.0) << "order " << o.order_id << " at " << o.submitted_ts;
    EXPECT_EQ(o.side, gap > 0 ? KEEL_SIDE_BUY : KEEL_SIDE_SELL) << "order " << o.order_id;
    EXPECT_EQ(o.quantity, std::abs(gap)) << "order " << o.order_id;
    EXPECT_EQ(o.type, KEEL_ORDER_MARKET);
    EXPECT_EQ(o.state, KEEL_ORDER_FILLED) << o.reason;
    EXPECT_EQ(o.filled_quantity, o.quantity);
    buys = buys || o.side == KEEL_SIDE_BUY;
    sells = sells || o.side == KEEL_SIDE_SELL;
  }
  EXPECT_TRUE(buys && sells);
  // Fills belong to the orders and add up to them.
  for (const OrderRecord& o : orders_) {
    double filled = 0;
    for (const FillRecord& f : run_.fills) {
      if (f.order_id == o.order_id) {
        filled += f.quantity;
        EXPECT_EQ(f.side, o.side);
      }
    }
    EXPECT_EQ(filled, o.quantity) << "order " << o.order_id;
  }
}

TEST_F(RustMomentumRun, NoOrderWhilePendingOrCoolingDown) {
  int timer_driven = 0;
  for (size_t i = 1; i < orders_.size(); ++i) {
    const OrderRecord& previous = orders_[i - 1];
    const OrderRecord& next = orders_[i];
    EXPECT_GE(next.submitted_ts, previous.last_update_ts) << "order " << next.order_id << " overlaps";
    if (next.submitted_ts < kFlattenAt) {
      EXPECT_GE(next.submitted_ts, previous.last_update_ts + kCooldown)
          << "order " << next.order_id << " inside the cooldown";
    }
    if (next.submitted_ts == previous.last_update_ts + kCooldown) ++timer_driven;
  }
  // Orders pend across quotes (the latency), so some were sent when a
  // cooldown timer fired, half-way between two quotes.
  EXPECT_GE(timer_driven, 1);
}

// Rule 3's other half: whenever the target differs from the position and
// nothing blocks, an order goes out right then — at a quote, or when a
// cooldown timer fires.
TEST_F(RustMomentumRun, TradesWheneverTheRuleAllows) {
  auto blocked = [&](int64_t t) {
    for (const OrderRecord& o : orders_) {
      if (o.submitted_ts < t && t < o.last_update_ts + kCooldown) return true;
    }
    return false;
  };
  auto order_at = [&](int64_t t) {
    return std::any_of(orders_.begin(), orders_.end(),
                       [&](const OrderRecord& o) { return o.submitted_ts == t; });
  };
  std::vector<int64_t> moments;
  for (const QuoteRow& q : quotes_) moments.push_back(q.ts);
  for (const OrderRecord& o : orders_) moments.push_back(o.last_update_ts + kCooldown);
  int checked = 0;
  for (int64_t t : moments) {
    if (t >= kFlattenAt || blocked(t)) continue;
    const bool gap = target_at(t) != position_at(t);
    EXPECT_EQ(order_at(t), gap) << "at " << (t - kStart) / 1e9 << " s: target " << target_at(t)
                                << ", position " << position_at(t);
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(RustMomentumParams, LongOnlyNeverGoesShortAndBadParamsNameTheirPointer) {
  const std::vector<QuoteRow> quotes = generate_quotes();
  json params = default_params();
  params["allow_short"] = false;
  const MomentumRun run = run_momentum(quotes, params);
  ASSERT_TRUE(run.prepared) << run.prepare_message;
  double position = 0;
  for (const FillRecord& f : run.fills) {
    position += (f.side == KEEL_SIDE_BUY ? 1 : -1) * f.quantity;
    EXPECT_GE(position, 0.0) << "at " << f.ts;
  }
  EXPECT_FALSE(run.fills.empty());

  params = default_params();
  params["lookbak"] = 5;
  const MomentumRun bad = run_momentum(quotes, params);
  EXPECT_FALSE(bad.prepared);
  EXPECT_NE(bad.prepare_message.find("/lookbak: unknown param; did you mean 'lookback'?"),
            std::string::npos)
      << bad.prepare_message;
}

}  // namespace
}  // namespace keel
