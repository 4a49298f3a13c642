#include "gemini_common/generate_content_reply.h"

#include <algorithm>
#include <array>

#include "gemini_common/error_reply.h"
#include "gemini_common/failure_message.h"
#include "gemini_common/json_text.h"
#include "moodgate/json.h"

namespace moodgate::providers::gemini_common {
namespace {

using sdk::FailureKind;

constexpr std::array<std::string_view, 7> kBlockingFinishReasons = {"SAFETY",
                                                                    "RECITATION",
                                                                    "BLOCKLIST",
                                                                    "PROHIBITED_CONTENT",
                                                                    "SPII",
                                                                    "IMAGE_SAFETY",
                                                                    "IMAGE_PROHIBITED_CONTENT"};

// More tokens than any call is billed for; bounds what a garbled count can add up to.
constexpr long long kMaxTokenCount = 1LL << 40;

// A token count of the reply, 0 when absent, negative or not an integer, at most kMaxTokenCount.
long long token_count(const rapidjson::Value& metadata, const char* name) {
  return std::clamp(integer_member(metadata, name).value_or(0), 0LL, kMaxTokenCount);
}

sdk::TokenUsage read_usage(const rapidjson::Value& root) {
  sdk::TokenUsage usage;
  const rapidjson::Value* metadata = find_object(root, "usageMetadata");
  if (metadata == nullptr) return usage;
  usage.input_tokens = token_count(*metadata, "promptTokenCount");
  // Both counts bounded, so their sum cannot overflow (it did, found by the gemini_reply fuzz
  // target).
  usage.output_tokens =
      token_count(*metadata, "candidatesTokenCount") + token_count(*metadata, "thoughtsTokenCount");
  return usage;
}

std::vector<Part> read_parts(const rapidjson::Value& candidate) {
  std::vector<Part> parts;
  const rapidjson::Value* content = find_object(candidate, "content");
  const rapidjson::Value* items = content ? find_array(*content, "parts") : nullptr;
  if (items == nullptr) return parts;
  for (const rapidjson::Value& item : items->GetArray()) {
    Part part;
    part.thought = is_true(item, "thought");
    part.text = std::string(string_member(item, "text"));
    if (const rapidjson::Value* inline_data = find_object(item, "inlineData")) {
      part.has_inline_data = true;
      part.mime_type = std::string(string_member(*inline_data, "mimeType"));
      part.data = std::string(string_member(*inline_data, "data"));
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace

bool is_blocking_finish_reason(std::string_view finish_reason) {
  for (std::string_view blocking : kBlockingFinishReasons) {
    if (finish_reason == blocking) return true;
  }
  return false;
}

std::variant<Candidate, sdk::Failure> read_generate_content(const Endpoint& endpoint,
                                                            const sdk::HttpReply& reply) {
  if (reply.status != 200) return failure_from_error_reply(endpoint, reply);
  if (reply.body.empty()) {
    return make_failure(endpoint, FailureKind::kBadResponse, "200 with an empty body");
  }
  rapidjson::Document doc;
  const auto error = sdk::parse_json(reply.body, doc);
  if (error && error->too_deep()) {
    return make_failure(endpoint, FailureKind::kBadResponse,
                        "200 with a body that " + error->describe());
  }
  if (error || !doc.IsObject()) {
    return make_failure(endpoint, FailureKind::kBadResponse,
                        "200 with a body that is not a JSON object (malformed or truncated)");
  }
  if (const rapidjson::Value* error = find_object(doc, "error")) {
    return failure_from_error_object(endpoint, *error, reply.headers);
  }

  const rapidjson::Value* candidates = find_array(doc, "candidates");
  if (candidates == nullptr || candidates->Empty() || !(*candidates)[0].IsObject()) {
    const rapidjson::Value* feedback = find_object(doc, "promptFeedback");
    const std::string_view block_reason =
        feedback ? string_member(*feedback, "blockReason") : std::string_view();
    if (!block_reason.empty()) {
      return make_failure(endpoint, FailureKind::kContentBlocked,
                          "the prompt was blocked (" + std::string(block_reason) + ")");
    }
    return make_failure(endpoint, FailureKind::kBadResponse, "200 with no candidates");
  }

  const rapidjson::Value& first = (*candidates)[0];
  Candidate candidate;
  candidate.finish_reason = std::string(string_member(first, "finishReason"));
  if (is_blocking_finish_reason(candidate.finish_reason)) {
    return make_failure(endpoint, FailureKind::kContentBlocked,
                        "the answer was blocked (finish reason " + candidate.finish_reason + ")");
  }
  candidate.parts = read_parts(first);
  candidate.usage = read_usage(doc);
  candidate.model = std::string(string_member(doc, "modelVersion"));
  if (candidate.model.empty()) candidate.model = endpoint.model;
  return candidate;
}

}  // namespace moodgate::providers::gemini_common
