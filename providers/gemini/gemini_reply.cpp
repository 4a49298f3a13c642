#include "gemini_reply.h"

#include <string>

#include "gemini_common/failure_message.h"
#include "gemini_common/generate_content_reply.h"
#include "gemini_common/json_text.h"
#include "moodgate/json.h"

namespace moodgate::providers::gemini {
namespace {

using gemini_common::make_failure;
using sdk::FailureKind;

std::string with_reason(std::string text, const std::string& finish_reason) {
  if (!finish_reason.empty()) text.append(" (finish reason ").append(finish_reason).append(")");
  return text;
}

}  // namespace

sdk::Next text_result(const gemini_common::Endpoint& endpoint, const sdk::TextTask& task,
                      const sdk::HttpReply& reply) {
  auto read = gemini_common::read_generate_content(endpoint, reply);
  if (auto* failure = std::get_if<sdk::Failure>(&read)) return std::move(*failure);
  auto& candidate = std::get<gemini_common::Candidate>(read);

  std::string text;
  for (const gemini_common::Part& part : candidate.parts) {
    if (!part.thought) text += part.text;
  }
  if (text.empty()) {
    return make_failure(endpoint, FailureKind::kBadResponse,
                        with_reason("the answer has no text", candidate.finish_reason));
  }
  if (!task.json_schema.empty()) {
    // An answer cut off at MAX_TOKENS is the usual way JSON mode yields broken JSON.
    rapidjson::Document doc;
    if (const auto error = sdk::parse_json(text, doc)) {
      const std::string what =
          error->too_deep() ? "the answer " + error->describe() : "the answer is not valid JSON";
      return make_failure(endpoint, FailureKind::kBadResponse,
                          with_reason(what, candidate.finish_reason));
    }
  }
  sdk::Result result;
  result.output = sdk::TextOutput{std::move(text)};
  result.usage = candidate.usage;
  result.model = std::move(candidate.model);
  result.finish_reason = std::move(candidate.finish_reason);
  return result;
}

}  // namespace moodgate::providers::gemini
