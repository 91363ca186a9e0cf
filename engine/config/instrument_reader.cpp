// engine/config/instrument_reader.cpp — the `instruments` section.
#include "engine/config/instrument_reader.hpp"

#include <utility>

#include "engine/config/run_config_keys.hpp"
#include "engine/config/time_fields.hpp"

namespace keel::config {
namespace {

constexpr std::string_view kKinds[] = {"equity", "future", "option"};
constexpr std::string_view kRights[] = {"call", "put"};
constexpr std::string_view kExercises[] = {"european", "american"};
constexpr size_t kEquity = 0;
constexpr size_t kOption = 2;

const char* kind_with_article(size_t kind) {
  static constexpr const char* kNames[] = {"an equity", "a future", "an option"};
  return kNames[kind];
}

}  // namespace

void InstrumentReader::read(const Json& list, const std::string& p) {
  if (!check_.array(list, p, "instruments", true)) return;
  // With no instruments at all, every reference would be "unknown": say it once.
  check_references_ = !list.empty();
  std::vector<Pending> pending;
  pending.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    pending.push_back(read_one(list[i], pointer_child(p, i)));
  }
  // Underlyings may be listed after their options: resolve once all are read.
  for (const Pending& option : pending) {
    const std::string& underlying = option.instrument.underlying_symbol;
    if (option.underlying_pointer.empty()) continue;
    auto it = index_.find(underlying);
    if (it == index_.end()) {
      check_.error(option.underlying_pointer, "unknown instrument '" + underlying + "'" +
                                                  check_.did_you_mean(underlying, ids_));
    } else if (kinds_[it->second] == kOption) {
      check_.error(option.underlying_pointer,
                   "'" + underlying +
                       "' is itself an option; an option's underlying must be an equity or a "
                       "future");
    }
  }
  if (!check_.ok()) return;
  for (Pending& entry : pending) {
    if (!entry.listed) continue;
    if (entry.kind == kOption) {
      entry.instrument.underlying =
          static_cast<keel_instrument_id_t>(index_.at(entry.instrument.underlying_symbol));
    }
    table_.add(std::move(entry.instrument));
  }
}

