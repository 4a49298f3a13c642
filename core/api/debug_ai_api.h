// POST /debug/ai/{capability}: one AI call through the configured chain, answered with what came
// of it. Served only when server.debug_endpoints is on (never in production: it has no auth). It
// lets tests and benchmarks drive the call engine over HTTP before the journal API exists, and
// lets an operator try a provider configuration by hand.
//
// Body: {"text": "...", "system_prompt": "...", "json_schema": "<JSON Schema as text>"} for
// analysis, scenarios and summary; {"prompt": "...", "aspect_ratio": "1:1"} for image.
// 200: {"provider", "model", "attempts", "latency_ms", "finish_reason", "input_tokens",
// "output_tokens", and "text" or "image": {"mime_type", "bytes"}}; a failure is the error
// envelope of core/ai/ai_error.h.
#pragma once

#include <chrono>

#include "core/ai/ai_caller.h"
#include "core/api/routes.h"

namespace moodgate::api {

struct DebugAiApiDeps {
  ai::AiCalls* caller = nullptr;
  // A call ends within this (the server's own request timeout, less a margin).
  std::chrono::milliseconds deadline{25000};
};

void register_debug_ai_api(Routes& routes, DebugAiApiDeps deps);

}  // namespace moodgate::api
