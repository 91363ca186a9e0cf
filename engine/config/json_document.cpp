// engine/config/json_document.cpp — a SAX handler that builds the ordered
// document in linear time and finds repeated keys.
#include "engine/config/json_document.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <utility>

#include "engine/config/json_checker.hpp"
#include "keel/sdk/json_depth.hpp"

namespace keel::config {
namespace {

// Where a parse error is, as 1-based line and column, from the byte count
// nlohmann reports (the offending character is the last one read).
std::pair<size_t, size_t> line_column(const std::string& text, size_t byte) {
  const size_t index = std::min(byte > 0 ? byte - 1 : 0, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < index; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, index - line_start + 1};
}

// "[json.exception.parse_error.101] parse error at line 1, column 8: syntax
// error ..." -> "syntax error ...".
std::string parse_error_detail(const std::string& what) {
  size_t start = what.find("parse error");
  if (start == std::string::npos) start = 0;
  const size_t colon = what.find(": ", start);
  if (colon != std::string::npos) return what.substr(colon + 2);
  const size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// nlohmann's SAX interface (json_sax in nlohmann/detail/input/json_sax.hpp).
// Containers being filled are on a stack; a pointer to one stays valid
// because nothing is added to a container while its last child is open.
class DocumentBuilder {
 public:
  DocumentBuilder(const std::string& text, Json& root, std::vector<ConfigError>& errors)
      : text_(text), root_(root), errors_(errors) {}

  size_t key_comparisons() const { return key_comparisons_; }

  bool null() { return add(Json(nullptr)) != nullptr; }
  bool boolean(bool value) { return add(Json(value)) != nullptr; }
  bool number_integer(Json::number_integer_t value) { return add(Json(value)) != nullptr; }
  bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value)) != nullptr; }
  bool number_float(Json::number_float_t value, const Json::string_t& /*text*/) {
    return add(Json(value)) != nullptr;
  }
  bool string(Json::string_t& value) { return add(Json(std::move(value))) != nullptr; }
  bool binary(Json::binary_t& value) { return add(Json(std::move(value))) != nullptr; }

  bool start_object(size_t /*elements*/) { return open(Json::object()); }
  bool start_array(size_t /*elements*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& key) {
    Frame& frame = frames_.back();
    frame.key = std::move(key);
    frame.repeated = find_key(frame);
    if (frame.repeated) {
      errors_.push_back({pointer(), "duplicate key '" + frame.key +
                                        "' (a key may appear only once in an object)"});
    }
    return true;
  }

  bool parse_error(size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& e) {
    // Every error nlohmann reports here (syntax, a number too large for a
    // double) is at `position`, the count of bytes read.
    const auto [line, column] = line_column(text_, position);
    // The syntax error is the only one reported: repeated keys before it may
    // be part of the same mistake.
    errors_.clear();
    errors_.push_back({"", "invalid JSON at line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": " + parse_error_detail(e.what())});
    return false;
  }

 private:
  // Objects up to this many keys are searched in place; past it a hash index
  // keeps the search for repeated keys constant-time.
  static constexpr size_t kScannedKeys = 16;

  struct Frame {
    Json* container;
    // Objects: the members read so far. They go into the object when it
    // closes, in one move: ordered_map's vector holds pair<const string,
    // Json>, which it copies (deeply) rather than moves when it grows.
    std::vector<std::pair<std::string, Json>> members;
    std::string key;                 // the key of the value being read
    std::optional<size_t> repeated;  // where `key` already is in `members`
    std::unique_ptr<std::unordered_map<std::string, size_t>> index;  // large objects
  };

  // Where `frame.key` already is in the object's members, if it is.
  std::optional<size_t> find_key(Frame& frame) {
    const auto& members = frame.members;
    if (frame.index) {
      ++key_comparisons_;
      auto it = frame.index->find(frame.key);
      if (it == frame.index->end()) return std::nullopt;
      return it->second;
    }
    for (size_t i = 0; i < members.size(); ++i) {
      ++key_comparisons_;
      if (members[i].first == frame.key) return i;
    }
    if (members.size() >= kScannedKeys) {
      frame.index = std::make_unique<std::unordered_map<std::string, size_t>>();
      for (size_t i = 0; i < members.size(); ++i) frame.index->emplace(members[i].first, i);
    }
    return std::nullopt;
  }

  // Puts a value where the parser is; returns where it now lives.
  Json* add(Json&& value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = frames_.back();
    if (frame.container->is_array()) {
      auto& array = frame.container->get_ref<Json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    }
    if (frame.repeated) {
      // As nlohmann does: the first key's place, the last value.
      Json& slot = frame.members[*frame.repeated].second;
      slot = std::move(value);
      return &slot;
    }
    frame.members.emplace_back(frame.key, std::move(value));
    if (frame.index) frame.index->emplace(frame.key, frame.members.size() - 1);
    return &frame.members.back().second;
  }

  bool open(Json&& container) {
    Json* placed = add(std::move(container));
    frames_.push_back(Frame{placed, {}, {}, std::nullopt, nullptr});
    return true;
  }

  bool close() {
    Frame& frame = frames_.back();
    if (frame.container->is_object()) {
      // Appended without ordered_map's search by key: the keys are distinct.
      Json::object_t::Container& object = frame.container->get_ref<Json::object_t&>();
      object.reserve(frame.members.size());
      for (auto& [key, value] : frame.members)
        object.emplace_back(std::move(key), std::move(value));
    }
    frames_.pop_back();
    return true;
  }

  // The JSON pointer of the value being read.
  std::string pointer() const {
    std::string out;
    for (const Frame& frame : frames_) {
      out = frame.container->is_array() ? pointer_child(out, frame.container->size() - 1)
                                        : pointer_child(out, frame.key);
    }
    return out;
  }

  const std::string& text_;
  Json& root_;
  std::vector<ConfigError>& errors_;
  std::vector<Frame> frames_;
  size_t key_comparisons_ = 0;
};

}  // namespace

ParsedJson parse_json(const std::string& text) {
  ParsedJson out;
  // Before parsing: the document's dump, copies, comparisons and the walk
  // that sorts errors all recurse once per level.
  if (auto deep = sdk::find_json_too_deep(text)) {
    out.errors.push_back(
        {"", sdk::describe_json_too_deep(*deep) +
                 "; a run file needs a few levels, so flatten the deep part (strategy or model "
                 "params can name a file of their own instead)"});
    return out;
  }
  Json document;
  std::vector<ConfigError> errors;
  DocumentBuilder builder(text, document, errors);
  if (Json::sax_parse(text, &builder)) out.document = std::move(document);
  out.errors = std::move(errors);
  out.key_comparisons = builder.key_comparisons();
  return out;
}

}  // namespace keel::config
