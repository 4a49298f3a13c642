#include "image_request.h"

#include <algorithm>
#include <string>

#include "gemini_common/failure_message.h"
#include "gemini_common/json_text.h"

namespace moodgate::providers::nano_banana {
namespace {

using gemini_common::make_failure;
using gemini_common::write_key;
using gemini_common::write_string;
using gemini_common::Writer;
using sdk::FailureKind;

template <std::size_t N>
bool is_one_of(const std::array<std::string_view, N>& allowed, std::string_view value) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

sdk::Start image_request(const gemini_common::Endpoint& endpoint, const sdk::ImageTask& task) {
  if (task.prompt.empty()) {
    return make_failure(endpoint, FailureKind::kInvalidRequest, "the image prompt is empty");
  }
  if (!is_one_of(kAspectRatios, task.aspect_ratio)) {
    return make_failure(endpoint, FailureKind::kInvalidRequest,
                        "aspect ratio `" + task.aspect_ratio +
                            "` is not one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9");
  }
  if (!is_one_of(kImageSizes, task.size)) {
    return make_failure(endpoint, FailureKind::kInvalidRequest,
                        "image size `" + task.size + "` is not one of 1K, 2K, 4K");
  }

  std::string body = gemini_common::build_json([&](Writer& w) {
    w.StartObject();
    write_key(w, "contents");
    w.StartArray();
    w.StartObject();
    write_key(w, "parts");
    w.StartArray();
    w.StartObject();
    write_key(w, "text");
    write_string(w, task.prompt);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    w.EndArray();

    write_key(w, "generationConfig");
    w.StartObject();
    write_key(w, "responseModalities");
    w.StartArray();
    write_string(w, "TEXT");
    write_string(w, "IMAGE");
    w.EndArray();
    write_key(w, "imageConfig");
    w.StartObject();
    write_key(w, "aspectRatio");
    write_string(w, task.aspect_ratio);
    if (!task.size.empty()) {
      write_key(w, "imageSize");
      write_string(w, task.size);
    }
    w.EndObject();
    w.EndObject();
    w.EndObject();
  });
  return gemini_common::generate_content_request(endpoint, std::move(body));
}

}  // namespace moodgate::providers::nano_banana
