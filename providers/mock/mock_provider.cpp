// The `mock` provider: answers text and image tasks locally and deterministically from their
// content, in the shapes real providers give, so the whole app works offline and tests can
// rely on its answers. It never sends HTTP: start() always answers with a LocalAnswer (after
// the configured latency) or refuses the task.
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "analysis.h"
#include "hash.h"
#include "moodgate/provider.h"
#include "painting.h"
#include "png.h"
#include "schema_instance.h"
#include "settings.h"

namespace moodgate::mock {
namespace {

using sdk::Failure;
using sdk::FailureKind;

constexpr std::size_t kSummaryBytes = 200;
constexpr long long kImageOutputTokens = 1290;  // what one Gemini image is billed as

// Roughly what a tokenizer would make of `bytes` bytes of English.
long long tokens_for(std::size_t bytes) {
  return static_cast<long long>((bytes + 3) / 4);
}

constexpr std::string_view kSeparator("\0", 1);

std::uint64_t content_hash(const sdk::TextTask& task) {
  std::uint64_t h = fnv1a(task.system_prompt);
  for (const sdk::Message& m : task.messages) {
    h = fnv1a(m.text, fnv1a(kSeparator, fnv1a(m.role, fnv1a(kSeparator, h))));
  }
  return fnv1a(task.json_schema, fnv1a(kSeparator, h));
}

std::uint64_t content_hash(const sdk::ImageTask& task) {
  std::uint64_t h = fnv1a(task.prompt);
  h = fnv1a(task.aspect_ratio, fnv1a(kSeparator, h));
  return fnv1a(task.size, fnv1a(kSeparator, h));
}

Failure refuse(std::string message) {
  return Failure{FailureKind::kInvalidRequest, "mock: " + std::move(message), std::nullopt};
}

class MockProvider final : public sdk::Provider {
 public:
  explicit MockProvider(MockSettings settings) : settings_(std::move(settings)) {}

  std::vector<sdk::Capability> capabilities() const override {
    return {sdk::Capability::kText, sdk::Capability::kImage};
  }

  std::string model() const override { return settings_.model; }

  sdk::Start start(const sdk::Task& task) const override {
    try {
      return std::visit([this](const auto& t) { return answer(t); }, task);
    } catch (const std::exception& e) {
      return Failure{FailureKind::kBadResponse, std::string("mock: ") + e.what(), std::nullopt};
    }
  }

  sdk::Next finish(const sdk::Task&, const sdk::HttpRequest&,
                   const sdk::HttpReply&) const override {
    return Failure{FailureKind::kBadResponse, "mock: no HTTP exchange", std::nullopt};
  }

 private:
  // Whether the task with this content hash is one of the `failure_rate` share that fails.
  bool fails(std::uint64_t hash) const {
    return static_cast<double>(hash % 10000) < settings_.failure_rate * 10000;
  }

  sdk::LocalAnswer after_latency(std::variant<sdk::Result, Failure> outcome) const {
    return sdk::LocalAnswer{std::move(outcome), settings_.latency};
  }

  sdk::Start answer(const sdk::TextTask& task) const {
    const sdk::Message* last_user = nullptr;
    for (auto m = task.messages.rbegin(); m != task.messages.rend() && !last_user; ++m) {
      if (m->role == "user") last_user = &*m;
    }
    if (last_user == nullptr) return refuse("the task has no user message");
    if (fails(content_hash(task))) {
      return after_latency(
          Failure{FailureKind::kUnavailable, "mock: simulated failure", std::nullopt});
    }

    Analysis analysis = analyse(last_user->text);
    std::string text;
    if (task.json_schema.empty()) {
      std::string sentence = first_sentence(last_user->text, kSummaryBytes);
      text = sentence.empty() ? "(mock summary)" : sentence + " (mock summary)";
    } else {
      SchemaInstance instance = instance_of(task.json_schema, analysis);
      if (!instance.error.empty()) return refuse(instance.error);
      text = std::move(instance.json);
    }

    std::size_t prompt_bytes = task.system_prompt.size();
    for (const sdk::Message& m : task.messages) prompt_bytes += m.text.size();
    sdk::Result result;
    result.usage = {tokens_for(prompt_bytes), tokens_for(text.size())};
    result.output = sdk::TextOutput{std::move(text)};
    result.model = settings_.model;
    result.finish_reason = "STOP";
    return after_latency(std::move(result));
  }

  sdk::Start answer(const sdk::ImageTask& task) const {
    if (task.prompt.empty()) return refuse("the image prompt is empty");
    std::optional<ImageSize> size = image_size(task.aspect_ratio, task.size);
    if (!size) {
      return refuse("unsupported aspect_ratio \"" + task.aspect_ratio + "\" or size \"" +
                    task.size + "\"");
    }
    if (fails(content_hash(task))) {
      return after_latency(
          Failure{FailureKind::kUnavailable, "mock: simulated failure", std::nullopt});
    }

    std::vector<std::uint8_t> pixels = paint(analyse(task.prompt), fnv1a(task.prompt), *size);
    sdk::Result result;
    result.output = sdk::ImageOutput{encode_png(size->width, size->height, pixels), "image/png"};
    result.usage = {tokens_for(task.prompt.size()), kImageOutputTokens};
    result.model = settings_.model;
    result.finish_reason = "STOP";
    return after_latency(std::move(result));
  }

  const MockSettings settings_;
};

std::unique_ptr<sdk::Provider> create(const sdk::Settings& settings) {
  return std::make_unique<MockProvider>(parse_settings(settings));
}

}  // namespace
}  // namespace moodgate::mock

MOODGATE_EXPORT_PROVIDER(moodgate::mock::create);
MOODGATE_PROVIDER_VERSION("1.0.0");
