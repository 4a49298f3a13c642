// A tiny test-side PNG reader for the mock provider's pictures: 8-bit RGB, no interlace,
// filter 0 rows, and a zlib stream of STORED deflate blocks only. It checks everything it
// reads (signature, chunk CRCs, zlib header, block lengths, Adler-32) and throws
// std::runtime_error saying what is wrong. Written independently of the plugin's encoder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moodgate::testing {

struct MockPng {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::string> chunk_types;  // in file order
  std::vector<std::uint8_t> rgb;         // width * height * 3, rows top to bottom
};

MockPng read_stored_png(const std::string& file);

// The mean of each channel over all pixels.
struct MeanColour {
  double r = 0;
  double g = 0;
  double b = 0;
};
MeanColour mean_colour(const MockPng& png);

}  // namespace moodgate::testing
