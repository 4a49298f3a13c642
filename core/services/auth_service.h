// AuthService: what the accounts endpoints mean -- register, login, refresh, logout, profile,
// account deletion -- and the authentication of every other API call.
//
// Sessions: each sign-in starts a session (one device) holding a chain of refresh tokens.
// refresh() spends the presented token and issues the next one; presenting a spent token again
// means it was copied, so the whole session is revoked (theft detection). logout() revokes the
// session and the calling access token. A password change revokes every other session. All of
// it is in the database, so it holds on every instance sharing it.
//
// Password work runs through the bounded PasswordHasher; a login for an unknown email costs a
// full verification too, and both failures answer the same 401. Every method but verify_token()
// blocks (database, hashing): call from the worker pool. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/auth/access_tokens.h"
#include "core/auth/password_hasher.h"
#include "core/common/result.h"
#include "core/common/time_format.h"
#include "core/config/config.h"
#include "core/services/auth_types.h"
#include "core/services/rate_limiter.h"
#include "core/services/revocation_cache.h"
#include "core/store/database.h"

namespace moodgate::services {

struct AuthServiceDeps {
  store::Database* database = nullptr;
  auth::PasswordHasher* hasher = nullptr;
  const auth::AccessTokens* tokens = nullptr;
  config::AuthConfig auth;
  config::RateLimitsConfig rate_limits;
  std::function<WallClock::time_point()> clock = [] { return WallClock::now(); };
};

class AuthService {
 public:
  explicit AuthService(AuthServiceDeps deps);

  // A new account, signed in. kConflict when the email is taken; kRateLimited past
  // rate_limits.register_per_ip for `client_ip`.
  Result<SignedIn> register_user(const RegisterInput& input, const std::string& client_ip,
                                 RateLimitInfo& limits);

  // Signs in. kUnauthorized "Invalid email or password" for an unknown email and for a wrong
  // password alike; kRateLimited past login_per_ip or login_failures_per_account. A right
  // password hashed with older limits is rehashed with the current ones.
  Result<SignedIn> login(const LoginInput& input, const std::string& client_ip,
                         RateLimitInfo& limits);

  // Rotates a refresh token: new access and refresh tokens for the same session.
  // kUnauthorized when the token is unknown, expired, revoked or already spent (and then the
  // whole session is revoked).
  Result<TokenPair> refresh(std::string_view refresh_token);

  // Revokes the caller's session (its refresh tokens) and the access token it called with.
  Status logout(const Principal& caller);

  // The caller's account. kUnauthorized if it no longer exists.
  Result<User> me(const Principal& caller);

  // Changes the display name and/or password. A new password needs the current one (400 naming
  // current_password when missing, 401 when wrong) and revokes every other session.
  Result<User> update_me(const Principal& caller, const ProfileChange& change);

  // Deletes the account and everything it owns after checking `password` (401 when wrong).
  Status delete_me(const Principal& caller, std::string_view password);

  // A call is authenticated in two steps (api/authenticated.h), each kUnauthorized for every
  // failure, with one message. verify_token(): the caller behind a bearer token, from its
  // signature, claims and expiry; CPU only, so safe on an event-loop thread. check_live():
  // whether that caller's session and token are still live (database, or the bounded
  // revocation cache).
  Result<Principal> verify_token(std::string_view access_token) const;
  Status check_live(const Principal& principal);

  // Deletes expired sessions, revocations and rate-limit counters; returns rows deleted.
  Result<long long> purge_expired();

 private:
  struct NewSession;
  NewSession new_session_tokens(const std::string& user_id, WallClock::time_point now) const;
  Result<TokenPair> finish_session(const NewSession& session, WallClock::time_point now) const;
  Status verify_current_password(const std::string& user_id, std::string_view password,
                                 std::string_view field);
  Result<RateDecision> limiter_peek(const std::string& bucket, std::int64_t now_s);

  AuthServiceDeps deps_;
  store::Database& db_;
  auth::PasswordHasher& hasher_;
  const auth::AccessTokens& tokens_;
  RevocationCache revocations_;
};

}  // namespace moodgate::services
