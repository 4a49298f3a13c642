#include "core/services/image_info.h"

#include <cstdint>
#include <limits>

namespace moodgate::services {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

std::uint32_t byte_at(std::string_view b, std::size_t i) {
  return static_cast<unsigned char>(b[i]);
}

std::uint32_t be16(std::string_view b, std::size_t at) {
  return byte_at(b, at) << 8 | byte_at(b, at + 1);
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return be16(b, at) << 16 | be16(b, at + 2);
}

std::optional<ImageInfo> sized(const char* mime, std::uint32_t width, std::uint32_t height) {
  constexpr auto kMax = static_cast<std::uint32_t>(std::numeric_limits<int>::max());
  if (width == 0 || height == 0 || width > kMax || height > kMax) return std::nullopt;
  return ImageInfo{mime, static_cast<int>(width), static_cast<int>(height)};
}

// PNG: the signature, then the IHDR chunk first (length 13, "IHDR", width, height).
std::optional<ImageInfo> png_info(std::string_view b) {
  if (b.size() < 8 + 8 + 8) return std::nullopt;
  if (be32(b, 8) != 13 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return sized("image/png", be32(b, 16), be32(b, 20));
}

// JPEG: SOI, then marker segments up to a start-of-frame (baseline, extended sequential or
// progressive), whose payload is precision(1) height(2) width(2).
std::optional<ImageInfo> jpeg_info(std::string_view b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (byte_at(b, at) != 0xFF) return std::nullopt;
    const std::uint32_t marker = byte_at(b, at + 1);
    if (marker == 0xFF) {  // fill byte before a marker
      ++at;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      at += 2;  // markers without a length
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // EOI or scan before any frame
    const std::uint32_t length = be16(b, at + 2);
    if (length < 2) return std::nullopt;
    if (marker == 0xC0 || marker == 0xC1 || marker == 0xC2) {
      if (length < 7 || at + 2 + 7 > b.size()) return std::nullopt;
      return sized("image/jpeg", be16(b, at + 7), be16(b, at + 5));
    }
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageInfo> image_info(std::string_view bytes) {
  if (bytes.substr(0, kPngSignature.size()) == kPngSignature) return png_info(bytes);
  if (bytes.size() >= 2 && byte_at(bytes, 0) == 0xFF && byte_at(bytes, 1) == 0xD8) {
    return jpeg_info(bytes);
  }
  return std::nullopt;
}

}  // namespace moodgate::services
