// The generateContent request for an image task: the prompt as the only content, image and text
// modalities, and the image's aspect ratio and (when asked for) size.
#pragma once

#include <array>
#include <string_view>

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::nano_banana {

inline constexpr std::array<std::string_view, 10> kAspectRatios = {
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"};

// "" means the model's default and sends no imageSize (2.5-flash-image takes none at all).
inline constexpr std::array<std::string_view, 4> kImageSizes = {"", "1K", "2K", "4K"};

// The request for `task`, or an invalid_request Failure for an empty prompt or an aspect ratio or
// size Gemini does not offer.
sdk::Start image_request(const gemini_common::Endpoint& endpoint, const sdk::ImageTask& task);

}  // namespace moodgate::providers::nano_banana
