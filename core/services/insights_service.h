// InsightsService: the user's emotional picture over a period. overview() is computed in SQL
// (store::InsightsRepository), without AI; summarize() hands the period's newest entries
// (at most journal.summary_max_entries) to the `summary` provider chain and checks its
// structured answer. A period without entries is summarised without calling a provider; a
// provider call is first reserved against the user's summary quota (QuotaService, when given),
// and a refusal is the 429 QUOTA_EXCEEDED error.
// Periods are [from, to) in RFC 3339 ms text. Thread-safe; call on a worker-pool thread:
// overview() blocks on the database, summarize() reads there, suspends while the provider
// works and resumes on the pool.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/common/async.h"
#include "core/common/time_format.h"
#include "core/config/config.h"
#include "core/services/call_context.h"
#include "core/services/quota_service.h"
#include "core/store/database.h"
#include "core/store/insights_repository.h"

namespace moodgate::services {

struct Period {
  std::string from;
  std::string to;
};

struct Overview {
  Period period;
  long long entry_count = 0;
  std::vector<store::EmotionCount> top_emotions;
  std::vector<store::DaySentiment> sentiment_by_day;
  int streak_days = 0;
};

struct Summary {
  Period period;
  long long entry_count = 0;
  std::string summary;  // "" when the period has no entries
  std::vector<std::string> highlights;
  std::optional<std::string> provider;  // none when no provider was asked
  std::optional<std::string> model;
};

class InsightsService {
 public:
  // `quotas` may be null: no per-user quota is reserved.
  InsightsService(store::Database& database, ai::AiCalls& ai, QuotaService* quotas,
                  config::JournalConfig config,
                  std::function<WallClock::time_point()> clock = WallClock::now);

  // The default period when a request names none: the last 30 UTC days, today included.
  Period default_period() const;

  Result<Overview> overview(const std::string& user_id, const Period& period);
  async::Task<Result<Summary>> summarize(CallContext context, Period period);

 private:
  store::Database& db_;
  QuotaService* quotas_;
  ai::AiCalls& ai_;
  config::JournalConfig config_;
  std::function<WallClock::time_point()> clock_;
};

}  // namespace moodgate::services
