// Gemini's error replies, {"error": {"code", "message", "status", "details": [...]}} under an HTTP
// status, mapped to the SDK's failure kinds (the table in shared/reference/gemini.md):
//   400 with an API-key problem -> auth; other 400, 404, other 4xx -> invalid_request;
//   401, 403 -> auth; 408, 504 -> timeout; 429 -> rate_limited; 500, 502, 503, other 5xx ->
//   unavailable; anything else -> bad_response.
// A retryable failure carries retry_after from the body's RetryInfo, else a Retry-After header.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <rapidjson/document.h>

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini_common {

// What a reply whose status is not 200 means.
sdk::Failure failure_from_error_reply(const Endpoint& endpoint, const sdk::HttpReply& reply);

// What an {"error": ...} object that came in a 200 body means; its `code` stands in for the
// HTTP status (bad_response when it has none).
sdk::Failure failure_from_error_object(const Endpoint& endpoint, const rapidjson::Value& error,
                                       const sdk::HttpHeaders& headers);

// A google.protobuf.Duration in JSON ("26s", "1.203608125s") in milliseconds, rounded up;
// nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_retry_delay(std::string_view text);

// A Retry-After header in delta-seconds ("120") in milliseconds; nullopt for anything else (an
// HTTP date would need a clock, which a plugin does not read).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view text);

}  // namespace moodgate::providers::gemini_common
