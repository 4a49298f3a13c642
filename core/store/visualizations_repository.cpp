#include "core/store/visualizations_repository.h"

#include <soci/soci.h>

#include <utility>

#include "core/common/digest.h"
#include "core/common/time_format.h"
#include "core/common/uuid.h"
#include "core/store/enum_column.h"
#include "core/store/nullable.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"
#include "core/store/visualization_images.h"

namespace moodgate::store {
namespace {

constexpr std::size_t kMaxEmotions = 12;  // entry_emotions.position is 0..11

std::string now_text() {
  return format_rfc3339_ms(WallClock::now());
}

std::string later_text(std::chrono::milliseconds delay) {
  return format_rfc3339_ms(WallClock::now() + delay);
}

// The select list every read of a whole row uses, in RowBuffers' order.
std::string row_columns(Backend b) {
  return "SELECT id, entry_id, user_id, style, aspect_ratio, status, attempts, provider, model,"
         " mime_type, width, height, image_sha256, image_size, error_code, error_message, " +
         time_text(b, "created_at") + ", " + time_text(b, "completed_at") + " FROM visualizations ";
}

// Where a statement fetches one row of row_columns() into, row after row.
struct RowBuffers {
  VisualizationRow row;
  std::string status, provider, model, mime_type, sha256, error_code, error_message, completed_at;
  int width = 0, height = 0;
  long long size = 0;
  soci::indicator provider_i = soci::i_null, model_i = soci::i_null, mime_type_i = soci::i_null,
                  width_i = soci::i_null, height_i = soci::i_null, sha256_i = soci::i_null,
                  size_i = soci::i_null, error_code_i = soci::i_null,
                  error_message_i = soci::i_null, completed_at_i = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(row.id));
    st.exchange(soci::into(row.entry_id));
    st.exchange(soci::into(row.user_id));
    st.exchange(soci::into(row.style));
    st.exchange(soci::into(row.aspect_ratio));
    st.exchange(soci::into(status));
    st.exchange(soci::into(row.attempts));
    st.exchange(soci::into(provider, provider_i));
    st.exchange(soci::into(model, model_i));
    st.exchange(soci::into(mime_type, mime_type_i));
    st.exchange(soci::into(width, width_i));
    st.exchange(soci::into(height, height_i));
    st.exchange(soci::into(sha256, sha256_i));
    st.exchange(soci::into(size, size_i));
    st.exchange(soci::into(error_code, error_code_i));
    st.exchange(soci::into(error_message, error_message_i));
    st.exchange(soci::into(row.created_at));
    st.exchange(soci::into(completed_at, completed_at_i));
  }

  VisualizationRow current() const {
    VisualizationRow out = row;
    out.status = enum_column("visualizations.status", status, visualization_status_from_string);
    out.provider = optional_from(provider, provider_i);
    out.model = optional_from(model, model_i);
    out.mime_type = optional_from(mime_type, mime_type_i);
    out.width = optional_from(width, width_i);
    out.height = optional_from(height, height_i);
    out.image_sha256 = optional_from(sha256, sha256_i);
    out.image_size = optional_from(size, size_i);
    out.error_code = optional_from(error_code, error_code_i);
    out.error_message = optional_from(error_message, error_message_i);
    out.completed_at = optional_from(completed_at, completed_at_i);
    return out;
  }
};

// Runs row_columns() + `tail` (WHERE ..., ORDER BY ...) with `uses` and returns every row.
template <typename... Uses>
std::vector<VisualizationRow> select_rows(soci::session& sql, Backend b, const std::string& tail,
                                          Uses&&... uses) {
  RowBuffers buffers;
  soci::statement st(sql);
  buffers.bind(st);
  (st.exchange(std::forward<Uses>(uses)), ...);
  st.alloc();
  st.prepare(row_columns(b) + tail, soci::details::st_one_time_query);
  st.define_and_bind();
  std::vector<VisualizationRow> rows;
  for (bool got = st.execute(true); got; got = st.fetch()) rows.push_back(buffers.current());
  return rows;
}

}  // namespace

VisualizationsRepository::VisualizationsRepository(soci::session& sql)
    : sql_(sql), backend_(backend_of(sql)) {}

