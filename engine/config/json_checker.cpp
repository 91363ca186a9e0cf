// engine/config/json_checker.cpp — strict JSON reading with pointers.
#include "engine/config/json_checker.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <utility>

namespace keel::config {

// ---- JSON pointers -----------------------------------------------------------

std::string pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent;
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_child(const std::string& parent, size_t index) {
  return parent + "/" + std::to_string(index);
}

// ---- messages ----------------------------------------------------------------

std::string show(const Json& value) {
  constexpr size_t kMax = 40;
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() <= kMax) return text;
  size_t cut = kMax - 3;
  // Never cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string describe_integer(int64_t min) {
  if (min == 0) return "a non-negative integer";
  if (min == 1) return "a positive integer";
  return "an integer >= " + std::to_string(min);
}

std::string describe_choices(std::span<const std::string_view> choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += '"';
    out += choices[i];
    out += '"';
  }
  return out;
}

namespace {

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

std::string NumberRule::describe() const {
  if (min && max) {
    return "a number in " + std::string(min->inclusive ? "[" : "(") + number_text(min->value) +
           ", " + number_text(max->value) + (max->inclusive ? "]" : ")");
  }
  if (min)
    return "a number " + std::string(min->inclusive ? ">= " : "> ") + number_text(min->value);
  if (max)
    return "a number " + std::string(max->inclusive ? "<= " : "< ") + number_text(max->value);
  return "a number";
}

// ---- error order -------------------------------------------------------------

namespace {

constexpr size_t kUnranked = static_cast<size_t>(-1);

// Numbers, in preorder, the values whose pointers are in `order` (the
// errors' pointers and their ancestors), skipping subtrees with none.
void rank_pointers(const Json& value, const std::string& pointer,
                   std::unordered_map<std::string, size_t>& order, size_t& next) {
  auto it = order.find(pointer);
  if (it == order.end()) return;
  it->second = next++;
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      rank_pointers(child, pointer_child(pointer, key), order, next);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      rank_pointers(value[i], pointer_child(pointer, i), order, next);
    }
  }
}

}  // namespace

void sort_in_document_order(const Json& document, std::vector<ConfigError>& errors) {
  std::unordered_map<std::string, size_t> order;
  for (const ConfigError& error : errors) {
    std::string p = error.pointer;
    // Ancestors already present were added with their descendants before.
    while (order.emplace(p, kUnranked).second) {
      const size_t slash = p.rfind('/');
      if (slash == std::string::npos) break;
      p.resize(slash);
    }
  }
  size_t next = 0;
  rank_pointers(document, "", order, next);
  const auto rank = [&order](const std::string& pointer) {
    std::string p = pointer;
    while (true) {
      auto it = order.find(p);
      if (it != order.end() && it->second != kUnranked) return it->second;
      const size_t slash = p.rfind('/');
      if (slash == std::string::npos) return size_t{0};
      p.resize(slash);
    }
  };
  std::vector<std::pair<size_t, ConfigError>> ranked;
  ranked.reserve(errors.size());
  for (ConfigError& error : errors) ranked.emplace_back(rank(error.pointer), std::move(error));
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  errors.clear();
  for (auto& [r, error] : ranked) errors.push_back(std::move(error));
}

// ---- typed reads -------------------------------------------------------------

void JsonChecker::error(std::string pointer, std::string message) {
  errors_.push_back({std::move(pointer), std::move(message)});
}

void JsonChecker::expected(const std::string& pointer, std::string_view what, const Json& got) {
  error(pointer, "expected " + std::string(what) + ", got " + show(got));
}

const Json* JsonChecker::find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

bool JsonChecker::object(const Json& value, const std::string& pointer,
                         std::span<const std::string_view> known) {
  if (!value.is_object()) {
    expected(pointer, "an object", value);
    return false;
  }
  for (const auto& [key, child] : value.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = "unknown key '" + key + "'";
    if (auto near = nearest_name(key, known)) {
      message += "; did you mean '" + *near + "'?";
    } else {
      message += "; expected one of: ";
      for (size_t i = 0; i < known.size(); ++i) {
        if (i > 0) message += ", ";
        message += known[i];
      }
    }
    error(pointer_child(pointer, key), std::move(message));
  }
  return true;
}

