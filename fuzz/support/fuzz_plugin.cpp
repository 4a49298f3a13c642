#include "fuzz/support/fuzz_plugin.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "core/ai/plugin_loader.h"
#include "fuzz/support/fuzz_check.h"

namespace moodgate::fuzz {

const sdk::Provider& built_provider(const std::string& name, const sdk::Settings& settings) {
  // The loader logs each load; a fuzz run's output is for findings.
  spdlog::set_level(spdlog::level::warn);
  // Never freed: the provider's code must stay loaded until the process ends.
  static auto* loader = new ai::PluginLoader({MOODGATE_FUZZ_PLUGIN_DIR});
  auto plugin = loader->load(name);
  if (!plugin.ok()) {
    std::fprintf(stderr, "fuzz: cannot load plugin %s: %s\n", name.c_str(),
                 plugin.error().message.c_str());
    std::abort();
  }
  auto provider = loader->create(*plugin, settings, "fuzz");
  if (!provider.ok()) {
    std::fprintf(stderr, "fuzz: plugin %s refused its settings: %s\n", name.c_str(),
                 provider.error().message.c_str());
    std::abort();
  }
  // Reachable from a global until the process ends, so leak checkers do not count it.
  static auto* kept = new std::vector<std::shared_ptr<sdk::Provider>>();
  kept->push_back(std::move(provider).value());
  return *kept->back();
}

sdk::Settings gemini_settings(const std::string& model) {
  return {{"model", model}, {"api_key", kFuzzApiKey}, {"base_url", "http://127.0.0.1:9"}};
}

sdk::HttpReply reply_from(std::uint8_t status_choice, FuzzInput& input, bool with_retry_after) {
  sdk::HttpReply reply;
  reply.status = reply_status(status_choice);
  reply.headers = {{"content-type", "application/json; charset=UTF-8"}};
  if (with_retry_after) reply.headers.emplace_back("retry-after", std::string(input.until('\n')));
  reply.body = std::string(input.rest());
  return reply;
}

void check_gemini_failure(const sdk::Failure& failure) {
  FUZZ_CHECK(!failure.message.empty());
  FUZZ_CHECK(failure.message.size() <= 300);
  FUZZ_CHECK(failure.message.find(kFuzzApiKey) == std::string::npos);
  FUZZ_CHECK(failure.message.find('\n') == std::string::npos);
  FUZZ_CHECK(!failure.retry_after || failure.retry_after->count() >= 0);
}

std::optional<sdk::Result> finish_checked(const sdk::Provider& provider, const sdk::Task& task,
                                          const sdk::HttpRequest& sent, const sdk::HttpReply& reply,
                                          void (*check_failure)(const sdk::Failure&)) {
  sdk::Next next = provider.finish(task, sent, reply);
  FUZZ_CHECK(!std::holds_alternative<sdk::HttpRequest>(next));  // Gemini calls never poll
  if (const auto* failure = std::get_if<sdk::Failure>(&next)) {
    check_failure(*failure);
    return std::nullopt;
  }
  FUZZ_CHECK(reply.status == 200);
  sdk::Result result = std::get<sdk::Result>(std::move(next));
  FUZZ_CHECK(result.usage.input_tokens >= 0 && result.usage.output_tokens >= 0);
  return result;
}

}  // namespace moodgate::fuzz
