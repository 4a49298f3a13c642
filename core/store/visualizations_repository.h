// VisualizationsRepository: image jobs (table visualizations) and their bytes
// (visualization_images), for the API's reads and writes and for the workers' job protocol.
//
// Job protocol. A job is created `queued`. claim_due() hands one due job to one worker: a queued
// job whose next_attempt_at has come, or a running one whose lease expired (its worker died). On
// PostgreSQL the candidate row is locked with FOR UPDATE SKIP LOCKED, so concurrent claimers on
// any number of instances never get the same job; on SQLite the caller's BEGIN IMMEDIATE
// (Database::transaction()) already makes claimers take turns. Claiming sets status `running`,
// the lease (owner and expiry), claimed_at and attempts + 1. Every later step (renew_lease,
// complete_success, retry_later, fail) is conditional on status = running AND lease_owner =
// the caller, so a worker whose lease was taken over can change nothing, and a job is completed
// at most once.
//
// Turns. Due jobs are not served oldest first but round-robin across users, so one user's
// backlog never makes another's picture wait behind it. claim_due() takes, among the due jobs:
//   1. those of the users with the fewest jobs running now (a live lease), so a user whose job
//      is being made waits while someone with none running has a job due;
//   2. then those of the user whose last turn (the latest claimed_at of their jobs) is oldest,
//      a user never served first, so users tied on running jobs take turns;
//   3. then that user's oldest job (created_at, id), so each user's own jobs stay in order.
// With one worker, users alternate job by job; with N, each free worker goes to whoever has the
// fewest running. Concurrent claimers on PostgreSQL may skip the locked best candidate and take
// the next in that order: fairness is per claim, exclusivity is absolute. The order is computed
// over the due jobs, which max_queued_per_user bounds to a handful per user.
//
// Queue limit. lock_and_count_unfinished() counts a user's queued and running jobs so that the
// caller's count-then-insert is exact under concurrency: on PostgreSQL it first locks the
// user's row (FOR NO KEY UPDATE, no table lock), so a concurrent enqueue of the same user waits
// until this transaction ends and then counts its insert (READ COMMITTED takes a fresh snapshot
// per statement); on SQLite the caller's BEGIN IMMEDIATE already admits one writer at a time.
//
// Image bytes live in the database, one visualization_images row per succeeded job, written in
// complete_success()'s transaction: every instance serves every image, and deleting an entry or
// an account cascades to them. They are kept here (visualization_images.h holds the per-dialect
// encoding) rather than behind a services-level ImageStore interface: storing them must share
// the transaction that marks the job succeeded, which such an interface could only offer by
// taking a SOCI session, and there is one implementation.
//
// Times are written from C++ as RFC 3339 ms text (format_rfc3339_ms), never by the database's
// now(): PostgreSQL's has microseconds, and page cursors compare created_at at ms precision.
// Same usage rules as the other repositories: works on a borrowed session (inside
// Database::run() or transaction(); claim_due and complete_success need transaction()), throws
// SOCI exceptions on database errors, and an error naming the column for a status it does not
// know (enum_column.h). Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/store/analysis_status.h"
#include "core/store/database_url.h"
#include "core/store/page_cursor.h"
#include "core/store/visualization_status.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct VisualizationRow {
  std::string id;
  std::string entry_id;
  std::string user_id;
  std::string style;
  std::string aspect_ratio;
  VisualizationStatus status = VisualizationStatus::kQueued;
  int attempts = 0;
  std::optional<std::string> provider;
  std::optional<std::string> model;
  std::optional<std::string> mime_type;
  std::optional<int> width;
  std::optional<int> height;
  std::optional<std::string> image_sha256;  // hex; the image's ETag
  std::optional<long long> image_size;
  std::optional<std::string> error_code;  // API error code, e.g. "UPSTREAM_ERROR"
  std::optional<std::string> error_message;
  std::string created_at;  // RFC 3339 ms
  std::optional<std::string> completed_at;
};

struct EntryEmotion {
  std::string name;
  double intensity = 0;
};

