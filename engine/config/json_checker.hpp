// engine/config/json_checker.hpp — reading JSON strictly.
//
// A JsonChecker reads typed values out of a parsed document and records every
// problem it meets as a ConfigError (JSON pointer + "expected X, got Y"),
// rather than stopping at the first. Unknown keys get a "did you mean" when a
// known key is a near miss. Errors can be put back into the order their
// pointers appear in the document, whatever order the checks ran in.
// parse_json (json_document.hpp) makes the documents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/json_document.hpp"
#include "engine/config/run_config.hpp"
#include "keel/sdk/near_miss.hpp"

namespace keel::config {

// ---- JSON pointers (RFC 6901) --------------------------------------------

// parent + "/" + key, with '~' and '/' in the key escaped.
std::string pointer_child(const std::string& parent, std::string_view key);
std::string pointer_child(const std::string& parent, size_t index);

// ---- messages --------------------------------------------------------------

// A JSON value as it appears in a message: compact, cut to about 40 characters.
std::string show(const Json& value);

// "Did you mean": one bounded edit distance for all of keel. Checking code
// uses JsonChecker's members of the same names, which ration it.
using sdk::did_you_mean;
using sdk::nearest_name;

// ---- error order -------------------------------------------------------------

// Stable-sorts errors by where their pointers are in `document` (preorder). A
// pointer that does not exist sorts with its nearest existing ancestor. The
// walk goes only into containers on the way to an error, recursing once per
// level (parse_json bounds the depth).
void sort_in_document_order(const Json& document, std::vector<ConfigError>& errors);

// ---- typed reads -------------------------------------------------------------

struct Bound {
  double value;
  bool inclusive;
};

// A number's allowed range; the message text ("a number > 0", "a number in
// (0, 100]") is derived from it.
struct NumberRule {
  std::optional<Bound> min;
  std::optional<Bound> max;
  std::string describe() const;
};
inline constexpr NumberRule kAnyNumber{};
inline constexpr NumberRule kPositive{Bound{0, false}, std::nullopt};
inline constexpr NumberRule kNonNegative{Bound{0, true}, std::nullopt};
inline constexpr NumberRule kPercent{Bound{0, false}, Bound{100, true}};

class JsonChecker {
 public:
  // Records an error.
  void error(std::string pointer, std::string message);
  // Records "expected WHAT, got VALUE".
  void expected(const std::string& pointer, std::string_view what, const Json& got);

  bool ok() const { return errors_.empty(); }
  size_t error_count() const { return errors_.size(); }
  std::vector<ConfigError>& errors() { return errors_; }

  // The value at `key` of an object, or null when absent.
  static const Json* find(const Json& object, std::string_view key);

  // Checks `value` is an object whose keys are all `known`, reporting the
  // wrong type or each unknown key. False when it is not an object.
  bool object(const Json& value, const std::string& pointer,
              std::span<const std::string_view> known);
  // Checks `value` is an array (non-empty if asked). False when it is not an
  // array (an empty one is reported but still returns true).
  bool array(const Json& value, const std::string& pointer, std::string_view of_what,
             bool non_empty);

  // The value of a required key; when absent, reports "missing required key
  // 'KEY' (WHAT)" at the object's pointer and returns null.
  const Json* require(const Json& object, const std::string& pointer, std::string_view key,
                      std::string_view what);

  std::optional<std::string> string(const Json& value, const std::string& pointer,
                                    bool non_empty = true);
  std::optional<double> number(const Json& value, const std::string& pointer,
                               const NumberRule& rule = kAnyNumber);
  // Integers; a float with an integral value (1e6) counts.
  std::optional<int64_t> integer(const Json& value, const std::string& pointer, int64_t min);
  std::optional<uint64_t> unsigned_integer(const Json& value, const std::string& pointer);
  std::optional<bool> boolean(const Json& value, const std::string& pointer);
  // The index of the string in `choices`; otherwise reports the choices and a
  // near miss.
  std::optional<size_t> one_of(const Json& value, const std::string& pointer,
                               std::span<const std::string_view> choices);
  // An object of free-form content (plugin params).
  bool any_object(const Json& value, const std::string& pointer);

  // "; did you mean 'x'?" for the nearest candidate, or "" (as
  // keel::sdk::did_you_mean), and the nearest candidate itself. Each
  // candidate compared counts against kSuggestionBudget for the whole file;
  // once it is spent, errors carry no suggestion. A hostile file with 40k
  // unknown references among 40k instruments would otherwise compare 1.6e9
  // pairs; a file with a few mistakes never comes near the budget.
  template <class Candidates>
  std::string did_you_mean(std::string_view word, const Candidates& candidates) {
    if (!spend_on_suggestions(std::size(candidates))) return {};
    return sdk::did_you_mean(word, candidates);
  }
  template <class Candidates>
  std::optional<std::string> nearest_name(std::string_view word, const Candidates& candidates) {
    if (!spend_on_suggestions(std::size(candidates))) return std::nullopt;
    return sdk::nearest_name(word, candidates);
  }
  static constexpr size_t kSuggestionBudget = 1'000'000;
  // Candidates compared so far, for tests.
  size_t suggestion_comparisons() const { return suggestion_comparisons_; }

 private:
  bool spend_on_suggestions(size_t candidates) {
    if (candidates > kSuggestionBudget - suggestion_comparisons_) return false;
    suggestion_comparisons_ += candidates;
    return true;
  }

  std::vector<ConfigError> errors_;
  size_t suggestion_comparisons_ = 0;
};

// The value as an int64 when it is an integer that fits (a float with an
// integral value, such as 1e6, counts); no error is recorded.
std::optional<int64_t> as_int64(const Json& value);

// "a non-negative integer", "a positive integer", "an integer >= N".
std::string describe_integer(int64_t min);
// "\"a\", \"b\" or \"c\"".
std::string describe_choices(std::span<const std::string_view> choices);

}  // namespace keel::config
