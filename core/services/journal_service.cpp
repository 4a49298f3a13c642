#include "core/services/journal_service.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "core/ai/ai_await.h"
#include "core/ai/ai_error.h"
#include "core/common/threads.h"
#include "core/common/uuid.h"
#include "core/store/page_cursor.h"

namespace moodgate::services {
namespace {

Error entry_not_found() {
  return Error::not_found("No such entry");
}

EntryText text_of(const store::EntryRow& entry) {
  return {entry.situation, entry.thoughts, entry.emotions};
}

// The `count` scenarios of a provider's answer, or why there are none.
Result<std::vector<store::Scenario>> scenarios_of(const ai::AiAnswer& answer, int count) {
  if (!answer.ok()) return ai::error_for(answer);
  const auto* out = std::get_if<sdk::TextOutput>(&answer.result().output);
  if (out == nullptr) return Error(ErrorCode::kUpstreamError, "The provider answered without text");
  auto scenarios = parse_scenarios(out->text, count);
  if (!scenarios.ok()) {
    spdlog::warn("scenarios from provider {} did not fit the schema: {}", answer.provider,
                 scenarios.error().message);
    Error error = scenarios.error();
    error.with("provider", answer.provider);
    return error;
  }
  return scenarios;
}

}  // namespace

JournalService::JournalService(JournalServiceDeps deps)
    : deps_(std::move(deps)),
      db_(*deps_.database),
      analysis_(*deps_.database, *deps_.ai, *deps_.providers, deps_.quotas,
                deps_.config.analysis_cache_ttl_s, deps_.clock) {}

std::string JournalService::now() const {
  return format_rfc3339_ms(deps_.clock());
}

std::string JournalService::pending_until(WallClock::time_point at) const {
  return format_rfc3339_ms(at + deps_.analysis_lease);
}

async::Task<Result<store::EntryRow>> JournalService::create(CallContext context, EntryDraft draft,
                                                            bool analyze) {
  MG_EXPECT_MAY_BLOCK();
  store::EntryRow entry;
  entry.id = new_uuid();
  entry.user_id = context.user_id;
  entry.situation = std::move(draft.situation);
  entry.thoughts = std::move(draft.thoughts);
  entry.emotions = std::move(draft.emotions);
  const WallClock::time_point at = deps_.clock();
  entry.analysis.status =
      analyze ? store::AnalysisStatus::kPending : store::AnalysisStatus::kSkipped;
  if (analyze) entry.analysis.pending_until = pending_until(at);
  entry.created_at = format_rfc3339_ms(at);
  entry.updated_at = entry.created_at;
  // The scenarios' quota is reserved in the transaction that saves the entry (one write, not
  // two); over it the entry simply gets no scenarios.
  std::optional<ai::AiCall> scenarios;
  if (analyze && deps_.config.scenario_count > 0) {
    scenarios = scenarios_call(context, text_of(entry), deps_.config.scenario_count);
  }
  const long long estimate =
      scenarios && quotas_on() ? deps_.ai->estimate_micros(*scenarios) : 0;
  Status saved = db_.transaction("entries.insert", [&](soci::session& sql) {
    store::EntriesRepository(sql).insert(entry);
    if (scenarios && quotas_on()) {
      store::QuotaReservation held = deps_.quotas->reserve_on(
          sql, context.user_id, config::Capability::kScenarios, estimate, unix_seconds(at));
      if (held.granted()) {
        scenarios->reservation_id = std::move(held.id);
      } else {
        scenarios.reset();
      }
    }
  });
  if (!saved) co_return std::move(saved).error();
  if (!analyze) co_return entry;
  Result<store::EntryRow> enriched = co_await enrich(std::move(context), std::move(entry),
                                                     std::move(scenarios), OverQuota::kStoreFailed);
  co_return enriched;
}

async::Task<Result<store::EntryRow>> JournalService::enrich(
    CallContext context, store::EntryRow entry, std::optional<ai::AiCall> scenarios_call,
    OverQuota over_quota) {
  MG_EXPECT_MAY_BLOCK();
  const EntryText text = text_of(entry);
  // The scenarios' call starts first, so it runs while the analysis is looked up and made.
  std::optional<ai::StartedCall> scenarios_call_started;
  const int scenario_count = deps_.config.scenario_count;
  if (scenarios_call) scenarios_call_started.emplace(*deps_.ai, std::move(*scenarios_call));
  AnalysisRunner::Outcome analysis = co_await analysis_.run(context, text);
  if (analysis.quota_refusal && over_quota == OverQuota::kRefuse) {
    co_return std::move(*analysis.quota_refusal);
  }
  std::optional<std::vector<store::Scenario>> scenarios;
  if (scenarios_call_started) {
    const ai::AiAnswer answer = co_await scenarios_call_started->answer();
    auto parsed = scenarios_of(answer, scenario_count);
    if (parsed.ok()) scenarios = std::move(parsed).value();
  }

  MG_EXPECT_MAY_BLOCK();
  const std::string at = now();
  auto stored = db_.transaction("entries.store_ai", [&](soci::session& sql) {
    store::EntriesRepository entries(sql);
    if (entries.set_analysis(entry.id, entry.revision, analysis.analysis, at)) {
      analysis_.remember(sql, analysis);
      if (scenarios) {
        for (store::Scenario& s : *scenarios) s.id = new_uuid();
        entries.replace_scenarios(entry.id, *scenarios, at);
      }
    }
    return entries.find(context.user_id, entry.id);
  });
  if (!stored) co_return std::move(stored).error();
  if (!*stored) co_return entry_not_found();  // deleted while the providers were working
  co_return std::move(**stored);
}

bool JournalService::quotas_on() const {
  return deps_.quotas != nullptr && deps_.quotas->enabled();
}

Status JournalService::reserve(ai::AiCall& call) {
  if (deps_.quotas == nullptr) return {};
  return deps_.quotas->reserve_for(call, *deps_.ai);
}

ai::AiCall JournalService::scenarios_call(const CallContext& context, const EntryText& text,
                                          int count) const {
  return ai::AiCall{config::Capability::kScenarios, scenarios_task(text, count), context.user_id,
                    context.request_id, context.deadline, {}};
}

Result<EntryPage> JournalService::list(const std::string& user_id, const store::EntryFilter& filter,
                                       int limit, const std::optional<std::string>& cursor) {
  std::optional<store::PageCursor> after;
  if (cursor) {
    after = store::decode_cursor(*cursor);
    if (!after) return Error::invalid_input("cursor is not one this server gave out", "cursor");
  }
  auto rows = db_.run("entries.list", [&](soci::session& sql) {
    return store::EntriesRepository(sql).list(user_id, filter, limit + 1, after);
  });
  if (!rows) return std::move(rows).error();
  EntryPage page;
  page.items = std::move(rows).value();
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    const store::EntryRow& last = page.items.back();
    page.next_cursor = store::encode_cursor({last.created_at, last.id});
  }
  return page;
}

