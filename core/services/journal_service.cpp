#include "core/services/journal_service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

#include "core/ai/ai_error.h"
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

}  // namespace

JournalService::JournalService(JournalServiceDeps deps)
    : deps_(std::move(deps)),
      db_(*deps_.database),
      analysis_(*deps_.database, *deps_.ai, *deps_.providers, deps_.config.analysis_cache_ttl_s,
                deps_.clock) {}

std::string JournalService::now() const {
  return format_rfc3339_ms(deps_.clock());
}

std::string JournalService::pending_until(WallClock::time_point at) const {
  return format_rfc3339_ms(at + deps_.analysis_lease);
}

void JournalService::continue_on_pool(std::function<void()> job) {
  if (!deps_.pool->submit_continuation(job)) job();
}

void JournalService::create(const CallContext& context, EntryDraft draft, bool analyze,
                            Reply<store::EntryRow> done) {
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
  Status saved = db_.transaction(
      "entries.insert", [&](soci::session& sql) { store::EntriesRepository(sql).insert(entry); });
  if (!saved) {
    done(std::move(saved).error());
    return;
  }
  if (!analyze) {
    done(std::move(entry));
    return;
  }
  enrich(context, std::move(entry), deps_.config.scenario_count, std::move(done));
}

void JournalService::enrich(const CallContext& context, store::EntryRow entry, int scenario_count,
                            Reply<store::EntryRow> done) {
  struct Join {
    std::mutex mu;
    int pending = 0;
    AnalysisRunner::Outcome analysis;
    std::optional<std::vector<store::Scenario>> scenarios;
  };
  auto join = std::make_shared<Join>();
  join->pending = scenario_count > 0 ? 2 : 1;
  const std::string user_id = context.user_id;
  const std::string id = entry.id;
  const int revision = entry.revision;
  auto finish = [this, join, user_id, id, revision, done = std::move(done)]() {
    continue_on_pool([this, join, user_id, id, revision, done]() {
      const std::string at = now();
      auto stored = db_.transaction("entries.store_ai", [&](soci::session& sql) {
        store::EntriesRepository entries(sql);
        if (entries.set_analysis(id, revision, join->analysis.analysis, at)) {
          analysis_.remember(sql, join->analysis);
          if (join->scenarios) {
            for (store::Scenario& s : *join->scenarios) s.id = new_uuid();
            entries.replace_scenarios(id, *join->scenarios, at);
          }
        }
        return entries.find(user_id, id);
      });
      if (!stored) {
        done(std::move(stored).error());
      } else if (!*stored) {
        done(entry_not_found());  // deleted while the providers were working
      } else {
        done(std::move(**stored));
      }
    });
  };
  auto arrive = [join, finish = std::move(finish)]() {
    bool last = false;
    {
      std::lock_guard lock(join->mu);
      last = --join->pending == 0;
    }
    if (last) finish();
  };
  const EntryText text = text_of(entry);
  analysis_.run(context, text, [join, arrive](AnalysisRunner::Outcome outcome) {
    {
      std::lock_guard lock(join->mu);
      join->analysis = std::move(outcome);
    }
    arrive();
  });
  if (scenario_count > 0) {
    run_scenarios(context, text, scenario_count,
                  [join, arrive](Result<std::vector<store::Scenario>> scenarios) {
                    {
                      std::lock_guard lock(join->mu);
                      if (scenarios.ok()) join->scenarios = std::move(scenarios).value();
                    }
                    arrive();
                  });
  }
}

void JournalService::run_scenarios(const CallContext& context, const EntryText& text, int count,
                                   Reply<std::vector<store::Scenario>> done) {
  ai::AiCall call{config::Capability::kScenarios, scenarios_task(text, count), context.user_id,
                  context.request_id, context.deadline};
  deps_.ai->call(std::move(call), [count, done = std::move(done)](ai::AiAnswer answer) {
    if (!answer.ok()) {
      done(ai::error_for(answer));
      return;
    }
    const auto* out = std::get_if<sdk::TextOutput>(&answer.result().output);
    if (out == nullptr) {
      done(Error(ErrorCode::kUpstreamError, "The provider answered without text"));
      return;
    }
    auto scenarios = parse_scenarios(out->text, count);
    if (!scenarios.ok()) {
      spdlog::warn("scenarios from provider {} did not fit the schema: {}", answer.provider,
                   scenarios.error().message);
      Error error = scenarios.error();
      error.with("provider", answer.provider);
      done(std::move(error));
      return;
    }
    done(std::move(scenarios));
  });
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

void JournalService::update(const CallContext& context, const std::string& id,
                            store::EntryContentChange change, bool analyze,
                            Reply<store::EntryRow> done) {
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
  if (!changed) {
    done(std::move(changed).error());
  } else if (!*changed) {
    done(entry_not_found());
  } else if (!analyze) {
    done(std::move(**changed));
  } else {
    enrich(context, std::move(**changed), 0, std::move(done));
  }
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

void JournalService::analyze(const CallContext& context, const std::string& id,
                             Reply<store::EntryRow> done) {
  auto entry = get(context.user_id, id);
  if (!entry) {
    done(std::move(entry).error());
    return;
  }
  enrich(context, std::move(entry).value(), 0, std::move(done));
}

void JournalService::regenerate_scenarios(const CallContext& context, const std::string& id,
                                          int count, Reply<std::vector<store::Scenario>> done) {
  auto entry = get(context.user_id, id);
  if (!entry) {
    done(std::move(entry).error());
    return;
  }
  const std::string user_id = context.user_id;
  run_scenarios(
      context, text_of(*entry), count,
      [this, user_id, id,
       done = std::move(done)](Result<std::vector<store::Scenario>> scenarios) mutable {
        if (!scenarios) {
          done(std::move(scenarios));
          return;
        }
        continue_on_pool([this, user_id, id, done, fresh = std::move(scenarios).value()]() mutable {
          for (store::Scenario& s : fresh) s.id = new_uuid();
          auto stored = db_.transaction("entries.scenarios", [&](soci::session& sql) {
            store::EntriesRepository entries(sql);
            if (!entries.find(user_id, id)) return false;
            entries.replace_scenarios(id, fresh, now());
            return true;
          });
          if (!stored) {
            done(std::move(stored).error());
          } else if (!*stored) {
            done(entry_not_found());
          } else {
            done(std::move(fresh));
          }
        });
      });
}

}  // namespace moodgate::services
