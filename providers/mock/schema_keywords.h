// Reading JSON Schema keywords for the mock's instances: which type a schema asks for, where
// a local "$ref" points, and how to fit a number, a string or an item count within the
// schema's bounds. Knows nothing of what the values mean (schema_instance does).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moodgate::mock {

// An instance larger than this is refused: minLength, minItems and nested arrays could
// otherwise ask for gigabytes (found by the mock_task fuzz target).
inline constexpr std::size_t kMaxInstanceBytes = std::size_t{256} * 1024;

// A name as matched: lower-cased, without '_' and '-' ("positive_count" -> "positivecount").
std::string name_key(std::string_view name);

std::string_view string_of(const rapidjson::Value& string);

// The member `name` of an object value, or null.
const rapidjson::Value* member(const rapidjson::Value& object, const char* name);

// The member `name` when it is a number.
std::optional<double> number_member(const rapidjson::Value& object, const char* name);

// The type `schema` asks for as a name_key ("object", "integer", ...): the first non-null one
// of a list; inferred from the other keywords when absent ("string" when nothing says).
std::string type_of(const rapidjson::Value& schema);

// `schema` after following local "$ref"s into `root` and taking the first anyOf/oneOf/allOf
// member that is not just null.
const rapidjson::Value& resolve(const rapidjson::Value& root, const rapidjson::Value& schema);

// `wanted` moved into minimum/maximum (inclusive or exclusive); rounded for an integer.
double fit_number(const rapidjson::Value& schema, double wanted, bool integer);

// `text` cut or padded with '.' to minLength..maxLength code points (padded to kMaxInstanceBytes
// at most: that many already make the instance too large).
std::string fit_length(const rapidjson::Value& schema, std::string text);

// `wanted` moved into minItems..maxItems (and never above 1000).
std::size_t fit_item_count(const rapidjson::Value& schema, std::size_t wanted);

// A valid example of a string format ("date-time", "email", "uuid", ...), or "".
std::string format_example(std::string_view format);

}  // namespace moodgate::mock
