// keel/sdk/json_depth.hpp — how deeply JSON text nests, found before it is
// parsed: the one nesting limit for every JSON a user hands keel (run files,
// params on the command line, params a plugin reads with keel::sdk::Params).
//
// nlohmann::json parses without recursion, but dumping, copying, comparing
// and walking a document recurse once per level, so text nested 100k levels
// deep parses fine and then overflows the stack. Scanning the text first
// refuses it before anything recursive sees it, and the scan knows the line
// and column, which nlohmann's parser callback does not expose.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keel::sdk {

// The deepest nesting keel accepts: levels of arrays and objects, the
// outermost counting as one. The Rust SDK's JSON reader has the same limit.
inline constexpr size_t kMaxJsonDepth = 128;

// Where text first nests deeper than the limit: the bracket that opens the
// level one too deep.
struct JsonTooDeep {
  size_t line;    // 1-based
  size_t column;  // 1-based, in bytes
  size_t offset;  // 0-based byte offset
};

// The first '[' or '{' outside strings that opens level max_depth + 1, or
// nullopt. One pass, no allocation. The text need not be valid JSON (the
// parser that runs next reports syntax errors); on any valid prefix the count
// is exactly the parser's nesting.
inline std::optional<JsonTooDeep> find_json_too_deep(std::string_view text,
                                                     size_t max_depth = kMaxJsonDepth) {
  size_t depth = 0;
  size_t line = 1;
  size_t line_start = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string (a raw newline is invalid JSON)
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return JsonTooDeep{line, i - line_start + 1, i};
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

// "nested more than 128 levels deep at line 3, column 17 (keel reads at most
// 128 levels of arrays and objects)".
inline std::string describe_json_too_deep(const JsonTooDeep& where,
                                          size_t max_depth = kMaxJsonDepth) {
  const std::string limit = std::to_string(max_depth);
  return "nested more than " + limit + " levels deep at line " + std::to_string(where.line) +
         ", column " + std::to_string(where.column) + " (keel reads at most " + limit +
         " levels of arrays and objects)";
}

}  // namespace keel::sdk
