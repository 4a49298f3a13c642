// SessionsRepository: signed-in sessions, their rotating refresh tokens, and revoked access
// tokens (tables sessions, refresh_tokens, revoked_access_tokens).
//
// A session is one device's sign-in: a refresh-token family (refresh_tokens.family_id =
// sessions.id) and the `sid` claim of its access tokens. Refresh tokens are stored only as
// digests (auth/opaque_tokens.h). Revoking a session revokes all its refresh tokens too.
//
// Same usage rules as UsersRepository: on a borrowed session, inside run()/transaction();
// throws SOCI exceptions; times are RFC 3339 ms text passed in by the caller (`now`), so the
// service owns the clock. Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct RefreshTokenRow {
  std::string id;
  std::string user_id;
  std::string session_id;  // refresh_tokens.family_id
  std::string token_hash;
  std::string expires_at;
  std::optional<std::string> used_at;      // set when spent by a rotation
  std::optional<std::string> replaced_by;  // the id of the token that replaced it
  std::optional<std::string> revoked_at;
};

struct SessionRow {
  std::string id;
  std::string user_id;
  std::string created_at;
  std::string last_used_at;
  std::string expires_at;
  std::optional<std::string> revoked_at;
  std::optional<std::string> revoked_reason;  // "logout" | "refresh_reuse" | "password_changed"
};

// What the auth middleware needs to know about an access token's session and id.
enum class AccessState {
  kAllowed,
  kSessionGone,     // no such session for that user (never existed, or the user was deleted)
  kSessionRevoked,  // the session was revoked (logout elsewhere, theft detection, password change)
  kTokenRevoked,    // this very token (jti) was revoked (logout with it)
};

class SessionsRepository {
 public:
  explicit SessionsRepository(soci::session& sql);

  // A new live session for the user, created and last used at `now`.
  void create_session(const std::string& id, const std::string& user_id, const std::string& now,
                      const std::string& expires_at);
  std::optional<SessionRow> find_session(const std::string& id);
  // Moves last_used_at to `now` and expires_at to `expires_at` (after a rotation).
  void touch_session(const std::string& id, const std::string& now, const std::string& expires_at);

  void insert_refresh_token(const RefreshTokenRow& token);
  // The token with this digest, if any. On PostgreSQL the row is locked (SELECT ... FOR UPDATE)
  // so two rotations of one token serialise; SQLite's BEGIN IMMEDIATE already serialises writers.
  std::optional<RefreshTokenRow> find_refresh_token_for_update(const std::string& token_hash);
  // Spends a live token: sets used_at = now and replaced_by, only if it is unspent and not
  // revoked. False when it was not (a concurrent rotation won).
  bool spend_refresh_token(const std::string& id, const std::string& replaced_by,
                           const std::string& now);

  // Revokes the session and every refresh token of it not yet revoked. False when the session
  // does not exist or was already revoked (the first reason stays).
  bool revoke_session(const std::string& session_id, const std::string& reason,
                      const std::string& now);
  // Revokes every live session of the user except `keep_session_id` (and their refresh
  // tokens); returns how many sessions it revoked.
  int revoke_other_sessions(const std::string& user_id, const std::string& keep_session_id,
                            const std::string& reason, const std::string& now);
  // Records the access token `jti` as revoked until `expires_at` (idempotent).
  void revoke_access_token(const std::string& jti, const std::string& user_id,
                           const std::string& expires_at);

  // One query: may an access token with these claims be used? (See AccessState.)
  AccessState access_state(const std::string& user_id, const std::string& session_id,
                           const std::string& jti);

  // Deletes rows that can no longer matter: revoked access tokens and sessions (with their
  // refresh tokens) that expired before `now`. Returns the number of rows deleted.
  long long purge_expired(const std::string& now);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
