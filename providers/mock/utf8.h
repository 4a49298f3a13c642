// Small UTF-8 helpers for the mock provider: user text may hold any bytes, but JSON it writes
// must be valid UTF-8, and JSON Schema counts string lengths in code points.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moodgate::mock {

// `text` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// The number of code points in valid UTF-8 `text`.
std::size_t code_points(std::string_view text);

// The longest prefix of valid UTF-8 `text` with at most `max` code points.
std::string truncate_code_points(std::string_view text, double max);

}  // namespace moodgate::mock
