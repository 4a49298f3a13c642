// Specification of the `mock` provider's pictures: real PNGs, sized by the aspect ratio,
// painted in the colours of the emotions in the prompt, the same bytes for the same prompt.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "moodgate/provider.h"
#include "tests/providers/mock_png_reader.h"
#include "tests/providers/mock_test_support.h"

namespace moodgate {
namespace {

using namespace testing::mock_support;
using testing::mean_colour;
using testing::read_stored_png;

struct Expected {
  std::string ratio;
  std::string size;
  std::uint32_t width;
  std::uint32_t height;
};

}  // namespace

TEST_CASE("An image is a PNG any decoder can read, sized by the aspect ratio",
          "[providers][mock]") {
  auto provider = mock();
  const std::vector<Expected> cases = {
      {"1:1", "", 256, 256},     {"16:9", "", 320, 180},   {"9:16", "1K", 180, 320},
      {"4:3", "", 320, 240},     {"3:2", "", 320, 213},    {"21:9", "", 320, 137},
      {"16:9", "2K", 640, 360},  {"1:1", "2K", 512, 512},  {"16:9", "4K", 1024, 576},
      {"9:16", "4K", 576, 1024}, {"1:1", "4K", 1024, 1024}};
  for (const Expected& e : cases) {
    INFO(e.ratio << " " << e.size);
    std::string file = png_of(provider->start(image_task("a calm lake", e.ratio, e.size)));
    CHECK(file.substr(0, 8) == "\x89PNG\r\n\x1A\n");
    CHECK(file.substr(file.size() - 12) == std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12));
    testing::MockPng png;
    REQUIRE_NOTHROW(png = read_stored_png(file));
    CHECK(png.width == e.width);
    CHECK(png.height == e.height);
    CHECK(png.width <= 1024);
    CHECK(png.rgb.size() == std::size_t{e.width} * e.height * 3);
  }
}

TEST_CASE("Image colours follow the emotions in the prompt", "[providers][mock]") {
  auto provider = mock();
  auto mean_of = [&](const std::string& prompt) {
    return mean_colour(read_stored_png(png_of(provider->start(image_task(prompt)))));
  };
  testing::MeanColour angry = mean_of("angry and furious after the argument");
  INFO("angry " << angry.r << " " << angry.g << " " << angry.b);
  CHECK(angry.r > angry.b + 60);
  CHECK(angry.r > angry.g + 60);

  testing::MeanColour calm = mean_of("calm and peaceful by the sea");
  INFO("calm " << calm.r << " " << calm.g << " " << calm.b);
  CHECK(calm.b > calm.r + 40);

  testing::MeanColour plain = mean_of("a table and two chairs");
  INFO("plain " << plain.r << " " << plain.g << " " << plain.b);
  CHECK(plain.b - plain.r < 15);
  CHECK(plain.r - plain.b < 15);
}

TEST_CASE("The same image prompt gives the same bytes, and another prompt other bytes",
          "[providers][mock]") {
  auto first = mock();
  auto second = mock();
  std::string a = png_of(first->start(image_task("hopeful but tired", "16:9")));
  CHECK(png_of(first->start(image_task("hopeful but tired", "16:9"))) == a);
  CHECK(png_of(second->start(image_task("hopeful but tired", "16:9"))) == a);
  CHECK(png_of(first->start(image_task("hopeful but lonely", "16:9"))) != a);
}

TEST_CASE("An image is billed like a real one and finishes with STOP", "[providers][mock]") {
  sdk::Result result = result_of(mock()->start(image_task("a calm lake at dawn")));  // 19 bytes
  CHECK(result.usage.input_tokens == 5);
  CHECK(result.usage.output_tokens == 1290);
  CHECK(result.finish_reason == "STOP");
  CHECK(result.model == "mock-1");
}

TEST_CASE("An aspect ratio or size the providers do not offer is refused as an invalid request",
          "[providers][mock]") {
  auto provider = mock();
  for (const auto& [ratio, size] : std::vector<std::pair<std::string, std::string>>{
           {"7:5", ""}, {"1:1", "8K"}, {"wide", "1K"}}) {
    INFO(ratio << " " << size);
    sdk::Failure failure = refusal_of(provider->start(image_task("calm", ratio, size)));
    CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
  }
  CHECK(refusal_of(provider->start(image_task(""))).kind == sdk::FailureKind::kInvalidRequest);
}

}  // namespace moodgate