InstrumentReader::Pending InstrumentReader::read_one(const Json& item, const std::string& p) {
  Pending out;
  if (!check_.object(item, p, kInstrumentKeys)) return out;
  Instrument& inst = out.instrument;
  std::optional<size_t> index;  // in ids_
  if (const Json* v = check_.require(item, p, "id", "a non-empty string")) {
    if (auto id = check_.string(*v, p + "/id")) {
      inst.symbol = *id;
      auto [it, fresh] = index_.emplace(*id, ids_.size());
      if (fresh) {
        index = ids_.size();
        ids_.push_back(*id);
        pointers_.push_back(p);
        kinds_.emplace_back();
        out.listed = true;
      } else {
        check_.error(p + "/id", "duplicate instrument id '" + *id + "' (first at " +
                                    pointers_[it->second] + ")");
      }
    }
  }
  std::optional<size_t> kind;
  if (const Json* v = check_.require(item, p, "kind", describe_choices(kKinds))) {
    kind = check_.one_of(*v, p + "/kind", kKinds);
  }
  out.kind = kind;
  if (index) kinds_[*index] = kind;
  if (kind) {
    static constexpr int32_t kKindCodes[] = {KEEL_INSTRUMENT_EQUITY, KEEL_INSTRUMENT_FUTURE,
                                             KEEL_INSTRUMENT_OPTION};
    inst.kind = kKindCodes[*kind];
  }
  const bool is_option = kind == kOption;
  // A field present on an instrument of a known kind it does not apply to.
  const auto misplaced = [&](std::string_view key, bool applies, std::string_view to_what) {
    const Json* v = JsonChecker::find(item, key);
    if (v == nullptr || !kind || applies) return v;
    // Appended piece by piece: GCC 12 gives a false -Wrestrict on the
    // "'" + std::string(...) form here.
    std::string message = "'";
    message.append(key).append("' only applies to ").append(to_what);
    message.append("; this instrument is ").append(kind_with_article(*kind));
    check_.error(pointer_child(p, key), std::move(message));
    return static_cast<const Json*>(nullptr);
  };
  const auto option_field = [&](std::string_view key, std::string_view what) {
    if (is_option) return check_.require(item, p, key, "options need " + std::string(what));
    return misplaced(key, false, "options");
  };
  if (const Json* v = option_field("underlying", "the id of an equity or future instrument")) {
    if (auto underlying = check_.string(*v, p + "/underlying")) {
      inst.underlying_symbol = *underlying;
      if (is_option) out.underlying_pointer = p + "/underlying";
    }
  }
  if (const Json* v = option_field("strike", "a number > 0")) {
    if (auto strike = check_.number(*v, p + "/strike", kPositive)) inst.strike = *strike;
  }
  const Json* expiry = is_option ? check_.require(item, p, "expiry", "options need a timestamp")
                                 : misplaced("expiry", kind != kEquity, "options and futures");
  if (expiry != nullptr) {
    if (auto ns = read_timestamp(check_, *expiry, p + "/expiry")) inst.expiry = *ns;
  }
  if (const Json* v = option_field("right", "\"call\" or \"put\"")) {
    if (auto right = check_.one_of(*v, p + "/right", kRights)) {
      inst.right = *right == 0 ? KEEL_RIGHT_CALL : KEEL_RIGHT_PUT;
    }
  }
  if (const Json* v = misplaced("exercise", is_option, "options")) {
    if (auto exercise = check_.one_of(*v, p + "/exercise", kExercises)) {
      inst.exercise = *exercise == 0 ? KEEL_EXERCISE_EUROPEAN : KEEL_EXERCISE_AMERICAN;
    }
  }
  const auto positive = [&](std::string_view key, double& field) {
    if (const Json* v = JsonChecker::find(item, key)) {
      if (auto x = check_.number(*v, pointer_child(p, key), kPositive)) field = *x;
    }
  };
  if (const Json* v = misplaced("mark", is_option, "options")) {
    inst.model_mark = read_mark(*v, p + "/mark");
  }
  positive("tick_size", inst.tick_size);
  positive("lot_size", inst.lot_size);
  positive("multiplier", inst.multiplier);
  return out;
}

std::optional<Instrument::ModelMark> InstrumentReader::read_mark(const Json& mark,
                                                                const std::string& p) {
  if (!check_.object(mark, p, kOptionMarkKeys)) return std::nullopt;
  Instrument::ModelMark out;
  bool ok = true;
  if (const Json* v = check_.require(mark, p, "model", "the name of one of the run's pricing_models")) {
    if (auto name = check_.string(*v, p + "/model")) {
      out.model = *name;
      model_references_.push_back({*name, p + "/model"});
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const Json* v = check_.require(mark, p, "vol", "the volatility to price with, a number > 0")) {
    if (auto vol = check_.number(*v, p + "/vol", kPositive)) out.vol = *vol; else ok = false;
  } else {
    ok = false;
  }
  if (const Json* v = JsonChecker::find(mark, "rate")) {
    if (auto rate = check_.number(*v, p + "/rate")) out.rate = *rate; else ok = false;
  }
  if (const Json* v = JsonChecker::find(mark, "dividend")) {
    if (auto dividend = check_.number(*v, p + "/dividend")) out.dividend = *dividend; else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> InstrumentReader::reference(const Json& value,
                                                       const std::string& pointer) {
  std::optional<std::string> id = check_.string(value, pointer);
  if (!id) return std::nullopt;
  if (check_references_ && !index_.contains(*id)) {
    check_.error(pointer, "unknown instrument '" + *id + "'" + check_.did_you_mean(*id, ids_));
    return std::nullopt;
  }
  return id;
}

}  // namespace keel::config
