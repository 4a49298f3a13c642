// The `gemini` provider plugin: text generation with a Gemini model over generateContent.
//
// Settings: model (required), api_key (required; sent only in x-goog-api-key), base_url
// (default https://generativelanguage.googleapis.com), safety_threshold (default BLOCK_ONLY_HIGH;
// BLOCK_NONE, BLOCK_ONLY_HIGH, BLOCK_MEDIUM_AND_ABOVE or BLOCK_LOW_AND_ABOVE, applied to every
// harm category). Immutable after construction, so safe to share between threads.
#include <algorithm>
#include <memory>
#include <string>

#include "gemini_common/endpoint.h"
#include "gemini_common/failure_message.h"
#include "gemini_reply.h"
#include "gemini_request.h"
#include "moodgate/provider.h"

namespace moodgate::providers::gemini {
namespace {

using gemini_common::make_failure;
using sdk::FailureKind;

constexpr std::string_view kPlugin = "gemini";
constexpr std::string_view kDefaultSafetyThreshold = "BLOCK_ONLY_HIGH";

std::string read_safety_threshold(const sdk::Settings& settings) {
  auto it = settings.find("safety_threshold");
  if (it == settings.end()) return std::string(kDefaultSafetyThreshold);
  if (std::find(kSafetyThresholds.begin(), kSafetyThresholds.end(), it->second) ==
      kSafetyThresholds.end()) {
    throw gemini_common::setting_error(kPlugin, "safety_threshold",
                                       "must be BLOCK_NONE, BLOCK_ONLY_HIGH, "
                                       "BLOCK_MEDIUM_AND_ABOVE or BLOCK_LOW_AND_ABOVE");
  }
  return it->second;
}

class GeminiProvider final : public sdk::Provider {
 public:
  explicit GeminiProvider(const sdk::Settings& settings)
      : endpoint_(gemini_common::read_endpoint(kPlugin, settings)),
        safety_threshold_(read_safety_threshold(settings)) {}

  std::vector<sdk::Capability> capabilities() const override { return {sdk::Capability::kText}; }
  std::string model() const override { return endpoint_.model; }

  sdk::Start start(const sdk::Task& task) const override {
    try {
      if (const auto* text = std::get_if<sdk::TextTask>(&task)) {
        return text_request(endpoint_, safety_threshold_, *text);
      }
      return make_failure(endpoint_, FailureKind::kInvalidRequest,
                          "gemini text models cannot make images");
    } catch (const std::exception&) {  // e.g. bad_alloc: the contract wants a value, not a throw
      return make_failure(endpoint_, FailureKind::kBadResponse, "could not build the request");
    }
  }

  sdk::Next finish(const sdk::Task& task, const sdk::HttpRequest&,
                   const sdk::HttpReply& reply) const override {
    try {
      if (const auto* text = std::get_if<sdk::TextTask>(&task)) {
        return text_result(endpoint_, *text, reply);
      }
      return make_failure(endpoint_, FailureKind::kInvalidRequest,
                          "gemini text models cannot make images");
    } catch (const std::exception&) {
      return make_failure(endpoint_, FailureKind::kBadResponse, "could not read the reply");
    }
  }

 private:
  const gemini_common::Endpoint endpoint_;
  const std::string safety_threshold_;
};

std::unique_ptr<sdk::Provider> create_gemini(const sdk::Settings& settings) {
  return std::make_unique<GeminiProvider>(settings);
}

}  // namespace
}  // namespace moodgate::providers::gemini

MOODGATE_EXPORT_PROVIDER(moodgate::providers::gemini::create_gemini);
MOODGATE_PROVIDER_VERSION("1.0.0");
