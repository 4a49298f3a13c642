// What an image file is: its media type and pixel size, read from the bytes themselves (a PNG's
// IHDR chunk, a JPEG's SOF0/SOF1/SOF2 frame header), never from what a provider claims.
// Only the headers are read; nothing is decoded. Thread-safe (a pure function).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moodgate::services {

struct ImageInfo {
  std::string mime_type;  // "image/png" or "image/jpeg"
  int width = 0;          // > 0
  int height = 0;         // > 0
};

// The type and size of a PNG or JPEG file; nullopt for anything else, a truncated header, or a
// zero size.
std::optional<ImageInfo> image_info(std::string_view bytes);

}  // namespace moodgate::services
