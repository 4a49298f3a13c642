// Reading a generateContent reply into plain data, with everything both plugins treat alike
// already decided: HTTP errors, an unreadable body, an {"error"} body, a blocked prompt and a
// safety finish all come back as a Failure. What is left is the first candidate's parts for the
// plugin to turn into its output.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini_common {

struct Part {
  bool thought = false;  // an interim "thinking" part, never the answer
  std::string text;      // empty when the part has none
  bool has_inline_data = false;
  std::string mime_type;  // inlineData.mimeType
  std::string data;       // inlineData.data, still base64
};

struct Candidate {
  std::vector<Part> parts;
  std::string finish_reason;  // e.g. "STOP", "MAX_TOKENS", "NO_IMAGE"; may be empty
  sdk::TokenUsage usage;      // thinking tokens counted as output; each count 0..2^40
  std::string model;          // modelVersion, or the configured model when the reply has none
};

// Whether a finish reason is a policy refusal (safety, recitation, blocklist, ...): such an
// answer is content_blocked, whatever parts came with it.
bool is_blocking_finish_reason(std::string_view finish_reason);

// The first candidate of `reply`, or the Failure the reply amounts to.
std::variant<Candidate, sdk::Failure> read_generate_content(const Endpoint& endpoint,
                                                            const sdk::HttpReply& reply);

}  // namespace moodgate::providers::gemini_common
