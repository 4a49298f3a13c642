// Failure messages the Gemini plugins hand to the core, which logs them and may show them to
// clients: one line, "<plugin>: <text>", at most kMaxMessageBytes, never the API key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini_common {

inline constexpr std::size_t kMaxMessageBytes = 300;

// "<plugin>: <text>" with control characters turned into spaces, every occurrence of the API key
// (an upstream may echo it) replaced by "[redacted]", and cut at a UTF-8 boundary to fit.
std::string failure_message(const Endpoint& endpoint, std::string_view text);

// A Failure of `kind` whose message is failure_message(endpoint, text).
sdk::Failure make_failure(const Endpoint& endpoint, sdk::FailureKind kind, std::string_view text);

}  // namespace moodgate::providers::gemini_common
