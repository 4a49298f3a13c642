// AnalysisRunner: an entry's analysis, from the analysis cache when an identical request was
// answered before, otherwise through the `analysis` provider chain.
//
// "Identical" means the same task (prompt, emotions, schema: task_digest()) for the same
// provider instance and model. An answer is remembered under the instance and model that gave
// it, and the lookup tries every instance of the chain in its order: when the first one's
// breaker is open and the second answered, the second's answer is found.
// Only answers that fit the analysis schema are remembered, for journal.analysis_cache_ttl_s
// (0: no cache). A provider answer that does not fit the schema, like a provider failure,
// gives a `failed` analysis with the API error code and message; run() itself never fails.
// A call to the provider is reserved against the user's quota first (QuotaService, when given);
// a refusal gives a `failed` analysis with QUOTA_EXCEEDED, and the 429 error in quota_refusal.
// A cache hit costs no quota. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/ai/ai_caller.h"
#include "core/common/async.h"
#include "core/common/time_format.h"
#include "core/services/call_context.h"
#include "core/services/journal_prompts.h"
#include "core/services/quota_service.h"
#include "core/store/analysis_cache_repository.h"
#include "core/store/database.h"

namespace moodgate::services {

class AnalysisRunner {
 public:
  struct Outcome {
    store::Analysis analysis;  // ready or failed
    // What to remember once the analysis is stored (a fresh answer that fit the schema).
    std::optional<std::pair<std::string, store::CachedAnswer>> cache_entry;
    // The user's quota refused the provider call: the 429 (analysis is failed with its code).
    std::optional<Error> quota_refusal;
  };

  // `quotas` may be null: no quota is reserved.
  AnalysisRunner(store::Database& database, ai::AiCalls& ai, const ai::ProviderRegistry& providers,
                 QuotaService* quotas, int cache_ttl_s,
                 std::function<WallClock::time_point()> clock = WallClock::now);

  // The analysis of `entry`. Runs on a worker-pool thread (the cache is read there) and
  // resumes there after the AI call.
  async::Task<Outcome> run(CallContext context, EntryText entry);

  // Stores outcome.cache_entry, if any, on `sql` (call inside the transaction that stores the
  // analysis itself).
  void remember(soci::session& sql, const Outcome& outcome) const;

 private:
  // A remembered analysis of `task` by any instance of `chain`, first in chain order.
  std::optional<store::Analysis> cached(const ai::Chain& chain, const sdk::TextTask& task) const;

  store::Database& db_;
  ai::AiCalls& ai_;
  const ai::ProviderRegistry& providers_;
  QuotaService* quotas_;
  int cache_ttl_s_;
  std::function<WallClock::time_point()> clock_;
};

// The cache key for `task` answered by `instance` running `model`.
std::string analysis_cache_key(const std::string& instance, const std::string& model,
                               const sdk::TextTask& task);

}  // namespace moodgate::services
