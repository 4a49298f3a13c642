// JournalService: what the entries endpoints mean. An entry is committed before any AI call;
// then its analysis (AnalysisRunner) and its follow-up scenarios (the `scenarios` chain) run
// at the same time, and what came back is stored with the entry. When the AI fails, the entry
// stays, with `analysis.status = failed` and the reason, and no scenarios.
//
// Each provider call is first reserved against the user's quota (QuotaService). Over quota a
// new or edited entry is still saved, with its analysis failed (QUOTA_EXCEEDED) and no
// scenarios; the explicit AI operations (analyze, regenerate_scenarios) answer the 429 instead
// and change nothing.
//
// Every operation is scoped to the caller: another user's entry is kNotFound. Every one runs
// on a worker-pool thread: the plain ones block on the database; the coroutines (those that
// call AI providers) suspend while the providers work and resume on the pool. An analysis is
// stored only if the entry was not edited meanwhile (its revision), so a slow answer never
// overwrites a newer one.
//
// `pending` is a promise that the request under way will store an answer, and only that request
// can: it is written with a bound (analysis_lease: the request's deadline plus a margin), and
// fail_interrupted_analyses(), run by every instance, marks the analyses still pending past it
// failed (INTERRUPTED) once their instance died mid-request. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/common/async.h"
#include "core/common/time_format.h"
#include "core/config/config.h"
#include "core/services/analysis_runner.h"
#include "core/services/call_context.h"
#include "core/store/database.h"
#include "core/store/entries_repository.h"

namespace moodgate::services {

struct JournalServiceDeps {
  store::Database* database = nullptr;
  ai::AiCalls* ai = nullptr;
  const ai::ProviderRegistry* providers = nullptr;
  QuotaService* quotas = nullptr;  // null: no per-user quota
  config::JournalConfig config;
  // How long after becoming pending an analysis is given up for interrupted: longer than any
  // request runs (Application: server.request_timeout_ms + journal.analysis_lease_margin_ms).
  std::chrono::milliseconds analysis_lease{150000};
  std::function<WallClock::time_point()> clock = WallClock::now;
};

// The analysis error code of an analysis whose instance stopped before storing it.
inline constexpr const char* kAnalysisInterruptedCode = "INTERRUPTED";

// A validated new entry (api/ enforces API.md's field rules before this exists).
struct EntryDraft {
  std::string situation;
  std::string thoughts;
  std::vector<store::Emotion> emotions;
};

struct EntryPage {
  std::vector<store::EntryRow> items;
  std::optional<std::string> next_cursor;  // the opaque cursor of the next page, if any
};

class JournalService {
 public:
  explicit JournalService(JournalServiceDeps deps);

  // Saves the entry, then (with `analyze`) runs its analysis and scenarios at once; answers
  // the entry as stored. With `analyze` false the analysis is `skipped` and no provider is
  // called.
  async::Task<Result<store::EntryRow>> create(CallContext context, EntryDraft draft, bool analyze);
  // A page of the caller's entries, newest first, after `cursor` (an opaque cursor; a cursor
  // that is not one is kInvalidInput naming "cursor").
  Result<EntryPage> list(const std::string& user_id, const store::EntryFilter& filter, int limit,
                         const std::optional<std::string>& cursor);
  Result<store::EntryRow> get(const std::string& user_id, const std::string& id);
  // Applies the change (the analysis no longer describes the entry) and, with `analyze`, runs
  // the analysis again; otherwise it is `skipped`.
  async::Task<Result<store::EntryRow>> update(CallContext context, std::string id,
                                              store::EntryContentChange change, bool analyze);
  Status remove(const std::string& user_id, const std::string& id);
  // Runs (or re-runs) the analysis now.
  async::Task<Result<store::EntryRow>> analyze(CallContext context, std::string id);
  // Asks for `count` fresh scenarios and, when they come, replaces the old ones. A provider
  // failure answers its error (the old scenarios stay).
  async::Task<Result<std::vector<store::Scenario>>> regenerate_scenarios(CallContext context,
                                                                          std::string id, int count);
  // Deletes expired analysis-cache rows (housekeeping); how many.
  Result<long long> purge_expired_cache();
  // Marks failed (kAnalysisInterruptedCode) every user's analysis still pending past its
  // bound, and those pending without one for analysis_lease since their last change; how
  // many. Safe on several instances at once (housekeeping).
  Result<long long> fail_interrupted_analyses();
  // How many scenarios a new entry gets (journal.scenario_count).
  int default_scenario_count() const { return deps_.config.scenario_count; }

 private:
  // What enrich() does when the user's quota refuses the analysis.
  enum class OverQuota {
    kStoreFailed,  // stores the analysis failed with QUOTA_EXCEEDED (a new or edited entry)
    kRefuse,       // answers the 429 and stores nothing (POST /entries/{id}/analysis)
  };
  // Runs the analysis and, if given, `scenarios_call` (journal.scenario_count scenarios,
  // already reserved) of `entry` at once; stores what came back; answers the entry as stored.
  async::Task<Result<store::EntryRow>> enrich(CallContext context, store::EntryRow entry,
                                              std::optional<ai::AiCall> scenarios_call,
                                              OverQuota over_quota);
  ai::AiCall scenarios_call(const CallContext& context, const EntryText& text, int count) const;
  // Reserves `call` against its user's quota (nothing without a QuotaService).
  Status reserve(ai::AiCall& call);
  bool quotas_on() const;
  std::string now() const;
  // When an analysis that becomes pending at `at` is overdue.
  std::string pending_until(WallClock::time_point at) const;

  JournalServiceDeps deps_;
  store::Database& db_;
  AnalysisRunner analysis_;
};

}  // namespace moodgate::services
