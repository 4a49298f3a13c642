// How a failed AI call is answered over HTTP (API.md's error table): a safety refusal is 422
// CONTENT_BLOCKED, a provider that ran out of time 504 UPSTREAM_TIMEOUT, a chain whose every
// breaker is open 503 UNAVAILABLE, and any other failure after retries and fallbacks 502
// UPSTREAM_ERROR. details.provider names the instance and details.reason the failure kind.
//
// The message is a fixed sentence per kind, followed for refusals and provider errors by the
// failure's reason as safe_reason() leaves it (core/ai/failure_text.h): a client never sees a
// host, port, URL or key, however the plugin or the upstream worded its failure. The whole
// failure is in the log line AiCaller writes.
#pragma once

#include "core/ai/ai_caller.h"
#include "core/common/error.h"

namespace moodgate::ai {

Error error_for(const AiAnswer& answer);

}  // namespace moodgate::ai
