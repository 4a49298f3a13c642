// Small text helpers the validation rules share: UTF-8 length in code points, trimming, control
// characters, lower-casing ASCII. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moodgate::text {

// Code points of `s`, or nullopt if it is not valid UTF-8 (overlongs and surrogates included).
std::optional<std::size_t> utf8_length(std::string_view s);

// `s` without leading and trailing ASCII white space.
std::string_view trim(std::string_view s);

// Whether `s` holds an ASCII control character (tab and newline included).
bool has_control(std::string_view s);

// `s` with ASCII letters lower-cased (other bytes unchanged, so UTF-8 stays valid).
std::string ascii_lower(std::string_view s);

// The longest prefix of valid UTF-8 `s` of at most `max_bytes` bytes that ends on a character
// boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace moodgate::text
