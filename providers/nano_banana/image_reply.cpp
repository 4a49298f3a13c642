#include "image_reply.h"

#include <string>

#include "base64.h"
#include "gemini_common/failure_message.h"
#include "gemini_common/generate_content_reply.h"

namespace moodgate::providers::nano_banana {
namespace {

using gemini_common::make_failure;
using sdk::FailureKind;

// The type of an image whose inlineData names none, from its first bytes.
std::string sniffed_mime_type(std::string_view bytes) {
  if (bytes.starts_with("\x89PNG\r\n\x1a\n")) return "image/png";
  if (bytes.starts_with("\xff\xd8\xff")) return "image/jpeg";
  return "";
}

}  // namespace

sdk::Next image_result(const gemini_common::Endpoint& endpoint, const sdk::HttpReply& reply) {
  auto read = gemini_common::read_generate_content(endpoint, reply);
  if (auto* failure = std::get_if<sdk::Failure>(&read)) return std::move(*failure);
  auto& candidate = std::get<gemini_common::Candidate>(read);

  // Thinking models send interim images first: the answer is the last image that is not a thought.
  const gemini_common::Part* image = nullptr;
  for (const gemini_common::Part& part : candidate.parts) {
    if (part.has_inline_data && !part.thought) image = &part;
  }
  if (image == nullptr || image->data.empty()) {
    std::string text = "no image was returned";
    if (!candidate.finish_reason.empty()) {
      text.append(" (finish reason ").append(candidate.finish_reason).append(")");
    }
    return make_failure(endpoint, FailureKind::kBadResponse, text);
  }

  std::optional<std::string> bytes = decode_base64(image->data);
  if (!bytes) {
    return make_failure(endpoint, FailureKind::kBadResponse, "the image data is not valid base64");
  }
  std::string mime_type = image->mime_type.empty() ? sniffed_mime_type(*bytes) : image->mime_type;
  if (!mime_type.starts_with("image/")) {
    return make_failure(endpoint, FailureKind::kBadResponse,
                        "the inline data is not an image (" + mime_type + ")");
  }

  sdk::Result result;
  result.output = sdk::ImageOutput{std::move(*bytes), std::move(mime_type)};
  result.usage = candidate.usage;
  result.model = std::move(candidate.model);
  result.finish_reason = std::move(candidate.finish_reason);
  return result;
}

}  // namespace moodgate::providers::nano_banana
