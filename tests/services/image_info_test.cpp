// image_info reads a PNG's or JPEG's type and size from its header bytes, and refuses
// anything else.
#include "core/services/image_info.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/fake_gemini.h"

using moodgate::services::image_info;

namespace {

std::string be16(unsigned v) {
  return {static_cast<char>(v >> 8 & 0xFF), static_cast<char>(v & 0xFF)};
}

std::string be32(unsigned v) {
  return be16(v >> 16) + be16(v & 0xFFFF);
}

std::string png_header(unsigned width, unsigned height) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// SOI, an APP0 (JFIF) segment, optionally a DQT, then a start-of-frame `sof`.
std::string jpeg_header(unsigned char sof, unsigned width, unsigned height) {
  std::string app0 = std::string("\xFF\xE0", 2) + be16(16) + std::string("JFIF\0\x01\x01\0", 8) +
                     be16(1) + be16(1) + std::string("\0\0", 2);
  std::string dqt = std::string("\xFF\xDB", 2) + be16(67) + std::string(65, '\x01');
  std::string frame = std::string("\xFF", 1) + static_cast<char>(sof) + be16(17) + '\x08' +
                      be16(height) + be16(width) + '\x03' + std::string(9, '\x11');
  return std::string("\xFF\xD8", 2) + app0 + dqt + frame + std::string("\xFF\xD9", 2);
}

}  // namespace

TEST_CASE("image_info reads a PNG's size from its IHDR chunk", "[services][image_info]") {
  auto tiny = image_info(moodgate::testing::tiny_png());
  REQUIRE(tiny);
  CHECK(tiny->mime_type == "image/png");
  CHECK(tiny->width == 1);
  CHECK(tiny->height == 1);

  auto wide = image_info(png_header(1344, 768));
  REQUIRE(wide);
  CHECK(wide->width == 1344);
  CHECK(wide->height == 768);
}

TEST_CASE("image_info reads a JPEG's size from its SOF0, SOF1 or SOF2 frame header",
          "[services][image_info]") {
  for (unsigned char sof : {0xC0, 0xC1, 0xC2}) {
    INFO(static_cast<int>(sof));
    auto info = image_info(jpeg_header(sof, 1024, 1792));
    REQUIRE(info);
    CHECK(info->mime_type == "image/jpeg");
    CHECK(info->width == 1024);
    CHECK(info->height == 1792);
  }
}

TEST_CASE("image_info refuses what is not a whole PNG or JPEG header", "[services][image_info]") {
  CHECK_FALSE(image_info(""));
  CHECK_FALSE(image_info("GIF89a......................"));
  CHECK_FALSE(image_info("<html>not an image</html>"));
  CHECK_FALSE(image_info(png_header(0, 10)));                 // zero width
  CHECK_FALSE(image_info(png_header(10, 10).substr(0, 20)));  // cut inside IHDR
  std::string not_ihdr = png_header(10, 10);
  not_ihdr.replace(12, 4, "IDAT");
  CHECK_FALSE(image_info(not_ihdr));
  const std::string jpeg = jpeg_header(0xC0, 640, 480);
  CHECK_FALSE(image_info(jpeg.substr(0, 30)));           // no frame header yet
  CHECK_FALSE(image_info(jpeg_header(0xC3, 640, 480)));  // lossless: not supported
  CHECK_FALSE(image_info(jpeg_header(0xC0, 0, 480)));
  CHECK_FALSE(image_info(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6)));  // a scan before a frame
}
