// What a generateContent reply to an image task means: the last non-thought inline image,
// decoded, with its usage, or a failure.
#pragma once

#include "gemini_common/endpoint.h"
#include "moodgate/provider.h"

namespace moodgate::providers::nano_banana {

// A Result with ImageOutput, or a Failure: every error the shared reader finds (a safety finish
// such as IMAGE_SAFETY is content_blocked), plus bad_response when no image came back (NO_IMAGE,
// IMAGE_OTHER, only text) or its data is not base64 of an image.
sdk::Next image_result(const gemini_common::Endpoint& endpoint, const sdk::HttpReply& reply);

}  // namespace moodgate::providers::nano_banana
