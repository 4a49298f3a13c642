#include "core/store/sessions_repository.h"

#include <soci/soci.h>

#include <utility>

#include "core/store/nullable.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {

SessionsRepository::SessionsRepository(soci::session& sql) : sql_(sql), backend_(backend_of(sql)) {}

void SessionsRepository::create_session(const std::string& id, const std::string& user_id,
                                        const std::string& now, const std::string& expires_at) {
  sql_ << "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)"
          " VALUES (:id, :user_id, " +
              time_param(backend_, "now") + ", " + time_param(backend_, "now") + ", " +
              time_param(backend_, "expires_at") + ")",
      soci::use(id, "id"), soci::use(user_id, "user_id"), soci::use(now, "now"),
      soci::use(expires_at, "expires_at");
}

std::optional<SessionRow> SessionsRepository::find_session(const std::string& id) {
  SessionRow row;
  std::string revoked_at;
  std::string revoked_reason;
  soci::indicator revoked_at_ind = soci::i_null;
  soci::indicator revoked_reason_ind = soci::i_null;
  sql_ << "SELECT id, user_id, " + time_text(backend_, "created_at") + ", " +
              time_text(backend_, "last_used_at") + ", " + time_text(backend_, "expires_at") +
              ", " + time_text(backend_, "revoked_at") +
              ", revoked_reason FROM sessions WHERE id = :id",
      soci::use(id, "id"), soci::into(row.id), soci::into(row.user_id), soci::into(row.created_at),
      soci::into(row.last_used_at), soci::into(row.expires_at),
      soci::into(revoked_at, revoked_at_ind), soci::into(revoked_reason, revoked_reason_ind);
  if (!sql_.got_data()) return std::nullopt;
  row.revoked_at = optional_from(revoked_at, revoked_at_ind);
  row.revoked_reason = optional_from(revoked_reason, revoked_reason_ind);
  return row;
}

void SessionsRepository::touch_session(const std::string& id, const std::string& now,
                                       const std::string& expires_at) {
  sql_ << "UPDATE sessions SET last_used_at = " + time_param(backend_, "now") +
              ", expires_at = " + time_param(backend_, "expires_at") + " WHERE id = :id",
      soci::use(now, "now"), soci::use(expires_at, "expires_at"), soci::use(id, "id");
}

void SessionsRepository::insert_refresh_token(const RefreshTokenRow& token) {
  OptionalText used_at(token.used_at);
  OptionalText replaced_by(token.replaced_by);
  OptionalText revoked_at(token.revoked_at);
  sql_ << "INSERT INTO refresh_tokens"
          " (id, user_id, family_id, token_hash, expires_at, used_at, replaced_by, revoked_at)"
          " VALUES (:id, :user_id, :family_id, :token_hash, " +
              time_param(backend_, "expires_at") + ", " + time_param(backend_, "used_at") +
              ", :replaced_by, " + time_param(backend_, "revoked_at") + ")",
      soci::use(token.id, "id"), soci::use(token.user_id, "user_id"),
      soci::use(token.session_id, "family_id"), soci::use(token.token_hash, "token_hash"),
      soci::use(token.expires_at, "expires_at"), soci::use(used_at.text, used_at.ind, "used_at"),
      soci::use(replaced_by.text, replaced_by.ind, "replaced_by"),
      soci::use(revoked_at.text, revoked_at.ind, "revoked_at");
}

std::optional<RefreshTokenRow> SessionsRepository::find_refresh_token_for_update(
    const std::string& token_hash) {
  RefreshTokenRow row;
  std::string used_at;
  std::string replaced_by;
  std::string revoked_at;
  soci::indicator used_at_ind = soci::i_null;
  soci::indicator replaced_by_ind = soci::i_null;
  soci::indicator revoked_at_ind = soci::i_null;
  const char* lock = backend_ == Backend::kPostgres ? " FOR UPDATE" : "";
  sql_ << "SELECT id, user_id, family_id, token_hash, " + time_text(backend_, "expires_at") + ", " +
              time_text(backend_, "used_at") + ", replaced_by, " +
              time_text(backend_, "revoked_at") +
              " FROM refresh_tokens WHERE token_hash = :token_hash" + lock,
      soci::use(token_hash, "token_hash"), soci::into(row.id), soci::into(row.user_id),
      soci::into(row.session_id), soci::into(row.token_hash), soci::into(row.expires_at),
      soci::into(used_at, used_at_ind), soci::into(replaced_by, replaced_by_ind),
      soci::into(revoked_at, revoked_at_ind);
  if (!sql_.got_data()) return std::nullopt;
  row.used_at = optional_from(used_at, used_at_ind);
  row.replaced_by = optional_from(replaced_by, replaced_by_ind);
  row.revoked_at = optional_from(revoked_at, revoked_at_ind);
  return row;
}

