// Small helpers over RapidJSON for building JSON text. Domain types convert to and from JSON in
// one place each (their *_json.cpp); this header only saves repeating the writer boilerplate.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace moodgate::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Builds a JSON document with `fill(writer)` and returns its text.
template <typename Fill>
std::string build(Fill&& fill) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  fill(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void string(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

}  // namespace moodgate::json