std::optional<VisualizationRow> VisualizationsRepository::insert_for_entry(
    const std::string& user_id, const std::string& entry_id, const std::string& style,
    const std::string& aspect_ratio, const std::string& quota_reservation_id) {
  const std::string id = new_uuid();
  const std::string now = now_text();
  const std::string at = time_param(backend_, "now");
  OptionalText reservation(quota_reservation_id.empty() ? std::nullopt
                                                        : std::optional(quota_reservation_id));
  // One statement: the row exists only if the entry is the user's.
  const long long inserted = execute_counted(
      sql_,
      "INSERT INTO visualizations (id, entry_id, user_id, style, aspect_ratio, status, attempts,"
      " next_attempt_at, created_at, updated_at, quota_reservation_id)"
      // Typed: PostgreSQL cannot infer a parameter's type in a select list.
      " SELECT CAST(:id AS text), e.id, e.user_id, CAST(:style AS text),"
      " CAST(:aspect_ratio AS text), 'queued', 0, " +
          at + ", " + at + ", " + at +
          ", CAST(:reservation AS text)"
          " FROM entries e WHERE e.id = :entry_id AND e.user_id = :user_id",
      soci::use(id, "id"), soci::use(style, "style"), soci::use(aspect_ratio, "aspect_ratio"),
      soci::use(now, "now"), soci::use(reservation.text, reservation.ind, "reservation"),
      soci::use(entry_id, "entry_id"), soci::use(user_id, "user_id"));
  if (inserted != 1) return std::nullopt;
  return find_by_id(id);
}

std::optional<std::string> VisualizationsRepository::quota_reservation_of(const std::string& id) {
  std::string reservation;
  soci::indicator ind = soci::i_null;
  sql_ << "SELECT quota_reservation_id FROM visualizations WHERE id = :id", soci::use(id, "id"),
      soci::into(reservation, ind);
  if (!sql_.got_data() || ind != soci::i_ok) return std::nullopt;
  return reservation;
}

