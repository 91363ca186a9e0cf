// engine/market/instrument.hpp — the instruments of a run, by dense id.
//
// Ids are indices in the order the run file lists instruments; they are
// what keel_instrument_id_t carries across the ABI.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "keel/market.h"

namespace keel {

struct Instrument {
  keel_instrument_id_t id = KEEL_NO_INSTRUMENT;
  std::string symbol;
  int32_t kind = KEEL_INSTRUMENT_EQUITY;
  // Options only.
  std::string underlying_symbol;
  keel_instrument_id_t underlying = KEEL_NO_INSTRUMENT;
  double strike = 0;
  int32_t right = KEEL_RIGHT_CALL;
  int32_t exercise = KEEL_EXERCISE_EUROPEAN;
  keel_timestamp_t expiry = 0;  // options and futures; 0 if none
  // Options only: how to mark the option while it has no quote of its own
  // (the run file's "mark"): a pricing model of the run, by name, and the
  // inputs the instrument does not carry.
  struct ModelMark {
    std::string model;
    double vol = 0;
    double rate = 0;
    double dividend = 0;
  };
  std::optional<ModelMark> model_mark;
  double tick_size = 0.01;
  double lot_size = 1;
  double multiplier = 1;
};

class InstrumentTable {
 public:
  // Appends; the id is the position. The caller guarantees unique symbols.
  keel_instrument_id_t add(Instrument instrument) {
    instrument.id = static_cast<keel_instrument_id_t>(list_.size());
    by_symbol_[instrument.symbol] = instrument.id;
    list_.push_back(std::move(instrument));
    return list_.back().id;
  }
  std::optional<keel_instrument_id_t> find(const std::string& symbol) const {
    auto it = by_symbol_.find(symbol);
    if (it == by_symbol_.end()) return std::nullopt;
    return it->second;
  }
  const Instrument& get(keel_instrument_id_t id) const { return list_.at(id); }
  bool contains(keel_instrument_id_t id) const { return id < list_.size(); }
  size_t size() const { return list_.size(); }
  const std::vector<Instrument>& all() const { return list_; }

 private:
  std::vector<Instrument> list_;
  std::unordered_map<std::string, keel_instrument_id_t> by_symbol_;
};

}  // namespace keel
