// Base64 decoding for inline image data. Accepts what protobuf's JSON mapping allows for bytes:
// the standard or the URL-safe alphabet, with or without '=' padding. Nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moodgate::providers::nano_banana {

// The bytes `text` encodes, or nullopt when it is not base64.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace moodgate::providers::nano_banana
