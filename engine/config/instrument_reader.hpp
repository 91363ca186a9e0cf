// engine/config/instrument_reader.hpp — the `instruments` section of a run
// file, and references to its instruments from elsewhere in the file.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/config/json_checker.hpp"
#include "engine/market/instrument.hpp"

namespace keel::config {

class InstrumentReader {
 public:
  explicit InstrumentReader(JsonChecker& check) : check_(check) {}

  // Reads the instruments array at `pointer`, reporting every problem:
  // unknown keys, types, ranges, duplicate ids (naming the first), fields
  // that do not apply to the kind, and options whose underlying is unknown
  // or itself an option (underlyings may be listed after their options).
  void read(const Json& list, const std::string& pointer);

  // A reference to an instrument by id; an unknown id is reported with the
  // nearest known one. Before read(), or when the section had no
  // instruments at all, any string is accepted (one error is enough).
  std::optional<std::string> reference(const Json& value, const std::string& pointer);

  // Pricing-model names the options' "mark" objects refer to, with the
  // pointer of each reference; the caller checks them against the run's
  // pricing_models.
  struct ModelReference {
    std::string name;
    std::string pointer;
  };
  const std::vector<ModelReference>& model_references() const { return model_references_; }

  // The instruments read, with ids in file order. Complete only when the
  // checker recorded no error.
  InstrumentTable take_table() { return std::move(table_); }

 private:
  struct Pending {
    Instrument instrument;
    std::optional<size_t> kind;  // index in the kind names
    bool listed = false;         // has an id of its own (not missing, not a duplicate)
    std::string underlying_pointer;
  };

  Pending read_one(const Json& item, const std::string& pointer);
  std::optional<Instrument::ModelMark> read_mark(const Json& mark, const std::string& pointer);

  JsonChecker& check_;
  bool check_references_ = false;
  // Instruments with an id, in file order (duplicates left out).
  std::vector<std::string> ids_;
  std::vector<std::string> pointers_;
  std::vector<std::optional<size_t>> kinds_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<ModelReference> model_references_;
  InstrumentTable table_;
};

}  // namespace keel::config
