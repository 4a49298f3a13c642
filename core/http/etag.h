// Entity tags for conditional GET: a strong ETag for a body, and whether a request's
// If-None-Match names it (then the answer is 304 without the body).
//
// The tag is a hash of the bytes (64-bit FNV-1a): it tells copies apart, it does not protect
// anything. Thread-safe: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moodgate::http {

// A strong entity tag for `body`, quotes included: "\"9f8c0e1d2b3a4c5d\"".
std::string strong_etag(std::string_view body);

// Whether an If-None-Match header value matches `etag`: "*", or a comma-separated list holding
// it (weak comparison, as RFC 9110 asks for If-None-Match: W/"x" matches "x").
bool if_none_match_matches(const std::optional<std::string>& if_none_match, std::string_view etag);

}  // namespace moodgate::http
