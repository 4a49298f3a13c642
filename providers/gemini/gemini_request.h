// The generateContent request for a text task: system instruction, conversation, generation
// config (temperature, output cap, JSON mode with a converted responseSchema) and safety settings.
#pragma once

#include <array>
#include <string_view>

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini {

// The harm categories every request sets a threshold for.
inline constexpr std::array<std::string_view, 4> kHarmCategories = {
    "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT"};

// The thresholds the `safety_threshold` setting may name.
inline constexpr std::array<std::string_view, 4> kSafetyThresholds = {
    "BLOCK_NONE", "BLOCK_ONLY_HIGH", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_LOW_AND_ABOVE"};

// The request for `task`, or an invalid_request Failure when the task cannot be expressed
// (no messages, an unknown role, an out-of-range option, an unusable json_schema).
sdk::Start text_request(const gemini_common::Endpoint& endpoint, std::string_view safety_threshold,
                        const sdk::TextTask& task);

}  // namespace moodgate::providers::gemini
