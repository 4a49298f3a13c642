// A minimal PNG encoder: 8-bit RGB, no filtering, the image data in a zlib stream of STORED
// (uncompressed) deflate blocks. Larger than a compressed PNG, but any decoder reads it and it
// needs no compression library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moodgate::mock {

// The CRC-32 PNG chunks carry (ISO 3309 / ITU-T V.42, the one zlib's crc32() computes).
std::uint32_t crc32(std::string_view bytes);

// The Adler-32 checksum that ends a zlib stream.
std::uint32_t adler32(std::string_view bytes);

// The PNG file for `rgb`: width * height pixels, rows top to bottom, three bytes each.
std::string encode_png(std::uint32_t width, std::uint32_t height,
                       const std::vector<std::uint8_t>& rgb);

}  // namespace moodgate::mock
