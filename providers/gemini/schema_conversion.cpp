#include "schema_conversion.h"

#include <array>
#include <utility>

#include "gemini_common/json_text.h"
#include "moodgate/json.h"

namespace moodgate::providers::gemini {
namespace {

using gemini_common::view;
using gemini_common::write_key;
using gemini_common::write_string;
using gemini_common::Writer;

constexpr int kMaxDepth = 32;

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kTypeNames = {{
    {"object", "OBJECT"},
    {"string", "STRING"},
    {"number", "NUMBER"},
    {"integer", "INTEGER"},
    {"boolean", "BOOLEAN"},
    {"array", "ARRAY"},
}};

constexpr std::array<std::string_view, 5> kRefusedKeys = {"$ref", "anyOf", "oneOf", "allOf", "not"};

// `where` is a path with a trailing '.' ("" at the root, "properties.mood." below).
std::string described(const std::string& where) {
  return where.empty() ? "the schema" : "`" + where.substr(0, where.size() - 1) + "`";
}

// Thrown inside the converter only; to_response_schema turns it into a SchemaError.
struct Invalid {
  std::string reason;
};

std::string_view gemini_type(std::string_view json_type, const std::string& where) {
  for (const auto& [json_name, gemini_name] : kTypeNames) {
    if (json_type == json_name) return gemini_name;
  }
  throw Invalid{"`" + where + "type` is `" + std::string(json_type) +
                "`, which Gemini's responseSchema cannot express"};
}

class Converter {
 public:
  explicit Converter(Writer& writer) : w_(writer) {}

  void schema(const rapidjson::Value& node, const std::string& where, int depth) {
    if (depth > kMaxDepth) throw Invalid{"nested deeper than " + std::to_string(kMaxDepth)};
    if (!node.IsObject()) throw Invalid{described(where) + " is not a schema object"};
    for (std::string_view refused : kRefusedKeys) {
      if (node.HasMember(refused.data())) {
        throw Invalid{"`" + where + std::string(refused) + "` is not supported by Gemini"};
      }
    }
    w_.StartObject();
    type(node, where);
    for (const auto& member : node.GetObject()) {
      const std::string_view key = view(member.name);
      const rapidjson::Value& value = member.value;
      const std::string at = where + std::string(key);
      if (key == "properties") {
        properties(value, at, depth);
      } else if (key == "items") {
        write_key(w_, key);
        schema(value, at + ".", depth + 1);
      } else if (key == "required" || key == "enum" || key == "propertyOrdering") {
        strings(key, value, at);
      } else if (key == "description") {
        if (!value.IsString()) throw Invalid{"`" + at + "` is not a string"};
        write_key(w_, key);
        write_string(w_, view(value));
      } else if (key == "nullable") {
        if (!value.IsBool()) throw Invalid{"`" + at + "` is not a boolean"};
        write_key(w_, key);
        w_.Bool(value.GetBool());
      } else if (key == "minimum" || key == "maximum") {
        if (!value.IsNumber()) throw Invalid{"`" + at + "` is not a number"};
        write_key(w_, key);
        value.Accept(w_);
      } else if (key == "minItems" || key == "maxItems") {
        if (!value.IsUint64()) throw Invalid{"`" + at + "` is not a non-negative integer"};
        write_key(w_, key);
        w_.Uint64(value.GetUint64());
      }
      // Anything else ($schema, additionalProperties, title, format, ...) is dropped.
    }
    w_.EndObject();
  }

 private:
  // "type": a name, or [name, "null"] (JSON Schema's nullable). Without one it is inferred from
  // the keywords present, as Gemini requires a type on every schema.
  void type(const rapidjson::Value& node, const std::string& where) {
    std::string_view name;
    bool nullable = false;
    auto it = node.FindMember("type");
    if (it == node.MemberEnd()) {
      if (node.HasMember("properties")) {
        name = "object";
      } else if (node.HasMember("items")) {
        name = "array";
      } else if (node.HasMember("enum")) {
        name = "string";
      } else {
        throw Invalid{described(where) + " has no `type`"};
      }
    } else if (it->value.IsString()) {
      name = view(it->value);
    } else if (it->value.IsArray()) {
      for (const rapidjson::Value& entry : it->value.GetArray()) {
        if (!entry.IsString()) throw Invalid{"`" + where + "type` lists a non-string"};
        if (view(entry) == "null") {
          nullable = true;
        } else if (name.empty()) {
          name = view(entry);
        } else {
          throw Invalid{"`" + where + "type` lists several types; Gemini takes one"};
        }
      }
      if (name.empty()) throw Invalid{"`" + where + "type` names no type but null"};
    } else {
      throw Invalid{"`" + where + "type` is neither a string nor a list"};
    }
    write_key(w_, "type");
    write_string(w_, gemini_type(name, where));
    if (nullable && !node.HasMember("nullable")) {
      write_key(w_, "nullable");
      w_.Bool(true);
    }
  }

  void properties(const rapidjson::Value& value, const std::string& at, int depth) {
    if (!value.IsObject()) throw Invalid{"`" + at + "` is not an object"};
    write_key(w_, "properties");
    w_.StartObject();
    for (const auto& property : value.GetObject()) {
      write_key(w_, view(property.name));
      schema(property.value, at + "." + std::string(view(property.name)) + ".", depth + 1);
    }
    w_.EndObject();
  }

  void strings(std::string_view key, const rapidjson::Value& value, const std::string& at) {
    if (!value.IsArray()) throw Invalid{"`" + at + "` is not a list"};
    write_key(w_, key);
    w_.StartArray();
    for (const rapidjson::Value& entry : value.GetArray()) {
      if (!entry.IsString()) throw Invalid{"`" + at + "` holds a value that is not a string"};
      write_string(w_, view(entry));
    }
    w_.EndArray();
  }

  Writer& w_;
};

}  // namespace

std::variant<std::string, SchemaError> to_response_schema(std::string_view json_schema) {
  rapidjson::Document doc;
  if (const auto error = sdk::parse_json(json_schema, doc)) {
    return SchemaError{error->too_deep() ? "it " + error->describe() : "it is not valid JSON"};
  }
  if (!doc.IsObject()) return SchemaError{"it is not a JSON object"};
  try {
    return gemini_common::build_json([&](Writer& w) { Converter(w).schema(doc, "", 0); });
  } catch (const Invalid& invalid) {
    return SchemaError{invalid.reason};
  }
}

}  // namespace moodgate::providers::gemini
