#include "core/services/insights_service.h"

#include "core/ai/ai_await.h"
#include "core/ai/ai_error.h"
#include "core/common/threads.h"
#include "core/services/journal_prompts.h"
#include "core/store/entries_repository.h"

namespace moodgate::services {
namespace {

constexpr int kTopEmotions = 10;
constexpr auto kDay = std::chrono::hours(24);
constexpr int kDefaultDays = 30;

WallClock::time_point start_of_day(WallClock::time_point t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  return WallClock::time_point(days);
}

}  // namespace

InsightsService::InsightsService(store::Database& database, ai::AiCalls& ai,
                                 QuotaService* quotas, config::JournalConfig config,
                                 std::function<WallClock::time_point()> clock)
    : db_(database), quotas_(quotas), ai_(ai), config_(std::move(config)), clock_(std::move(clock)) {}

Period InsightsService::default_period() const {
  const WallClock::time_point tomorrow = start_of_day(clock_()) + kDay;
  return {format_rfc3339_ms(tomorrow - kDefaultDays * kDay), format_rfc3339_ms(tomorrow)};
}

Result<Overview> InsightsService::overview(const std::string& user_id, const Period& period) {
  const std::string today = format_rfc3339_ms(clock_()).substr(0, 10);
  return db_.run("insights.overview", [&](soci::session& sql) {
    store::InsightsRepository insights(sql);
    Overview out;
    out.period = period;
    out.entry_count = insights.entry_count(user_id, period.from, period.to);
    out.top_emotions = insights.top_emotions(user_id, period.from, period.to, kTopEmotions);
    out.sentiment_by_day = insights.sentiment_by_day(user_id, period.from, period.to);
    out.streak_days = insights.streak_days(user_id, today);
    return out;
  });
}

async::Task<Result<Summary>> InsightsService::summarize(CallContext context, Period period) {
  MG_EXPECT_MAY_BLOCK();
  struct Read {
    long long count = 0;
    std::vector<store::EntryRow> newest;
  };
  auto read = db_.run("insights.summary_entries", [&](soci::session& sql) {
    Read r;
    r.count = store::InsightsRepository(sql).entry_count(context.user_id, period.from, period.to);
    store::EntryFilter filter{period.from, period.to, std::nullopt};
    r.newest = store::EntriesRepository(sql).list(context.user_id, filter,
                                                  config_.summary_max_entries, std::nullopt);
    return r;
  });
  if (!read) co_return std::move(read).error();
  Summary out;
  out.period = period;
  out.entry_count = read->count;
  if (read->newest.empty()) co_return out;
  std::vector<EntryText> texts;
  for (const store::EntryRow& e : read->newest) {
    texts.push_back({e.created_at.substr(0, 10) + ": " + e.situation, e.thoughts, e.emotions});
  }
  ai::AiCall call{config::Capability::kSummary, summary_task(texts, period.from, period.to),
                  context.user_id, context.request_id, context.deadline, {}};
  if (quotas_ != nullptr) {
    if (Status held = quotas_->reserve_for(call, ai_); !held) co_return std::move(held).error();
  }
  const ai::AiAnswer answer = co_await ai::ask(ai_, std::move(call));
  if (!answer.ok()) co_return ai::error_for(answer);
  const auto* text = std::get_if<sdk::TextOutput>(&answer.result().output);
  auto parsed = text ? parse_summary(text->text)
                     : Result<PeriodSummary>(
                           Error(ErrorCode::kUpstreamError, "The provider answered without text"));
  if (!parsed) {
    Error error = parsed.error();
    error.with("provider", answer.provider);
    co_return error;
  }
  out.summary = std::move(parsed->summary);
  out.highlights = std::move(parsed->highlights);
  out.provider = answer.provider;
  out.model = answer.model;
  co_return out;
}

}  // namespace moodgate::services
