// EntriesRepository: the entries table with its emotions (entry_emotions) and scenarios.
//
// An entry is what a user felt about a situation, plus what the AI made of it: an analysis
// (stored in the entry's analysis_* columns) and follow-up scenarios (their own table). Every
// read and write is scoped to a user: another user's entry is simply not found. `revision` goes
// up with every change of situation, thoughts or emotions, and set_analysis() only stores an
// analysis made for the current revision, so a slow analysis never overwrites a newer one.
// A pending analysis carries when it is overdue (analysis.pending_until): only the request
// that made it pending can finish it, so one still pending after that lost its instance, and
// fail_overdue_analyses() marks it failed.
//
// created_at and updated_at are written from C++ with millisecond precision (never the
// database's now(), which has microseconds on PostgreSQL): the page cursor compares them.
// Same usage rules as the other repositories: works on a borrowed session (inside
// Database::run() or transaction()), throws SOCI exceptions on database errors, and an error
// naming the column for an analysis status it does not know (enum_column.h). Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/store/analysis_status.h"
#include "core/store/database_url.h"
#include "core/store/page_cursor.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct Emotion {
  std::string name;      // trimmed and lower-cased, 1..40 characters
  double intensity = 0;  // 0..1
};

struct Highlight {
  std::string text;
  std::string polarity;  // positive | negative | neutral
};

struct Analysis {
  AnalysisStatus status = AnalysisStatus::kPending;
  // Set when ready:
  std::string summary;
  std::string sentiment;  // positive | negative | neutral | mixed
  double score = 0;       // -1..1
  std::vector<Highlight> highlights;
  int positive_count = 0;
  int negative_count = 0;
  std::string provider;
  std::string model;
  // Set when failed: an API error code (e.g. UPSTREAM_TIMEOUT) and a message safe to show.
  std::string error_code;
  std::string error_message;
  // Set when pending (RFC 3339 ms): past this, nothing will finish the analysis. Empty when
  // not pending, or for a pending row written before the bound existed.
  std::string pending_until;
};

struct Scenario {
  std::string id;
  std::string title;
  std::string description;
};

struct EntryRow {
  std::string id;
  std::string user_id;
  std::string situation;
  std::string thoughts;
  std::vector<Emotion> emotions;  // in the order the user gave them
  int revision = 1;
  Analysis analysis;
  std::vector<Scenario> scenarios;  // in order
  std::string created_at;           // RFC 3339 ms
  std::string updated_at;
};

// What a list may be narrowed to. Times are RFC 3339 ms text; `from` inclusive, `to` exclusive.
struct EntryFilter {
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> emotion;  // entries having an emotion of this (normalised) name
};

// A change of an entry's content; absent fields stay as they are.
struct EntryContentChange {
  std::optional<std::string> situation;
  std::optional<std::string> thoughts;
  std::optional<std::vector<Emotion>> emotions;
};

class EntriesRepository {
 public:
  explicit EntriesRepository(soci::session& sql);

  // Inserts the entry (id, user_id, situation, thoughts, emotions, analysis.status and, when
  // pending, analysis.pending_until, created_at = updated_at = `entry.created_at`) and its
  // emotions. Throws when the user does not exist or a value breaks a constraint.
  void insert(const EntryRow& entry);

  // The user's entry with its emotions and scenarios.
  std::optional<EntryRow> find(const std::string& user_id, const std::string& id);

  // Up to `limit` of the user's entries matching `filter`, newest first (created_at, then id,
  // descending), starting after `after`; with emotions and scenarios.
  std::vector<EntryRow> list(const std::string& user_id, const EntryFilter& filter, int limit,
                             const std::optional<PageCursor>& after);

  // Applies `change`, bumps the revision, sets updated_at = `now` and the analysis status to
  // `analysis_status` with `pending_until` (stored only while pending, NULL when nullopt; its
  // other fields are cleared: they described the old content). Returns the new revision, or
  // nullopt when the user has no such entry.
  std::optional<int> change_content(const std::string& user_id, const std::string& id,
                                    const EntryContentChange& change,
                                    AnalysisStatus analysis_status,
                                    const std::optional<std::string>& pending_until,
                                    const std::string& now);

  // Stores `analysis` (all of it, whatever its status; pending_until only while pending) if
  // the entry is still at `revision`. False when it is not (edited meanwhile) or gone.
  bool set_analysis(const std::string& id, int revision, const Analysis& analysis,
                    const std::string& now);

  // Marks failed, with `error_code` and `error_message`, every pending analysis that is
  // overdue: its pending_until is before `now`, or it has none (written before the bound
  // existed, or by an older instance) and its updated_at is before `unbounded_before`. Sets
  // analyzed_at = updated_at = `now`. The revision stays, so an answer still coming for it
  // replaces the failure. One statement, of any user's entries: several instances may run it
  // at once, and a row already failed (or answered, or edited) is left alone. Returns how many
  // it failed.
  long long fail_overdue_analyses(const std::string& now, const std::string& unbounded_before,
                                  const std::string& error_code, const std::string& error_message);

  // Replaces the entry's scenarios (ids assigned by the caller) and sets updated_at.
  void replace_scenarios(const std::string& id, const std::vector<Scenario>& scenarios,
                         const std::string& now);

  // Deletes the user's entry; its emotions, scenarios, visualizations and images go with it
  // (ON DELETE CASCADE). False if none.
  bool remove(const std::string& user_id, const std::string& id);

 private:
  // Fills in the emotions and scenarios of `entries` (two queries for the whole batch).
  void load_children(std::vector<EntryRow>& entries);
  void insert_emotions(const std::string& entry_id, const std::vector<Emotion>& emotions);

  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
