// What a generateContent reply to a text task means: the answer's text (thought parts left out),
// its usage and finish reason, or a failure.
#pragma once

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini {

// A Result with TextOutput, or a Failure: every error the shared reader finds, plus
// bad_response for an answer with no text, or (when `task` asked for JSON) text that is not JSON.
sdk::Next text_result(const gemini_common::Endpoint& endpoint, const sdk::TextTask& task,
                      const sdk::HttpReply& reply);

}  // namespace moodgate::providers::gemini