bool SessionsRepository::spend_refresh_token(const std::string& id, const std::string& replaced_by,
                                             const std::string& now) {
  return execute_counted(sql_,
                         "UPDATE refresh_tokens SET used_at = " + time_param(backend_, "now") +
                             ", replaced_by = :replaced_by"
                             " WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL",
                         soci::use(now, "now"), soci::use(replaced_by, "replaced_by"),
                         soci::use(id, "id")) == 1;
}

bool SessionsRepository::revoke_session(const std::string& session_id, const std::string& reason,
                                        const std::string& now) {
  const long long revoked = execute_counted(
      sql_,
      "UPDATE sessions SET revoked_at = " + time_param(backend_, "now") +
          ", revoked_reason = :reason WHERE id = :id AND revoked_at IS NULL",
      soci::use(now, "now"), soci::use(reason, "reason"), soci::use(session_id, "id"));
  // Also when the session was revoked already: a token that slipped in since must not live on.
  sql_ << "UPDATE refresh_tokens SET revoked_at = " + time_param(backend_, "now") +
              " WHERE family_id = :family_id AND revoked_at IS NULL",
      soci::use(now, "now"), soci::use(session_id, "family_id");
  return revoked == 1;
}

int SessionsRepository::revoke_other_sessions(const std::string& user_id,
                                              const std::string& keep_session_id,
                                              const std::string& reason, const std::string& now) {
  const long long revoked =
      execute_counted(sql_,
                      "UPDATE sessions SET revoked_at = " + time_param(backend_, "now") +
                          ", revoked_reason = :reason"
                          " WHERE user_id = :user_id AND id <> :keep AND revoked_at IS NULL",
                      soci::use(now, "now"), soci::use(reason, "reason"),
                      soci::use(user_id, "user_id"), soci::use(keep_session_id, "keep"));
  sql_ << "UPDATE refresh_tokens SET revoked_at = " + time_param(backend_, "now") +
              " WHERE user_id = :user_id AND family_id <> :keep AND revoked_at IS NULL",
      soci::use(now, "now"), soci::use(user_id, "user_id"), soci::use(keep_session_id, "keep");
  return static_cast<int>(revoked);
}

void SessionsRepository::revoke_access_token(const std::string& jti, const std::string& user_id,
                                             const std::string& expires_at) {
  sql_ << "INSERT INTO revoked_access_tokens (jti, user_id, expires_at)"
          " VALUES (:jti, :user_id, " +
              time_param(backend_, "expires_at") + ") ON CONFLICT (jti) DO NOTHING",
      soci::use(jti, "jti"), soci::use(user_id, "user_id"), soci::use(expires_at, "expires_at");
}

AccessState SessionsRepository::access_state(const std::string& user_id,
                                             const std::string& session_id,
                                             const std::string& jti) {
  // Two primary-key lookups in one round trip; no row means no such session for this user.
  int session_revoked = 0;
  int token_revoked = 0;
  sql_ << "SELECT CASE WHEN s.revoked_at IS NULL THEN 0 ELSE 1 END,"
          " (SELECT count(*) FROM revoked_access_tokens r WHERE r.jti = :jti)"
          " FROM sessions s WHERE s.id = :session_id AND s.user_id = :user_id",
      soci::use(jti, "jti"), soci::use(session_id, "session_id"), soci::use(user_id, "user_id"),
      soci::into(session_revoked), soci::into(token_revoked);
  if (!sql_.got_data()) return AccessState::kSessionGone;
  if (session_revoked != 0) return AccessState::kSessionRevoked;
  if (token_revoked != 0) return AccessState::kTokenRevoked;
  return AccessState::kAllowed;
}

long long SessionsRepository::purge_expired(const std::string& now) {
  const std::string before_now = " < " + time_param(backend_, "now");
  // refresh_tokens has no foreign key to sessions: a session's tokens go first, by family.
  long long deleted = execute_counted(sql_,
                                      "DELETE FROM refresh_tokens WHERE family_id IN"
                                      " (SELECT id FROM sessions WHERE expires_at" +
                                          before_now + ")",
                                      soci::use(now, "now"));
  deleted += execute_counted(sql_, "DELETE FROM refresh_tokens WHERE expires_at" + before_now,
                             soci::use(now, "now"));
  deleted += execute_counted(sql_, "DELETE FROM sessions WHERE expires_at" + before_now,
                             soci::use(now, "now"));
  deleted +=
      execute_counted(sql_, "DELETE FROM revoked_access_tokens WHERE expires_at" + before_now,
                      soci::use(now, "now"));
  return deleted;
}

}  // namespace moodgate::store
