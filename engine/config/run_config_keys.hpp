// engine/config/run_config_keys.hpp — the keys a run file may use, per
// object. The parser rejects any other key with these lists, and a test
// checks config/run.schema.json lists exactly the same, so the two cannot
// drift apart.
#pragma once

#include <span>
#include <string_view>

namespace keel::config {

inline constexpr std::string_view kTopLevelKeys[] = {
    "$schema", "run",     "plugin_paths",   "instruments", "data",  "venue",
    "risk",    "account", "pricing_models", "strategies",  "output"};
inline constexpr std::string_view kRunKeys[] = {"name",     "seed",         "start",          "end",
                                                "currency", "initial_cash", "equity_interval"};
inline constexpr std::string_view kInstrumentKeys[] = {
    "id",    "kind",     "underlying", "strike",   "expiry",
    "right", "exercise", "tick_size",  "lot_size", "multiplier", "mark"};
inline constexpr std::string_view kOptionMarkKeys[] = {"model", "vol", "rate", "dividend"};
inline constexpr std::string_view kDataKeys[] = {"path", "format", "instrument"};
inline constexpr std::string_view kVenueKeys[] = {
    "order_latency_ns", "report_latency_ns", "maker_fee_bps",           "taker_fee_bps",
    "fee_per_order",    "fill_on_trades",    "cap_bar_fills_at_volume", "queue_model",
    "latency"};
// venue.queue_model as an object (it may also be a bare model name).
inline constexpr std::string_view kQueueModelKeys[] = {"model", "exponent"};
inline constexpr std::string_view kQueueModelNames[] = {"risk_averse", "power", "log"};
inline constexpr std::string_view kLatencyKeys[] = {"order", "report", "seed", "feed"};
// Every model's keys; which a model takes is checked per model (latency_config.hpp).
inline constexpr std::string_view kLatencyModelKeys[] = {
    "model", "ns", "min_ns", "max_ns", "mean_ns", "stddev_ns", "median_ns", "sigma", "path"};
inline constexpr std::string_view kRiskKeys[] = {"max_order_quantity", "max_position",
                                                 "max_gross_notional", "max_open_orders",
                                                 "price_collar_pct",   "max_drawdown_pct"};
inline constexpr std::string_view kAccountKeys[] = {"type", "leverage"};
inline constexpr std::string_view kModelKeys[] = {"factory", "params"};
inline constexpr std::string_view kStrategyKeys[] = {"name",        "factory",      "python",
                                                     "instruments", "params",       "risk",
                                                     "account",     "initial_cash", "on_error"};
inline constexpr std::string_view kPythonStrategyKeys[] = {"script", "class"};
inline constexpr std::string_view kOutputKeys[] = {"dir"};

// An object of the run file and its keys. `where` is a JSON pointer pattern:
// "*" stands for any array index or any name of a map (pricing_models).
struct ConfigSection {
  std::string_view where;
  std::span<const std::string_view> keys;
};

inline constexpr ConfigSection kConfigSections[] = {
    {"", kTopLevelKeys},
    {"/run", kRunKeys},
    {"/instruments/*", kInstrumentKeys},
    {"/instruments/*/mark", kOptionMarkKeys},
    {"/data/*", kDataKeys},
    {"/venue", kVenueKeys},
    {"/venue/latency", kLatencyKeys},
    {"/venue/latency/order", kLatencyModelKeys},
    {"/venue/latency/report", kLatencyModelKeys},
    {"/risk", kRiskKeys},
    {"/account", kAccountKeys},
    {"/pricing_models/*", kModelKeys},
    {"/strategies/*", kStrategyKeys},
    {"/strategies/*/risk", kRiskKeys},
    {"/strategies/*/account", kAccountKeys},
    {"/strategies/*/python", kPythonStrategyKeys},
    {"/output", kOutputKeys},
};

}  // namespace keel::config
