// The nano_banana plugin: how an image task becomes a generateContent call (modalities, aspect
// ratio, size), how the answer's image is chosen and decoded, and how refusals and errors map.
#include <catch2/catch.hpp>

#include <string>

#include "tests/providers/gemini_test_support.h"
#include "tests/support/deep_json.h"
#include "tests/support/provider_plugin.h"

using namespace moodgate;
using namespace moodgate::testing::gemini_test_support;
using moodgate::testing::load_built_provider;
using Kind = sdk::FailureKind;

namespace {

const sdk::Settings kSettings = {{"model", "gemini-3-pro-image-preview"},
                                 {"api_key", "test-key"},
                                 {"base_url", "http://127.0.0.1:9"}};

// A 1x1 PNG, and its base64 as Gemini sends it.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf"
    "\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60"
    "\x82",
    70);
const std::string kPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/"
    "iZk9HQAAAABJRU5ErkJggg==";

sdk::ImageTask image_task(std::string aspect_ratio = "16:9", std::string size = "2K") {
  return sdk::ImageTask{"An abstract watercolor of anxiety easing into hope",
                        std::move(aspect_ratio), std::move(size)};
}

sdk::Next finish_with(const sdk::HttpReply& reply) {
  auto provider = load_built_provider("nano_banana", kSettings);
  const sdk::Task task = image_task();
  return provider->finish(task, request_of(provider->start(task)), reply);
}

std::string image_part(const std::string& data, const std::string& extra = "") {
  return R"({"inlineData": {"mimeType": "image/png", "data": ")" + data + "\"}" + extra + "}";
}

}  // namespace

TEST_CASE("an image task asks generateContent for text and image with its ratio and size",
          "[providers]") {
  auto provider = load_built_provider("nano_banana", kSettings);
  CHECK(provider->model() == "gemini-3-pro-image-preview");
  CHECK(provider->capabilities() == std::vector<sdk::Capability>{sdk::Capability::kImage});

  const sdk::HttpRequest request = request_of(provider->start(image_task()));
  CHECK(request.url ==
        "http://127.0.0.1:9/v1beta/models/gemini-3-pro-image-preview:generateContent");
  CHECK(header_value(request, "x-goog-api-key") == "test-key");
  CHECK(request.url.find("test-key") == std::string::npos);

  rapidjson::Document body = parse_body(request.body);
  REQUIRE(body["contents"].Size() == 1);
  CHECK(std::string(body["contents"][0]["parts"][0]["text"].GetString()) == image_task().prompt);
  const auto& config = body["generationConfig"];
  REQUIRE(config["responseModalities"].Size() == 2);
  CHECK(std::string(config["responseModalities"][0].GetString()) == "TEXT");
  CHECK(std::string(config["responseModalities"][1].GetString()) == "IMAGE");
  CHECK(std::string(config["imageConfig"]["aspectRatio"].GetString()) == "16:9");
  CHECK(std::string(config["imageConfig"]["imageSize"].GetString()) == "2K");
}

TEST_CASE("imageSize is left out when the task asks for the model's default size", "[providers]") {
  auto provider = load_built_provider("nano_banana", kSettings);
  rapidjson::Document body = parse_body(request_of(provider->start(image_task("1:1", ""))).body);
  CHECK(std::string(body["generationConfig"]["imageConfig"]["aspectRatio"].GetString()) == "1:1");
  CHECK_FALSE(body["generationConfig"]["imageConfig"].HasMember("imageSize"));
}

TEST_CASE("aspect ratios and sizes Gemini does not offer are refused before sending",
          "[providers]") {
  auto provider = load_built_provider("nano_banana", kSettings);
  const auto [ratio, size] = GENERATE(table<std::string, std::string>(
      {{"7:3", ""}, {"", ""}, {"16x9", ""}, {"1:1", "1k"}, {"1:1", "8K"}, {"1:1", "1024x1024"}}));
  INFO(ratio << " / " << size);
  const sdk::Failure failure = failure_of(provider->start(image_task(ratio, size)));
  CHECK(failure.kind == Kind::kInvalidRequest);
  CHECK(failure.message.starts_with("nano_banana: "));
}

TEST_CASE("an image model refuses text tasks and empty prompts", "[providers]") {
  auto provider = load_built_provider("nano_banana", kSettings);
  sdk::TextTask text;
  text.messages = {{"user", "hello"}};
  CHECK(failure_of(provider->start(text)).kind == Kind::kInvalidRequest);
  sdk::ImageTask empty = image_task();
  empty.prompt.clear();
  CHECK(failure_of(provider->start(empty)).kind == Kind::kInvalidRequest);
}

TEST_CASE("the answer is the last non-thought image, decoded byte for byte", "[providers]") {
  const std::string parts = "[" + image_part("AAEC", R"(, "thought": true)") +
                            R"(, {"text": "Here is the image."}, )" + image_part(kPngBase64) +
                            R"(, {"text": "Done."}, )" +
                            image_part("/w==", R"(, "thought": true)") + "]";
  const sdk::Result result = result_of(
      finish_with(reply(200, candidate_body(parts, "STOP", "gemini-3-pro-image-preview"))));
  REQUIRE(std::holds_alternative<sdk::ImageOutput>(result.output));
  const auto& image = std::get<sdk::ImageOutput>(result.output);
  CHECK(image.bytes == kPng);
  CHECK(image.mime_type == "image/png");
  CHECK(result.usage.input_tokens == 102);
  CHECK(result.usage.output_tokens == 160 + 278);
  CHECK(result.model == "gemini-3-pro-image-preview");
  CHECK(result.finish_reason == "STOP");
}