Result<store::EntryRow> JournalService::get(const std::string& user_id, const std::string& id) {
  auto row = db_.run("entries.find", [&](soci::session& sql) {
    return store::EntriesRepository(sql).find(user_id, id);
  });
  if (!row) return std::move(row).error();
  if (!*row) return entry_not_found();
  return std::move(**row);
}

async::Task<Result<store::EntryRow>> JournalService::update(CallContext context, std::string id,
                                                            store::EntryContentChange change,
                                                            bool analyze) {
  MG_EXPECT_MAY_BLOCK();
  // The change and the read of what it left, in one transaction.
  const WallClock::time_point at = deps_.clock();
  const std::optional<std::string> until =
      analyze ? std::optional<std::string>(pending_until(at)) : std::nullopt;
  auto changed = db_.transaction("entries.change", [&](soci::session& sql) {
    store::EntriesRepository entries(sql);
    if (!entries.change_content(
            context.user_id, id, change,
            analyze ? store::AnalysisStatus::kPending : store::AnalysisStatus::kSkipped, until,
            format_rfc3339_ms(at))) {
      return std::optional<store::EntryRow>();
    }
    return entries.find(context.user_id, id);
  });
  if (!changed) co_return std::move(changed).error();
  if (!*changed) co_return entry_not_found();
  if (!analyze) co_return std::move(**changed);
  Result<store::EntryRow> enriched =
      co_await enrich(std::move(context), std::move(**changed), std::nullopt,
                      OverQuota::kStoreFailed);
  co_return enriched;
}

Status JournalService::remove(const std::string& user_id, const std::string& id) {
  auto removed = db_.run("entries.remove", [&](soci::session& sql) {
    return store::EntriesRepository(sql).remove(user_id, id);
  });
  if (!removed) return std::move(removed).error();
  if (!*removed) return entry_not_found();
  return {};
}

Result<long long> JournalService::purge_expired_cache() {
  const std::string at = now();
  return db_.run("analysis_cache.purge", [&](soci::session& sql) {
    return store::AnalysisCacheRepository(sql).purge_expired(at);
  });
}

Result<long long> JournalService::fail_interrupted_analyses() {
  const WallClock::time_point at = deps_.clock();
  const std::string now_text = format_rfc3339_ms(at);
  const std::string unbounded_before = format_rfc3339_ms(at - deps_.analysis_lease);
  auto failed = db_.run("entries.fail_interrupted", [&](soci::session& sql) {
    return store::EntriesRepository(sql).fail_overdue_analyses(
        now_text, unbounded_before, kAnalysisInterruptedCode,
        "The analysis was interrupted; ask for it again with POST /entries/{id}/analysis");
  });
  if (failed && *failed > 0) {
    spdlog::warn(
        "{} analysis(es) were still pending past their bound (their instance stopped "
        "mid-request) and are now failed ({})",
        *failed, kAnalysisInterruptedCode);
  }
  return failed;
}

async::Task<Result<store::EntryRow>> JournalService::analyze(CallContext context, std::string id) {
  auto entry = get(context.user_id, id);
  if (!entry) co_return std::move(entry).error();
  Result<store::EntryRow> enriched =
      co_await enrich(std::move(context), std::move(entry).value(), std::nullopt,
                      OverQuota::kRefuse);
  co_return enriched;
}

async::Task<Result<std::vector<store::Scenario>>> JournalService::regenerate_scenarios(
    CallContext context, std::string id, int count) {
  auto entry = get(context.user_id, id);
  if (!entry) co_return std::move(entry).error();
  ai::AiCall call = scenarios_call(context, text_of(*entry), count);
  if (Status held = reserve(call); !held) co_return std::move(held).error();
  const ai::AiAnswer answer = co_await ai::ask(*deps_.ai, std::move(call));
  auto fresh = scenarios_of(answer, count);
  if (!fresh) co_return std::move(fresh).error();

  MG_EXPECT_MAY_BLOCK();
  for (store::Scenario& s : *fresh) s.id = new_uuid();
  auto stored = db_.transaction("entries.scenarios", [&](soci::session& sql) {
    store::EntriesRepository entries(sql);
    if (!entries.find(context.user_id, id)) return false;
    entries.replace_scenarios(id, *fresh, now());
    return true;
  });
  if (!stored) co_return std::move(stored).error();
  if (!*stored) co_return entry_not_found();
  co_return std::move(fresh).value();
}

}  // namespace moodgate::services
