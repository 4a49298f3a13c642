// JSON texts nested far deeper than anything may parse, for the tests that make sure such a text
// is refused instead of crashing the process.
#pragma once

#include <string>

namespace moodgate::testing {

// `depth` arrays inside each other: "[[[...]]]", closed unless `closed` is false.
inline std::string nested_arrays(int depth, bool closed = true) {
  std::string text(static_cast<std::size_t>(depth), '[');
  if (closed) text.append(static_cast<std::size_t>(depth), ']');
  return text;
}

// `depth` objects inside each other: {"a":{"a":...1...}}; without `closed`, only the openings
// {"a":{"a":... and no value.
inline std::string nested_objects(int depth, bool closed = true) {
  std::string text;
  text.reserve(static_cast<std::size_t>(depth) * 6 + 1);
  for (int i = 0; i < depth; ++i) text += R"({"a":)";
  if (closed) {
    text += '1';
    text.append(static_cast<std::size_t>(depth), '}');
  }
  return text;
}

}  // namespace moodgate::testing
