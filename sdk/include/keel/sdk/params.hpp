// keel/sdk/params.hpp — typed, strict access to a factory's JSON params.
//
//   keel::sdk::Params p(params_json);              // throws Error on bad or too deep JSON
//   double vol = p.number("vol", 0.2, {.min = 0});  // "/vol: expected ..."
//   p.reject_unknown();                              // "/volatility: unknown param; did you mean 'vol'?"
//
// Every failure throws keel::sdk::Error(KEEL_ERR_INVALID_ARGUMENT) with the
// param's JSON pointer, what was expected and what was found.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "keel/sdk/error.hpp"
#include "keel/sdk/json_depth.hpp"
#include "keel/sdk/near_miss.hpp"

namespace keel::sdk {

struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

class Params {
 public:
  explicit Params(const char* json_text) {
    const char* text = (json_text == nullptr || *json_text == '\0') ? "{}" : json_text;
    // Refused before parsing: a deep document would overflow the stack in
    // dump(), copies and comparisons later on.
    if (auto deep = find_json_too_deep(text)) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT, "params are " + describe_json_too_deep(*deep));
    }
    json_ = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json_.is_discarded()) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT, std::string("params are not valid JSON: ") + text);
    }
    if (!json_.is_object()) {
      throw Error(KEEL_ERR_INVALID_ARGUMENT, "params must be a JSON object, got " + json_.dump());
    }
  }

  bool has(std::string_view key) const { return json_.contains(std::string(key)); }

  // A finite number within `range`; `fallback` when absent (required when
  // there is no fallback).
  double number(std::string_view key, std::optional<double> fallback = std::nullopt,
                Range range = {}) {
    const nlohmann::json* value = find(key, fallback.has_value());
    if (value == nullptr) return *fallback;
    if (!value->is_number() || !std::isfinite(value->get<double>())) {
      fail(key, "a finite number", *value);
    }
    const double v = value->get<double>();
    if (v < range.min || v > range.max) {
      std::ostringstream expected;
      expected << "a number in [" << range.min << ", " << range.max << "]";
      fail(key, expected.str(), *value);
    }
    return v;
  }

  int64_t integer(std::string_view key, std::optional<int64_t> fallback = std::nullopt,
                  int64_t min = std::numeric_limits<int64_t>::min(),
                  int64_t max = std::numeric_limits<int64_t>::max()) {
    const nlohmann::json* value = find(key, fallback.has_value());
    if (value == nullptr) return *fallback;
    if (!value->is_number_integer()) fail(key, "an integer", *value);
    const int64_t v = value->get<int64_t>();
    if (v < min || v > max) {
      fail(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]",
           *value);
    }
    return v;
  }

  std::string string(std::string_view key, std::optional<std::string> fallback = std::nullopt) {
    const nlohmann::json* value = find(key, fallback.has_value());
    if (value == nullptr) return *fallback;
    if (!value->is_string()) fail(key, "a string", *value);
    return value->get<std::string>();
  }

  bool boolean(std::string_view key, std::optional<bool> fallback = std::nullopt) {
    const nlohmann::json* value = find(key, fallback.has_value());
    if (value == nullptr) return *fallback;
    if (!value->is_boolean()) fail(key, "true or false", *value);
    return value->get<bool>();
  }

  // Any JSON value (arrays, nested objects) for the plugin to read itself;
  // `fallback` when absent.
  nlohmann::json value(std::string_view key, nlohmann::json fallback = nullptr) {
    const nlohmann::json* found = find(key, true);
    return found != nullptr ? *found : fallback;
  }

  // Throws for the first key no accessor asked for, with a suggestion.
  void reject_unknown() const {
    for (const auto& [key, value] : json_.items()) {
      if (used_.count(key) != 0) continue;
      std::string message = "/" + key + ": unknown param";
      message += did_you_mean(key, used_);
      if (!used_.empty()) {
        message += " (known:";
        for (const auto& k : used_) message += " " + k;
        message += ")";
      }
      throw Error(KEEL_ERR_INVALID_ARGUMENT, message);
    }
  }

  const nlohmann::json& json() const { return json_; }

 private:
  const nlohmann::json* find(std::string_view key, bool optional) {
    used_.insert(std::string(key));
    auto it = json_.find(std::string(key));
    if (it == json_.end() || (optional && it->is_null())) {
      if (!optional) {
        throw Error(KEEL_ERR_INVALID_ARGUMENT, "/" + std::string(key) + ": required param missing");
      }
      return nullptr;
    }
    return &*it;
  }

  [[noreturn]] static void fail(std::string_view key, const std::string& expected,
                                const nlohmann::json& got) {
    throw Error(KEEL_ERR_INVALID_ARGUMENT,
                "/" + std::string(key) + ": expected " + expected + ", got " + got.dump());
  }

  nlohmann::json json_;
  std::set<std::string> used_;
};

}  // namespace keel::sdk
