#include "painting.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "hash.h"

namespace moodgate::mock {
namespace {

struct Ratio {
  std::string_view name;
  int across;
  int down;
};

constexpr std::array<Ratio, 10> kRatios = {{{"1:1", 1, 1},
                                            {"2:3", 2, 3},
                                            {"3:2", 3, 2},
                                            {"3:4", 3, 4},
                                            {"4:3", 4, 3},
                                            {"4:5", 4, 5},
                                            {"5:4", 5, 4},
                                            {"9:16", 9, 16},
                                            {"16:9", 16, 9},
                                            {"21:9", 21, 9}}};

constexpr std::array<Rgb, 3> kNeutral = {{{150, 150, 155}, {190, 190, 195}, {115, 118, 125}}};

constexpr std::size_t kMaxColours = 4;

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

Rgb lighten(const Rgb& c, double t) {
  return mix(c, {255, 255, 255}, t);
}
Rgb darken(const Rgb& c, double t) {
  return mix(c, {0, 0, 0}, t);
}

// 0 at 0, 1 at 1, flat at both ends.
double smoothstep(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

struct Blob {
  double x;
  double y;
  double radius;
  double strength;
  Rgb colour;
};

std::uint8_t channel(double v) {
  return static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0) + 0.5);
}

}  // namespace

std::optional<ImageSize> image_size(std::string_view aspect_ratio, std::string_view size) {
  if (aspect_ratio.empty()) aspect_ratio = "1:1";
  auto ratio = std::find_if(kRatios.begin(), kRatios.end(),
                            [&](const Ratio& r) { return r.name == aspect_ratio; });
  if (ratio == kRatios.end()) return std::nullopt;
  bool square = ratio->across == ratio->down;
  int long_side = 0;
  if (size.empty() || size == "1K") {
    long_side = square ? 256 : 320;
  } else if (size == "2K") {
    long_side = square ? 512 : 640;
  } else if (size == "4K") {
    long_side = 1024;
  } else {
    return std::nullopt;
  }
  int longer = std::max(ratio->across, ratio->down);
  int shorter = std::min(ratio->across, ratio->down);
  auto short_side = static_cast<std::uint32_t>((long_side * shorter + longer / 2) / longer);
  auto long_px = static_cast<std::uint32_t>(long_side);
  return ratio->across >= ratio->down ? ImageSize{long_px, short_side}
                                      : ImageSize{short_side, long_px};
}

std::vector<std::uint8_t> paint(const Analysis& analysis, std::uint64_t seed, ImageSize size) {
  std::vector<Rgb> palette;
  for (Emotion e : analysis.emotions) {
    if (palette.size() == kMaxColours) break;
    palette.push_back(emotion_colour(e));
  }
  if (palette.empty()) palette.assign(kNeutral.begin(), kNeutral.end());

  // The heaviest emotion sets the sky, the lightest the ground; blobs mix them all.
  Rgb top = lighten(palette.front(), 0.35);
  Rgb bottom = darken(palette.back(), 0.25);
  SplitMix64 random(seed);
  double w = size.width;
  double h = size.height;
  double scale = std::min(w, h);
  std::vector<Blob> blobs;
  std::size_t count = std::max<std::size_t>(3, palette.size() + 2);
  for (std::size_t i = 0; i < count; ++i) {
    Rgb colour = palette[i % palette.size()];
    if (i >= palette.size()) colour = i % 2 ? lighten(colour, 0.2) : darken(colour, 0.15);
    double x = w * (0.1 + 0.8 * random.unit());
    double y = h * (0.1 + 0.8 * random.unit());
    double radius = scale * (0.3 + 0.35 * random.unit()) / (1 + 0.15 * static_cast<double>(i));
    blobs.push_back({x, y, radius, 0.8 - 0.08 * static_cast<double>(i % 4), colour});
  }

  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(size.width) * size.height * 3);
  std::size_t at = 0;
  for (std::uint32_t py = 0; py < size.height; ++py) {
    double y = py + 0.5;
    Rgb row = mix(top, bottom, smoothstep(y / h));
    for (std::uint32_t px = 0; px < size.width; ++px) {
      double x = px + 0.5;
      Rgb c = row;
      for (const Blob& b : blobs) {
        double d = std::sqrt((x - b.x) * (x - b.x) + (y - b.y) * (y - b.y));
        if (d >= b.radius) continue;
        c = mix(c, b.colour, b.strength * smoothstep(1 - d / b.radius));
      }
      rgb[at++] = channel(c.r);
      rgb[at++] = channel(c.g);
      rgb[at++] = channel(c.b);
    }
  }
  return rgb;
}

}  // namespace moodgate::mock
