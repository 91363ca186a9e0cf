// config/run.schema.json and the parser accept the same keys, object by
// object, so neither can drift from the other.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/config/run_config_keys.hpp"

namespace keel::config {
namespace {

using nlohmann::json;

json load_schema() {
  std::ifstream in(std::filesystem::path(KEEL_SOURCE_DIR) / "config" / "run.schema.json");
  EXPECT_TRUE(in.good()) << "config/run.schema.json not found";
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

// Follows local "$ref": "#/$defs/..." references.
const json& resolve(const json& root, const json& node) {
  const json* at = &node;
  for (int hops = 0; at->is_object() && at->contains("$ref") && hops < 10; ++hops) {
    at = &root.at(json::json_pointer(at->at("$ref").get<std::string>().substr(1)));
  }
  return *at;
}

// The schema of the object a ConfigSection pattern names: "*" steps into an
// array's items or a map's additionalProperties.
const json& section_schema(const json& root, std::string_view where) {
  const json* node = &resolve(root, root);
  size_t pos = 0;
  while (pos < where.size()) {
    const size_t next = where.find('/', pos + 1);
    const std::string token(where.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    if (token == "*") {
      node = node->contains("items") ? &node->at("items") : &node->at("additionalProperties");
    } else {
      node = &node->at("properties").at(token);
    }
    node = &resolve(root, *node);
    pos = next == std::string_view::npos ? where.size() : next;
  }
  return *node;
}

TEST(ConfigSchema, IsJsonSchemaDraft2020) {
  const json schema = load_schema();
  ASSERT_FALSE(schema.is_discarded()) << "config/run.schema.json is not valid JSON";
  EXPECT_EQ(schema.value("$schema", ""), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_TRUE(schema.contains("title"));
  EXPECT_TRUE(schema.contains("description"));
}

TEST(ConfigSchema, EveryObjectHasExactlyTheParsersKeys) {
  const json schema = load_schema();
  ASSERT_FALSE(schema.is_discarded());
  for (const ConfigSection& section : kConfigSections) {
    SCOPED_TRACE("section \"" + std::string(section.where) + "\"");
    const json* node = nullptr;
    try {
      node = &section_schema(schema, section.where);
    } catch (const json::exception& e) {
      ADD_FAILURE() << "the schema has no object at this place: " << e.what();
      continue;
    }
    std::set<std::string> schema_keys;
    for (const auto& [key, property] : node->at("properties").items()) {
      schema_keys.insert(key);
      EXPECT_TRUE(property.contains("description") || property.contains("$ref"))
          << key << " has no description";
    }
    const std::set<std::string> parser_keys(section.keys.begin(), section.keys.end());
    EXPECT_EQ(schema_keys, parser_keys);
    EXPECT_EQ(node->value("type", ""), "object");
    EXPECT_EQ(node->value("additionalProperties", json(true)), json(false))
        << "additionalProperties must be false";
  }
}

TEST(ConfigSchema, RequiredKeysMatchTheParser) {
  const json schema = load_schema();
  ASSERT_FALSE(schema.is_discarded());
  const auto required = [&](std::string_view where) {
    std::set<std::string> out;
    const json& node = section_schema(schema, where);
    if (node.contains("required")) {
      for (const auto& key : node["required"]) out.insert(key.get<std::string>());
    }
    return out;
  };
  using Keys = std::set<std::string>;
  EXPECT_EQ(required(""), (Keys{"run", "instruments", "data", "strategies", "output"}));
  EXPECT_EQ(required("/run"), Keys{"name"});
  EXPECT_EQ(required("/instruments/*"), (Keys{"id", "kind"}));
  EXPECT_EQ(required("/data/*"), (Keys{"path", "format"}));
  EXPECT_EQ(required("/venue"), Keys{});
  EXPECT_EQ(required("/risk"), Keys{});
  EXPECT_EQ(required("/pricing_models/*"), Keys{"factory"});
  // "factory" or "python", exactly one: the schema's oneOf says so.
  EXPECT_EQ(required("/strategies/*"), (Keys{"name", "instruments"}));
  EXPECT_EQ(required("/strategies/*/python"), (Keys{"script", "class"}));
  EXPECT_EQ(required("/output"), Keys{"dir"});
}

}  // namespace
}  // namespace keel::config