bool JsonChecker::array(const Json& value, const std::string& pointer, std::string_view of_what,
                        bool non_empty) {
  if (!value.is_array()) {
    expected(pointer, (non_empty ? "a non-empty array of " : "an array of ") + std::string(of_what),
             value);
    return false;
  }
  if (non_empty && value.empty()) {
    error(pointer, "expected a non-empty array of " + std::string(of_what) + ", got []");
  }
  return true;
}

const Json* JsonChecker::require(const Json& object, const std::string& pointer,
                                 std::string_view key, std::string_view what) {
  const Json* value = find(object, key);
  if (value == nullptr) {
    error(pointer, "missing required key '" + std::string(key) + "' (" + std::string(what) + ")");
  }
  return value;
}

std::optional<std::string> JsonChecker::string(const Json& value, const std::string& pointer,
                                               bool non_empty) {
  if (!value.is_string() || (non_empty && value.get_ref<const std::string&>().empty())) {
    expected(pointer, non_empty ? "a non-empty string" : "a string", value);
    return std::nullopt;
  }
  // Run-file strings end up as C strings (paths, ids, names given to
  // plugins), where a NUL would silently cut them short: "out\u0000x"
  // would write the report to "out".
  if (value.get_ref<const std::string&>().find('\0') != std::string::npos) {
    expected(pointer, "a string without NUL characters (\\u0000)", value);
    return std::nullopt;
  }
  return value.get<std::string>();
}

std::optional<double> JsonChecker::number(const Json& value, const std::string& pointer,
                                          const NumberRule& rule) {
  const auto fail = [&]() -> std::optional<double> {
    expected(pointer, rule.describe(), value);
    return std::nullopt;
  };
  if (!value.is_number()) return fail();
  const double x = value.get<double>();
  if (!std::isfinite(x)) return fail();
  if (rule.min && (rule.min->inclusive ? x < rule.min->value : x <= rule.min->value)) return fail();
  if (rule.max && (rule.max->inclusive ? x > rule.max->value : x >= rule.max->value)) return fail();
  return x;
}

std::optional<int64_t> as_int64(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is exactly representable; anything below it converts safely.
    if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> JsonChecker::integer(const Json& value, const std::string& pointer,
                                            int64_t min) {
  const std::optional<int64_t> x = as_int64(value);
  if (!x || *x < min) {
    expected(pointer, describe_integer(min), value);
    return std::nullopt;
  }
  return x;
}

std::optional<uint64_t> JsonChecker::unsigned_integer(const Json& value,
                                                      const std::string& pointer) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value.get<int64_t>());
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && d >= 0 && d < 18446744073709551616.0) {
      return static_cast<uint64_t>(d);
    }
  }
  expected(pointer, describe_integer(0), value);
  return std::nullopt;
}

std::optional<bool> JsonChecker::boolean(const Json& value, const std::string& pointer) {
  if (!value.is_boolean()) {
    expected(pointer, "true or false", value);
    return std::nullopt;
  }
  return value.get<bool>();
}

std::optional<size_t> JsonChecker::one_of(const Json& value, const std::string& pointer,
                                          std::span<const std::string_view> choices) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == text) return i;
    }
    error(pointer, "expected " + describe_choices(choices) + ", got " + show(value) +
                       did_you_mean(text, choices));
    return std::nullopt;
  }
  expected(pointer, describe_choices(choices), value);
  return std::nullopt;
}

bool JsonChecker::any_object(const Json& value, const std::string& pointer) {
  if (!value.is_object()) {
    expected(pointer, "an object", value);
    return false;
  }
  return true;
}

}  // namespace keel::config
