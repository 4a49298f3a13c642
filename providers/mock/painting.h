// The mock provider's pictures: the size an aspect ratio and size ask for, and a soft,
// deterministic painting of an analysis' emotions (a gradient with blended blobs in the
// colours of the emotions found; greys when none).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis.h"

namespace moodgate::mock {

struct ImageSize {
  std::uint32_t width;
  std::uint32_t height;
};

// Small on purpose: 1:1 is 256x256 and other ratios are 320 on the long side at "" or "1K";
// "2K" doubles that and "4K" makes the long side 1024. Nothing for a ratio or size that Gemini
// does not offer (1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9; "", "1K", "2K", "4K").
std::optional<ImageSize> image_size(std::string_view aspect_ratio, std::string_view size);

// width * height RGB pixels, rows top to bottom; `seed` places the blobs.
std::vector<std::uint8_t> paint(const Analysis& analysis, std::uint64_t seed, ImageSize size);

}  // namespace moodgate::mock
