// JSON Schema (what a TextTask's json_schema holds) to Gemini's responseSchema, an OpenAPI 3.0
// subset: type names in capitals; properties, items, required, enum, description, nullable,
// minimum/maximum, minItems/maxItems and propertyOrdering kept; annotations and keys Gemini does
// not take ($schema, additionalProperties, title, format, ...) dropped. Keys whose loss would
// silently loosen the schema ($ref, anyOf, oneOf, allOf, not) are refused instead.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace moodgate::providers::gemini {

// Why a schema cannot be converted, e.g. "`properties.mood.type` is `date`, not a JSON Schema
// type".
struct SchemaError {
  std::string reason;
};

// The responseSchema JSON text for `json_schema`, or why it cannot be made.
std::variant<std::string, SchemaError> to_response_schema(std::string_view json_schema);

}  // namespace moodgate::providers::gemini
