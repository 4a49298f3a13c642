#include "core/services/analysis_runner.h"

#include <spdlog/spdlog.h>

#include "core/ai/ai_await.h"
#include "core/ai/ai_error.h"
#include "core/common/threads.h"

namespace moodgate::services {
namespace {

store::Analysis failed_analysis(const Error& error, std::string provider, std::string model) {
  store::Analysis a;
  a.status = store::AnalysisStatus::kFailed;
  a.error_code = error_code_name(error.code);
  a.error_message = error.message;
  a.provider = std::move(provider);
  a.model = std::move(model);
  return a;
}

// The configured model of `instance` in `chain` ("" when it is not there).
std::string model_of(const ai::Chain& chain, const std::string& instance) {
  for (const auto& i : chain) {
    if (i->config.name == instance) return i->model;
  }
  return "";
}

}  // namespace

std::string analysis_cache_key(const std::string& instance, const std::string& model,
                               const sdk::TextTask& task) {
  sdk::TextTask keyed = task;
  keyed.system_prompt = "analysis\n" + instance + "\n" + model + "\n" + task.system_prompt;
  return task_digest(keyed);
}

AnalysisRunner::AnalysisRunner(store::Database& database, ai::AiCalls& ai,
                               const ai::ProviderRegistry& providers, QuotaService* quotas,
                               int cache_ttl_s, std::function<WallClock::time_point()> clock)
    : db_(database),
      ai_(ai),
      providers_(providers),
      quotas_(quotas),
      cache_ttl_s_(cache_ttl_s),
      clock_(std::move(clock)) {}

std::optional<store::Analysis> AnalysisRunner::cached(const ai::Chain& chain,
                                                      const sdk::TextTask& task) const {
  const std::string now = format_rfc3339_ms(clock_());
  for (const auto& instance : chain) {
    const std::string key = analysis_cache_key(instance->config.name, instance->model, task);
    auto hit = db_.run("analysis_cache.get", [&](soci::session& sql) {
      return store::AnalysisCacheRepository(sql).get(key, now);
    });
    // A cache that cannot be read only costs a provider call.
    if (!hit.ok()) return std::nullopt;
    if (!hit->has_value()) continue;
    auto analysis = parse_analysis((*hit)->result_json);
    if (!analysis.ok()) continue;
    analysis->provider = (*hit)->provider;
    analysis->model = (*hit)->model;
    return std::move(analysis).value();
  }
  return std::nullopt;
}

async::Task<AnalysisRunner::Outcome> AnalysisRunner::run(CallContext context, EntryText entry) {
  MG_EXPECT_MAY_BLOCK();
  sdk::TextTask task = analysis_task(entry);
  const std::shared_ptr<const ai::ProviderSet> providers = providers_.current();
  const ai::Chain chain = providers->chain(config::Capability::kAnalysis);
  const bool caching = cache_ttl_s_ > 0;
  Outcome out;
  if (caching) {
    if (auto hit = cached(chain, task)) {
      out.analysis = std::move(*hit);
      co_return out;
    }
  }

  ai::AiCall call{config::Capability::kAnalysis, task, context.user_id, context.request_id,
                  context.deadline, {}};
  if (quotas_ != nullptr) {
    if (Status held = quotas_->reserve_for(call, ai_); !held) {
      out.analysis = failed_analysis(held.error(), "", "");
      if (held.error().code == ErrorCode::kQuotaExceeded) out.quota_refusal = held.error();
      co_return out;
    }
  }
  const ai::AiAnswer answer = co_await ai::ask(ai_, std::move(call));
  if (!answer.ok()) {
    out.analysis = failed_analysis(ai::error_for(answer), answer.provider, answer.model);
    co_return out;
  }
  const auto* text = std::get_if<sdk::TextOutput>(&answer.result().output);
  auto analysis = text ? parse_analysis(text->text)
                       : Result<store::Analysis>(Error(ErrorCode::kUpstreamError,
                                                       "The provider answered without text"));
  if (!analysis.ok()) {
    spdlog::warn("analysis from provider {} did not fit the schema: {}", answer.provider,
                 analysis.error().message);
    Error error = analysis.error();
    error.with("provider", answer.provider);
    out.analysis = failed_analysis(error, answer.provider, answer.model);
    co_return out;
  }
  out.analysis = std::move(analysis).value();
  out.analysis.provider = answer.provider;
  out.analysis.model = answer.model;
  if (caching) {
    const std::string model = model_of(chain, answer.provider);
    out.cache_entry.emplace(analysis_cache_key(answer.provider, model, task),
                            store::CachedAnswer{answer.provider, answer.model, text->text});
  }
  co_return out;
}

void AnalysisRunner::remember(soci::session& sql, const Outcome& outcome) const {
  if (!outcome.cache_entry) return;
  const WallClock::time_point now = clock_();
  store::AnalysisCacheRepository(sql).put(
      outcome.cache_entry->first, outcome.cache_entry->second, format_rfc3339_ms(now),
      format_rfc3339_ms(now + std::chrono::seconds(cache_ttl_s_)));
}

}  // namespace moodgate::services
