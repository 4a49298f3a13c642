// The JSON error envelope of API.md, built in exactly one place:
//   {"error": {"code", "message", "details", "request_id"}}
// Every non-2xx answer the gateway sends, the framework-level ones included, goes through here.
#pragma once

#include <string>

#include "core/common/error.h"
#include "core/http/http_types.h"

namespace moodgate::http {

// The envelope text for an error.
std::string error_envelope_json(const Error& error, const std::string& request_id);

// A complete answer: the error's status and the envelope as body. 401 adds
// `WWW-Authenticate: Bearer`; 429 turns the details "retry_after_s" and "limit" into
// Retry-After and X-RateLimit-Limit/-Remaining/-Reset (seconds until the window resets).
HttpResponse error_response(const Error& error, const std::string& request_id);

}  // namespace moodgate::http
