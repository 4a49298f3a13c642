// Small helpers over RapidJSON for the Gemini plugins: building request bodies and reading
// replies defensively (a reply's shape is never trusted, so lookups check types first). Replies
// are parsed with sdk::parse_json (moodgate/json.h), which bounds their depth.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

namespace moodgate::providers::gemini_common {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Builds a JSON document with `fill(writer)` and returns its text.
template <typename Fill>
std::string build_json(Fill&& fill) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  fill(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

inline void write_key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void write_string(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

// The member `name` of `value` when `value` is an object that has it, else nullptr.
const rapidjson::Value* find_member(const rapidjson::Value& value, const char* name);
// The member `name` when it is an object / array, else nullptr.
const rapidjson::Value* find_object(const rapidjson::Value& value, const char* name);
const rapidjson::Value* find_array(const rapidjson::Value& value, const char* name);
// The member `name` as a string; empty when absent or not a string.
std::string_view string_member(const rapidjson::Value& value, const char* name);
// The member `name` as a whole number; nullopt when absent or not an integer.
std::optional<long long> integer_member(const rapidjson::Value& value, const char* name);
// Whether the member `name` is the boolean true.
bool is_true(const rapidjson::Value& value, const char* name);

// The string value's text (it must be a string).
inline std::string_view view(const rapidjson::Value& string_value) {
  return {string_value.GetString(), string_value.GetStringLength()};
}

}  // namespace moodgate::providers::gemini_common
