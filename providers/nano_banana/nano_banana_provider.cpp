// The `nano_banana` provider plugin: image generation with a Gemini image model ("Nano Banana",
// e.g. gemini-2.5-flash-image or gemini-3-pro-image-preview) over generateContent.
//
// Settings: model (required), api_key (required; sent only in x-goog-api-key), base_url
// (default https://generativelanguage.googleapis.com). Immutable after construction, so safe to
// share between threads.
#include <memory>
#include <string>

#include "gemini_common/endpoint.h"
#include "gemini_common/failure_message.h"
#include "image_reply.h"
#include "image_request.h"
#include "moodgate/provider.h"

namespace moodgate::providers::nano_banana {
namespace {

using gemini_common::make_failure;
using sdk::FailureKind;

constexpr std::string_view kPlugin = "nano_banana";
constexpr std::string_view kNoText = "nano_banana image models do not answer text tasks";

class NanoBananaProvider final : public sdk::Provider {
 public:
  explicit NanoBananaProvider(const sdk::Settings& settings)
      : endpoint_(gemini_common::read_endpoint(kPlugin, settings)) {}

  std::vector<sdk::Capability> capabilities() const override { return {sdk::Capability::kImage}; }
  std::string model() const override { return endpoint_.model; }

  sdk::Start start(const sdk::Task& task) const override {
    try {
      if (const auto* image = std::get_if<sdk::ImageTask>(&task)) {
        return image_request(endpoint_, *image);
      }
      return make_failure(endpoint_, FailureKind::kInvalidRequest, kNoText);
    } catch (const std::exception&) {  // e.g. bad_alloc: the contract wants a value, not a throw
      return make_failure(endpoint_, FailureKind::kBadResponse, "could not build the request");
    }
  }

  sdk::Next finish(const sdk::Task& task, const sdk::HttpRequest&,
                   const sdk::HttpReply& reply) const override {
    try {
      if (std::holds_alternative<sdk::ImageTask>(task)) return image_result(endpoint_, reply);
      return make_failure(endpoint_, FailureKind::kInvalidRequest, kNoText);
    } catch (const std::exception&) {
      return make_failure(endpoint_, FailureKind::kBadResponse, "could not read the reply");
    }
  }

 private:
  const gemini_common::Endpoint endpoint_;
};

std::unique_ptr<sdk::Provider> create_nano_banana(const sdk::Settings& settings) {
  return std::make_unique<NanoBananaProvider>(settings);
}

}  // namespace
}  // namespace moodgate::providers::nano_banana

MOODGATE_EXPORT_PROVIDER(moodgate::providers::nano_banana::create_nano_banana);
MOODGATE_PROVIDER_VERSION("1.0.0");
