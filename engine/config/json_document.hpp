// engine/config/json_document.hpp — JSON text into an ordered document, safely.
//
// Run files are hostile input: parse_json refuses text nested deeper than
// keel::sdk::kMaxJsonDepth before anything recursive sees it, reports keys
// repeated within one object, and takes time linear in the text (nlohmann's
// own DOM builders are quadratic for ordered_json: a key lookup per insert,
// and the callback parser rescans the parent container after every object).
//
// Documents are nlohmann::ordered_json so that "document order" exists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/run_config.hpp"

namespace keel::config {

using Json = nlohmann::ordered_json;

struct ParsedJson {
  std::optional<Json> document;     // absent when the text is not JSON or nests too deep
  std::vector<ConfigError> errors;  // syntax error or nesting (line:column), duplicate keys
  // Keys compared (a hash lookup counts one) looking for repeated keys: at
  // most 16 per key read, so tests can hold parsing to linear work.
  size_t key_comparisons = 0;
};

// Parses `text`. A syntax error gives one error, pointer "", message
// "invalid JSON at line L, column C: ..."; text nested too deep gives one
// error, pointer "", message "nested more than N levels deep at line L,
// column C ...". A key repeated within one object is an error at that key
// (the document is still returned, holding the last value at the first
// key's place).
ParsedJson parse_json(const std::string& text);

}  // namespace keel::config