TEST_CASE("every byte value survives base64, padded or not, standard or URL-safe", "[providers]") {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const std::string encoded = GENERATE(
      std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"
                  "PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3"
                  "eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKz"
                  "tLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v"
                  "8PHy8/T19vf4+fr7/P3+/w=="),
      std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"
                  "PD0-P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3"
                  "eHl6e3x9fn-AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq-wsbKz"
                  "tLW2t7i5uru8vb6_wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t_g4eLj5OXm5-jp6uvs7e7v"
                  "8PHy8_T19vf4-fr7_P3-_w"));
  // JSON escapes '/' optionally; the plugin must not care.
  const sdk::Result result =
      result_of(finish_with(reply(200, candidate_body("[" + image_part(encoded) + "]", "STOP"))));
  CHECK(std::get<sdk::ImageOutput>(result.output).bytes == all_bytes);
}

TEST_CASE("image safety and other policy finishes are content_blocked", "[providers]") {
  const std::string reason = GENERATE("IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
                                      "PROHIBITED_CONTENT", "SAFETY", "BLOCKLIST");
  const sdk::Failure failure = failure_of(finish_with(
      reply(200, R"({"candidates": [{"finishReason": ")" + reason + R"(", "index": 0}]})")));
  CHECK(failure.kind == Kind::kContentBlocked);
  CHECK(failure.message == "nano_banana: the answer was blocked (finish reason " + reason + ")");

  const sdk::Failure prompt = failure_of(
      finish_with(reply(200, R"({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})")));
  CHECK(prompt.kind == Kind::kContentBlocked);
}

TEST_CASE("a reply without an image is a bad response that says no image came back",
          "[providers]") {
  const std::string body =
      GENERATE(std::string(R"({"candidates": [{"finishReason": "NO_IMAGE"}]})"),
               std::string(R"({"candidates": [{"finishReason": "IMAGE_OTHER"}]})"),
               candidate_body(R"([{"text": "I would rather describe it."}])", "STOP"),
               candidate_body("[" + image_part("AAEC", R"(, "thought": true)") + "]", "STOP"),
               candidate_body("[" + image_part("") + "]", "STOP"));
  INFO(body);
  const sdk::Failure failure = failure_of(finish_with(reply(200, body)));
  CHECK(failure.kind == Kind::kBadResponse);
  CHECK(failure.message.starts_with("nano_banana: no image was returned"));
}

TEST_CASE("an image reply nested deeper than 64 levels is a bad response, never a crash",
          "[providers]") {
  for (const std::string& body : {moodgate::testing::nested_arrays(150'000, false),
                                  moodgate::testing::nested_objects(150'000)}) {
    const sdk::Failure failure = failure_of(finish_with(reply(200, body)));
    CHECK(failure.kind == Kind::kBadResponse);
    CHECK(failure.message == "nano_banana: 200 with a body that nests deeper than 64 levels");
  }
}

TEST_CASE("image data that is not base64 is a bad response", "[providers]") {
  const std::string data = GENERATE("iVBOR*w0", "iVBORw0KG", "iVBORw0KGgo=AAA", "a===", "QR==");
  INFO(data);
  const sdk::Failure failure =
      failure_of(finish_with(reply(200, candidate_body("[" + image_part(data) + "]", "STOP"))));
  CHECK(failure.kind == Kind::kBadResponse);
  CHECK(failure.message == "nano_banana: the image data is not valid base64");
}

TEST_CASE("image errors map exactly as text errors do", "[providers]") {
  const sdk::Failure quota = failure_of(finish_with(reply(
      429, error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", retry_info("1.203608125s")))));
  CHECK(quota.kind == Kind::kRateLimited);
  REQUIRE(quota.retry_after);
  CHECK(*quota.retry_after == std::chrono::milliseconds(1204));

  const sdk::Failure key =
      failure_of(finish_with(reply(400, error_body(400, "INVALID_ARGUMENT",
                                                   "API key not valid. Please pass a valid "
                                                   "API key."))));
  CHECK(key.kind == Kind::kAuth);
  CHECK(failure_of(finish_with(reply(503, error_body(503, "UNAVAILABLE", "Overloaded.")))).kind ==
        Kind::kUnavailable);
  CHECK(failure_of(finish_with(reply(504, ""))).kind == Kind::kTimeout);
  CHECK(failure_of(finish_with(reply(200, "{\"candidates\": [{\"content\""))).kind ==
        Kind::kBadResponse);
}

TEST_CASE("the image factory refuses missing settings without quoting the key", "[providers]") {
  auto refusal = [](sdk::Settings settings) -> std::string {
    try {
      load_built_provider("nano_banana", settings);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  sdk::Settings no_model = kSettings;
  no_model.erase("model");
  CHECK(refusal(no_model) == "nano_banana: setting `model` is required");
  sdk::Settings no_key = kSettings;
  no_key.erase("api_key");
  CHECK(refusal(no_key) == "nano_banana: setting `api_key` is required");
  sdk::Settings bad_url = kSettings;
  bad_url["base_url"] = "localhost:8080";
  CHECK(refusal(bad_url) == "nano_banana: setting `base_url` must start with http:// or https://");
}
