// How a failed AI call is answered over HTTP (API.md's error table): a safety refusal is 422
// CONTENT_BLOCKED, a provider that ran out of time 504 UPSTREAM_TIMEOUT, a chain whose every
// breaker is open 503 UNAVAILABLE, and any other failure after retries and fallbacks 502
// UPSTREAM_ERROR. details.provider names the instance and details.reason the failure kind.
#pragma once

#include "core/ai/ai_caller.h"
#include "core/common/error.h"

namespace moodgate::ai {

Error error_for(const AiAnswer& answer);

}  // namespace moodgate::ai