// What an image prompt is made of, read from the job's entry when it is claimed.
struct EntryForPrompt {
  std::string situation;
  std::string thoughts;
  std::vector<EntryEmotion> emotions;  // in the order the user gave them
  AnalysisStatus analysis_status = AnalysisStatus::kPending;
  std::optional<std::string> analysis_summary;
  std::optional<std::string> analysis_sentiment;
};

struct ClaimedJob {
  VisualizationRow job;  // as it is after the claim (status running, attempts counted)
  EntryForPrompt entry;
};

struct StoredImage {
  std::string mime_type;
  std::string bytes;
  std::string sha256;  // hex
};

// What a successful job produced.
struct FinishedImage {
  std::string provider;
  std::string model;  // "" is stored as NULL
  std::string mime_type;
  int width = 0;
  int height = 0;
  std::string bytes;
};

class VisualizationsRepository {
 public:
  explicit VisualizationsRepository(soci::session& sql);

  // A new queued job for the entry, due at once, holding the user's image quota reservation
  // `quota_reservation_id` ("" for none); nullopt (nothing inserted) when the entry does not
  // exist or is not user_id's.
  std::optional<VisualizationRow> insert_for_entry(const std::string& user_id,
                                                   const std::string& entry_id,
                                                   const std::string& style,
                                                   const std::string& aspect_ratio,
                                                   const std::string& quota_reservation_id = "");
  // The quota reservation job `id` holds, if any (services settle or refund it with the job's
  // final state, in the same transaction).
  std::optional<std::string> quota_reservation_of(const std::string& id);
  // The user's visualization `id`; nullopt when none (or another user's).
  std::optional<VisualizationRow> find(const std::string& user_id, const std::string& id);
  // Up to `limit` of the user's visualizations (of one entry, if given), newest first by
  // (created_at, id), starting strictly after `after`. Ask for one more than a page to learn
  // whether there is a next page.
  std::vector<VisualizationRow> list(const std::string& user_id,
                                     const std::optional<std::string>& entry_id, int limit,
                                     const std::optional<PageCursor>& after);
  // Deletes the user's visualization (its image cascades); false when none.
  bool remove(const std::string& user_id, const std::string& id);

  // The user's unfinished (queued or running) jobs, counted so that no other enqueue for the
  // user can interleave until the transaction ends (see "Queue limit" above). Call inside
  // Database::transaction(), before insert_for_entry().
  int lock_and_count_unfinished(const std::string& user_id);

  // Claims the due job whose turn it is (see "Turns" above) for `lease_owner` for `lease` (see
  // the protocol above); nullopt when none is due. Call inside Database::transaction().
  std::optional<ClaimedJob> claim_due(const std::string& lease_owner,
                                      std::chrono::milliseconds lease);
  // Extends the lease to now + lease; false when the job is no longer running under `owner`.
  bool renew_lease(const std::string& id, const std::string& owner,
                   std::chrono::milliseconds lease);
  // Marks the job succeeded and stores its image (with its SHA-256 and size); false, storing
  // nothing, when the job is no longer running under `owner`. Call inside transaction().
  bool complete_success(const std::string& id, const std::string& owner,
                        const FinishedImage& image);
  // Back to queued, due at `next_attempt_at` (RFC 3339 ms), with the error of the failed try;
  // false when the job is no longer running under `owner`.
  bool retry_later(const std::string& id, const std::string& owner,
                   const std::string& next_attempt_at, const std::string& error_code,
                   const std::string& error_message);
  // Marks the job failed for good; false when it is no longer running under `owner`.
  bool fail(const std::string& id, const std::string& owner, const std::string& error_code,
            const std::string& error_message);

  // The image of the user's succeeded visualization `id`; nullopt otherwise.
  std::optional<StoredImage> image(const std::string& user_id, const std::string& id);

 private:
  std::optional<VisualizationRow> find_by_id(const std::string& id);
  EntryForPrompt entry_for_prompt(const std::string& entry_id);

  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