std::optional<VisualizationRow> VisualizationsRepository::find(const std::string& user_id,
                                                               const std::string& id) {
  auto rows = select_rows(sql_, backend_, "WHERE id = :id AND user_id = :user_id",
                          soci::use(id, "id"), soci::use(user_id, "user_id"));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::optional<VisualizationRow> VisualizationsRepository::find_by_id(const std::string& id) {
  auto rows = select_rows(sql_, backend_, "WHERE id = :id", soci::use(id, "id"));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<VisualizationRow> VisualizationsRepository::list(
    const std::string& user_id, const std::optional<std::string>& entry_id, int limit,
    const std::optional<PageCursor>& after) {
  if (limit <= 0) return {};
  std::string tail = "WHERE user_id = :user_id";
  if (entry_id) tail += " AND entry_id = :entry_id";
  if (after) {
    tail += " AND (created_at, id) < (" + time_param(backend_, "after_created_at") + ", :after_id)";
  }
  tail += " ORDER BY created_at DESC, id DESC LIMIT :limit";

  // Built by hand (not select_rows) because the bindings depend on the filters.
  RowBuffers buffers;
  soci::statement st(sql_);
  buffers.bind(st);
  st.exchange(soci::use(user_id, "user_id"));
  if (entry_id) st.exchange(soci::use(*entry_id, "entry_id"));
  if (after) {
    st.exchange(soci::use(after->created_at, "after_created_at"));
    st.exchange(soci::use(after->id, "after_id"));
  }
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(row_columns(backend_) + tail, soci::details::st_one_time_query);
  st.define_and_bind();
  std::vector<VisualizationRow> rows;
  for (bool got = st.execute(true); got; got = st.fetch()) rows.push_back(buffers.current());
  return rows;
}

bool VisualizationsRepository::remove(const std::string& user_id, const std::string& id) {
  return execute_counted(sql_, "DELETE FROM visualizations WHERE id = :id AND user_id = :user_id",
                         soci::use(id, "id"), soci::use(user_id, "user_id")) == 1;
}

int VisualizationsRepository::lock_and_count_unfinished(const std::string& user_id) {
  if (backend_ == Backend::kPostgres) {
    // NO KEY UPDATE, not UPDATE: it queues this user's enqueuers behind each other but not the
    // FOR KEY SHARE that inserting their entries (or this job) takes on the same row.
    std::string locked;
    sql_ << "SELECT id FROM users WHERE id = :user_id FOR NO KEY UPDATE",
        soci::use(user_id, "user_id"), soci::into(locked);
  }
  int unfinished = 0;
  sql_ << "SELECT COUNT(*) FROM visualizations"
          " WHERE user_id = :user_id AND status IN ('queued', 'running')",
      soci::use(user_id, "user_id"), soci::into(unfinished);
  return unfinished;
}

std::optional<ClaimedJob> VisualizationsRepository::claim_due(const std::string& lease_owner,
                                                              std::chrono::milliseconds lease) {
  const std::string now = now_text();
  const std::string expires = later_text(lease);
  const std::string at_now = time_param(backend_, "now");
  // The turn order of the header, over the due jobs. SKIP LOCKED: a row another claimer holds
  // is passed over, not waited for (the next in turn order is taken). PostgreSQL re-checks the
  // WHERE clause on the locked row, so a job claimed and committed meanwhile is not due any
  // more. SQLite needs neither: BEGIN IMMEDIATE lets one claimer in at a time.
  const char* lock = backend_ == Backend::kPostgres ? " FOR UPDATE OF v SKIP LOCKED" : "";
  std::string id;
  soci::indicator id_ind = soci::i_null;
  sql_ << "WITH running AS (SELECT user_id, COUNT(*) AS n FROM visualizations"
          " WHERE status = 'running' AND lease_expires_at > " +
              at_now +
              " GROUP BY user_id)"
              " SELECT v.id FROM visualizations v LEFT JOIN running r ON r.user_id = v.user_id"
              " WHERE (v.status = 'queued' AND v.next_attempt_at <= " +
              at_now + ") OR (v.status = 'running' AND v.lease_expires_at <= " + at_now +
              ") ORDER BY COALESCE(r.n, 0),"
              " (SELECT MAX(t.claimed_at) FROM visualizations t WHERE t.user_id = v.user_id)"
              " NULLS FIRST, v.created_at, v.id LIMIT 1" +
              lock,
      soci::use(now, "now"), soci::into(id, id_ind);
  if (!sql_.got_data() || id_ind != soci::i_ok) return std::nullopt;

  sql_ << "UPDATE visualizations SET status = 'running', lease_owner = :owner,"
          " lease_expires_at = " +
              time_param(backend_, "expires") +
              ", attempts = attempts + 1, started_at = COALESCE(started_at, " + at_now +
              "), claimed_at = " + at_now + ", updated_at = " + at_now + " WHERE id = :id",
      soci::use(lease_owner, "owner"), soci::use(expires, "expires"), soci::use(now, "now"),
      soci::use(id, "id");

  auto job = find_by_id(id);
  if (!job) return std::nullopt;
  EntryForPrompt entry = entry_for_prompt(job->entry_id);
  return ClaimedJob{std::move(*job), std::move(entry)};
}

EntryForPrompt VisualizationsRepository::entry_for_prompt(const std::string& entry_id) {
  EntryForPrompt entry;
  std::string status, summary, sentiment;
  soci::indicator summary_ind = soci::i_null, sentiment_ind = soci::i_null;
  sql_ << "SELECT situation, thoughts, analysis_status, analysis_summary, analysis_sentiment"
          " FROM entries WHERE id = :id",
      soci::use(entry_id, "id"), soci::into(entry.situation), soci::into(entry.thoughts),
      soci::into(status), soci::into(summary, summary_ind), soci::into(sentiment, sentiment_ind);
  entry.analysis_status =
      enum_column("entries.analysis_status", status, analysis_status_from_string);
  entry.analysis_summary = optional_from(summary, summary_ind);
  entry.analysis_sentiment = optional_from(sentiment, sentiment_ind);

  std::vector<std::string> names(kMaxEmotions);
  std::vector<double> intensities(kMaxEmotions);
  sql_ << "SELECT name, intensity FROM entry_emotions WHERE entry_id = :id ORDER BY position",
      soci::use(entry_id, "id"), soci::into(names), soci::into(intensities);
  for (std::size_t i = 0; i < names.size(); ++i) {
    entry.emotions.push_back({std::move(names[i]), intensities[i]});
  }
  return entry;
}

bool VisualizationsRepository::renew_lease(const std::string& id, const std::string& owner,
                                           std::chrono::milliseconds lease) {
  const std::string now = now_text();
  const std::string expires = later_text(lease);
  return execute_counted(
             sql_,
             "UPDATE visualizations SET lease_expires_at = " + time_param(backend_, "expires") +
                 ", updated_at = " + time_param(backend_, "now") +
                 " WHERE id = :id AND status = 'running' AND lease_owner = :owner",
             soci::use(expires, "expires"), soci::use(now, "now"), soci::use(id, "id"),
             soci::use(owner, "owner")) == 1;
}

bool VisualizationsRepository::complete_success(const std::string& id, const std::string& owner,
                                                const FinishedImage& image) {
  const std::string now = now_text();
  const std::string sha256 = digest::sha256_hex(image.bytes);
  const long long size = static_cast<long long>(image.bytes.size());
  OptionalText model(image.model.empty() ? std::nullopt : std::optional(image.model));
  const std::string at_now = time_param(backend_, "now");
  const long long updated = execute_counted(
      sql_,
      "UPDATE visualizations SET status = 'succeeded', lease_owner = NULL,"
      " lease_expires_at = NULL, provider = :provider, model = :model, mime_type = :mime_type,"
      " width = :width, height = :height, image_sha256 = :sha256, image_size = :size,"
      " error_code = NULL, error_message = NULL, completed_at = " +
          at_now + ", updated_at = " + at_now +
          " WHERE id = :id AND status = 'running' AND lease_owner = :owner",
      soci::use(image.provider, "provider"), soci::use(model.text, model.ind, "model"),
      soci::use(image.mime_type, "mime_type"), soci::use(image.width, "width"),
      soci::use(image.height, "height"), soci::use(sha256, "sha256"), soci::use(size, "size"),
      soci::use(now, "now"), soci::use(id, "id"), soci::use(owner, "owner"));
  if (updated != 1) return false;
  insert_image_bytes(sql_, id, image.mime_type, image.bytes);
  return true;
}

bool VisualizationsRepository::retry_later(const std::string& id, const std::string& owner,
                                           const std::string& next_attempt_at,
                                           const std::string& error_code,
                                           const std::string& error_message) {
  const std::string now = now_text();
  return execute_counted(
             sql_,
             "UPDATE visualizations SET status = 'queued', lease_owner = NULL,"
             " lease_expires_at = NULL, next_attempt_at = " +
                 time_param(backend_, "next") +
                 ", error_code = :error_code, error_message = :error_message, updated_at = " +
                 time_param(backend_, "now") +
                 " WHERE id = :id AND status = 'running' AND lease_owner = :owner",
             soci::use(next_attempt_at, "next"), soci::use(error_code, "error_code"),
             soci::use(error_message, "error_message"), soci::use(now, "now"), soci::use(id, "id"),
             soci::use(owner, "owner")) == 1;
}

bool VisualizationsRepository::fail(const std::string& id, const std::string& owner,
                                    const std::string& error_code,
                                    const std::string& error_message) {
  const std::string now = now_text();
  const std::string at_now = time_param(backend_, "now");
  return execute_counted(sql_,
                         "UPDATE visualizations SET status = 'failed', lease_owner = NULL,"
                         " lease_expires_at = NULL, error_code = :error_code,"
                         " error_message = :error_message, completed_at = " +
                             at_now + ", updated_at = " + at_now +
                             " WHERE id = :id AND status = 'running' AND lease_owner = :owner",
                         soci::use(error_code, "error_code"),
                         soci::use(error_message, "error_message"), soci::use(now, "now"),
                         soci::use(id, "id"), soci::use(owner, "owner")) == 1;
}

std::optional<StoredImage> VisualizationsRepository::image(const std::string& user_id,
                                                           const std::string& id) {
  std::string sha256;
  soci::indicator sha256_ind = soci::i_null;
  sql_ << "SELECT image_sha256 FROM visualizations"
          " WHERE id = :id AND user_id = :user_id AND status = 'succeeded'",
      soci::use(id, "id"), soci::use(user_id, "user_id"), soci::into(sha256, sha256_ind);
  if (!sql_.got_data() || sha256_ind != soci::i_ok) return std::nullopt;
  auto stored = read_image_bytes(sql_, id);
  if (!stored) return std::nullopt;
  return StoredImage{std::move(stored->mime_type), std::move(stored->bytes), std::move(sha256)};
}

}  // namespace moodgate::store
