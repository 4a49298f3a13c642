// A small JSON Schema checker for the mock provider's tests: walks a schema and an instance
// together and lists what does not fit. Covers the keywords the gateway's schemas use: type
// (one or several), const, enum, required, properties, additionalProperties: false, items,
// minItems/maxItems, minimum/maximum, exclusiveMinimum/exclusiveMaximum (numbers),
// minLength/maxLength (code points), anyOf and local "$ref"s.
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace moodgate::testing {

// Empty when `instance` is valid; otherwise one line per problem, each with its JSON path.
std::vector<std::string> schema_violations(const rapidjson::Value& schema,
                                           const rapidjson::Value& instance);

}  // namespace moodgate::testing
