#include "core/services/auth_service.h"

#include <spdlog/spdlog.h>

#include "core/auth/opaque_tokens.h"
#include "core/common/uuid.h"
#include "core/store/rate_limit_repository.h"
#include "core/store/sessions_repository.h"
#include "core/store/users_repository.h"

namespace moodgate::services {
namespace {

constexpr std::size_t kRevocationCacheEntries = 100'000;
constexpr std::size_t kMaxRefreshTokenLength = 256;

Error bad_credentials() {
  return {ErrorCode::kUnauthorized, "Invalid email or password"};
}
Error bad_refresh_token() {
  return {ErrorCode::kUnauthorized, "Invalid or expired refresh token"};
}
Error bad_access_token() {
  return {ErrorCode::kUnauthorized, "Invalid or expired access token"};
}
Error email_taken() {
  Error e(ErrorCode::kConflict, "An account with this email already exists");
  e.with("field", std::string("email"));
  return e;
}

User to_user(const store::UserRow& row) {
  return User{row.id, row.email, row.display_name, row.created_at};
}

// Failed logins are counted per account under a digest of the email, so the counters table
// never holds addresses, and unknown emails are counted exactly like known ones.
std::string account_bucket(const std::string& email) {
  return "login:account:" + auth::token_digest(email);
}

void note(RateLimitInfo& info, const RateDecision& d) {
  if (d.limit == 0) return;
  if (info.limit == 0 || d.remaining < info.remaining) {
    info = RateLimitInfo{d.limit, d.remaining, d.reset_after_s};
  }
}

}  // namespace

struct AuthService::NewSession {
  std::string session_id;
  std::string refresh_token;  // given to the client once; only its digest is stored
  store::RefreshTokenRow row;
};

AuthService::AuthService(AuthServiceDeps deps)
    : deps_(std::move(deps)),
      db_(*deps_.database),
      hasher_(*deps_.hasher),
      tokens_(*deps_.tokens),
      revocations_(std::chrono::milliseconds(deps_.auth.revocation_cache_ms),
                   kRevocationCacheEntries) {}

AuthService::NewSession AuthService::new_session_tokens(const std::string& user_id,
                                                        WallClock::time_point now) const {
  NewSession s;
  s.session_id = new_uuid();
  s.refresh_token = auth::random_token(32);
  s.row.id = new_uuid();
  s.row.user_id = user_id;
  s.row.session_id = s.session_id;
  s.row.token_hash = auth::token_digest(s.refresh_token);
  s.row.expires_at = format_rfc3339_ms(now + std::chrono::seconds(deps_.auth.refresh_token_ttl_s));
  return s;
}

Result<TokenPair> AuthService::finish_session(const NewSession& session,
                                              WallClock::time_point now) const {
  auto access = tokens_.issue(session.row.user_id, session.session_id, unix_seconds(now));
  if (!access) return std::move(access).error();
  return TokenPair{access->token, session.refresh_token, static_cast<int>(tokens_.ttl().count())};
}

Result<SignedIn> AuthService::register_user(const RegisterInput& input,
                                            const std::string& client_ip, RateLimitInfo& limits) {
  const WallClock::time_point now = deps_.clock();
  if (deps_.rate_limits.enabled) {
    auto decision = db_.run("auth.register.limit", [&](soci::session& sql) {
      return RateLimiter::hit_on(sql, client_bucket("register:ip", client_ip),
                                 deps_.rate_limits.register_per_ip, unix_seconds(now));
    });
    if (!decision) return std::move(decision).error();
    note(limits, *decision);
    if (!decision->allowed) {
      return rate_limited_error(*decision, "registrations from this address");
    }
  }

  // A cheap answer for a taken email before spending a hash; the unique key decides races.
  auto taken = db_.run("users.find_by_email", [&](soci::session& sql) {
    return store::UsersRepository(sql).find_by_email(input.email).has_value();
  });
  if (!taken) return std::move(taken).error();
  if (*taken) return email_taken();

  auto hash = hasher_.hash(input.password);
  if (!hash) return std::move(hash).error();

  const store::UserRow row{new_uuid(), input.email, *hash, input.display_name, ""};
  const NewSession session = new_session_tokens(row.id, now);
  const std::string now_text = format_rfc3339_ms(now);
  auto created = db_.transaction("auth.register", [&](soci::session& sql) -> Result<User> {
    store::UsersRepository users(sql);
    users.insert(row);
    store::SessionsRepository sessions(sql);
    sessions.create_session(session.session_id, row.id, now_text, session.row.expires_at);
    sessions.insert_refresh_token(session.row);
    auto stored = users.find_by_id(row.id);
    if (!stored) return Error::internal();
    return to_user(*stored);
  });
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) return email_taken();
    return std::move(created).error();
  }
  auto tokens = finish_session(session, now);
  if (!tokens) return std::move(tokens).error();
  spdlog::info("user {} registered", row.id);
  return SignedIn{std::move(created).value(), std::move(tokens).value()};
}

Result<SignedIn> AuthService::login(const LoginInput& input, const std::string& client_ip,
                                    RateLimitInfo& limits) {
  const WallClock::time_point now = deps_.clock();
  const std::int64_t now_s = unix_seconds(now);
  const config::RateLimitsConfig& rl = deps_.rate_limits;
  const std::string bucket = account_bucket(input.email);

  struct Lookup {
    RateDecision by_ip;
    RateDecision by_account;
    std::optional<store::UserRow> user;
  };
  auto lookup = db_.run("auth.login.lookup", [&](soci::session& sql) {
    Lookup l;
    if (rl.enabled) {
      l.by_ip =
          RateLimiter::hit_on(sql, client_bucket("login:ip", client_ip), rl.login_per_ip, now_s);
      if (!l.by_ip.allowed) return l;
      l.by_account = RateLimiter::peek_on(sql, bucket, rl.login_failures_per_account, now_s);
      if (!l.by_account.allowed) return l;
    }
    l.user = store::UsersRepository(sql).find_by_email(input.email);
    return l;
  });
  if (!lookup) return std::move(lookup).error();
  note(limits, lookup->by_ip);
  if (!lookup->by_ip.allowed) {
    return rate_limited_error(lookup->by_ip, "login attempts from this address");
  }
  if (!lookup->by_account.allowed) {
    return rate_limited_error(lookup->by_account, "failed logins for this account");
  }

  auto count_failure = [&]() -> Error {
    if (rl.enabled && rl.login_failures_per_account.enabled()) {
      auto counted = db_.run("auth.login.failure", [&](soci::session& sql) {
        return RateLimiter::hit_on(sql, bucket, rl.login_failures_per_account, now_s);
      });
      if (!counted) return std::move(counted).error();
    }
    return bad_credentials();
  };

  if (!lookup->user) {
    if (auto spent = hasher_.verify_unknown_account(input.password); !spent) {
      return std::move(spent).error();
    }
    return count_failure();
  }
  const store::UserRow& user = *lookup->user;
  auto verdict = hasher_.verify(user.password_hash, input.password);
  if (!verdict) return std::move(verdict).error();
  if (*verdict == auth::PasswordHasher::Verdict::kMismatch) return count_failure();

  if (*verdict == auth::PasswordHasher::Verdict::kMatchNeedsRehash) {
    // Hash limits changed since this password was stored: upgrade it now that we know it.
    auto rehashed = hasher_.hash(input.password);
    Status updated =
        rehashed ? db_.run("users.rehash",
                           [&](soci::session& sql) {
                             store::UsersRepository(sql).update_password_hash(user.id, *rehashed);
                           })
                 : Status(rehashed.error());
    if (!updated) spdlog::warn("user {}: password rehash failed; kept the old hash", user.id);
  }

  const NewSession session = new_session_tokens(user.id, now);
  const std::string now_text = format_rfc3339_ms(now);
  Status stored = db_.transaction("auth.login.session", [&](soci::session& sql) {
    store::SessionsRepository sessions(sql);
    sessions.create_session(session.session_id, user.id, now_text, session.row.expires_at);
    sessions.insert_refresh_token(session.row);
  });
  if (!stored) return std::move(stored).error();
  auto tokens = finish_session(session, now);
  if (!tokens) return std::move(tokens).error();
  return SignedIn{to_user(user), std::move(tokens).value()};
}

Result<TokenPair> AuthService::refresh(std::string_view refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > kMaxRefreshTokenLength) {
    return bad_refresh_token();
  }
  const WallClock::time_point now = deps_.clock();
  const std::string now_text = format_rfc3339_ms(now);
  const std::string digest = auth::token_digest(refresh_token);

  enum class Outcome { kRotated, kUnknown, kRevoked, kExpired, kReused };
  struct Rotation {
    Outcome outcome = Outcome::kUnknown;
    std::string user_id;
    std::string session_id;
    std::optional<NewSession> next;
  };
  auto rotation = db_.transaction("auth.refresh", [&](soci::session& sql) {
    store::SessionsRepository sessions(sql);
    Rotation r;
    auto current = sessions.find_refresh_token_for_update(digest);
    if (!current) return r;
    r.user_id = current->user_id;
    r.session_id = current->session_id;
    const auto session = sessions.find_session(current->session_id);
    if (current->revoked_at || !session || session->revoked_at) {
      r.outcome = Outcome::kRevoked;
      return r;
    }
    if (current->used_at) {
      sessions.revoke_session(current->session_id, "refresh_reuse", now_text);
      r.outcome = Outcome::kReused;
      return r;
    }
    if (current->expires_at <= now_text) {
      r.outcome = Outcome::kExpired;
      return r;
    }
    NewSession next = new_session_tokens(current->user_id, now);
    next.session_id = current->session_id;
    next.row.session_id = current->session_id;
    if (!sessions.spend_refresh_token(current->id, next.row.id, now_text)) {
      sessions.revoke_session(current->session_id, "refresh_reuse", now_text);
      r.outcome = Outcome::kReused;
      return r;
    }
    sessions.insert_refresh_token(next.row);
    sessions.touch_session(current->session_id, now_text, next.row.expires_at);
    r.outcome = Outcome::kRotated;
    r.next = std::move(next);
    return r;
  });
  if (!rotation) return std::move(rotation).error();
  switch (rotation->outcome) {
    case Outcome::kRotated:
      return finish_session(*rotation->next, now);
    case Outcome::kReused:
      revocations_.clear();
      spdlog::warn("user {}: a spent refresh token was presented again; session {} revoked",
                   rotation->user_id, rotation->session_id);
      return bad_refresh_token();
    case Outcome::kUnknown:
    case Outcome::kRevoked:
    case Outcome::kExpired:
      break;
  }
  return bad_refresh_token();
}

Status AuthService::logout(const Principal& caller) {
  const WallClock::time_point now = deps_.clock();
  // The token stays acceptable until exp + clock skew, so its revocation must last as long.
  const std::string until = format_rfc3339_ms(from_unix_seconds(caller.expires_at) +
                                              std::chrono::seconds(deps_.auth.clock_skew_s));
  Status done = db_.transaction("auth.logout", [&](soci::session& sql) {
    store::SessionsRepository sessions(sql);
    sessions.revoke_session(caller.session_id, "logout", format_rfc3339_ms(now));
    sessions.revoke_access_token(caller.token_id, caller.user_id, until);
  });
  revocations_.clear();
  return done;
}

Result<User> AuthService::me(const Principal& caller) {
  auto row = db_.run("users.find_by_id", [&](soci::session& sql) {
    return store::UsersRepository(sql).find_by_id(caller.user_id);
  });
  if (!row) return std::move(row).error();
  if (!*row) return bad_access_token();
  return to_user(**row);
}

Status AuthService::verify_current_password(const std::string& user_id, std::string_view password,
                                            std::string_view field) {
  const std::int64_t now_s = unix_seconds(deps_.clock());
  const config::RateLimitsConfig& rl = deps_.rate_limits;
  auto row = db_.run("users.find_by_id", [&](soci::session& sql) {
    return store::UsersRepository(sql).find_by_id(user_id);
  });
  if (!row) return std::move(row).error();
  if (!*row) return bad_access_token();
  // Re-entering the password is guessing too: it shares the account's failed-login limit.
  const std::string bucket = account_bucket((*row)->email);
  if (rl.enabled) {
    auto decision = limiter_peek(bucket, now_s);
    if (!decision) return std::move(decision).error();
    if (!decision->allowed) {
      return rate_limited_error(*decision, "failed password checks for this account");
    }
  }
  auto verdict = hasher_.verify((*row)->password_hash, password);
  if (!verdict) return std::move(verdict).error();
  if (*verdict != auth::PasswordHasher::Verdict::kMismatch) return {};
  if (rl.enabled) {
    auto counted = RateLimiter(db_).hit(bucket, rl.login_failures_per_account, now_s);
    if (!counted) return std::move(counted).error();
  }
  Error e(ErrorCode::kUnauthorized, "Password is incorrect");
  e.with("field", std::string(field));
  return e;
}

Result<RateDecision> AuthService::limiter_peek(const std::string& bucket, std::int64_t now_s) {
  return RateLimiter(db_).peek(bucket, deps_.rate_limits.login_failures_per_account, now_s);
}

Result<User> AuthService::update_me(const Principal& caller, const ProfileChange& change) {
  std::optional<std::string> new_hash;
  if (change.new_password) {
    if (!change.current_password) {
      return Error::invalid_input("current_password is required to change the password",
                                  "current_password");
    }
    if (Status ok =
            verify_current_password(caller.user_id, *change.current_password, "current_password");
        !ok) {
      return std::move(ok).error();
    }
    auto hash = hasher_.hash(*change.new_password);
    if (!hash) return std::move(hash).error();
    new_hash = std::move(hash).value();
  }
  const std::string now_text = format_rfc3339_ms(deps_.clock());
  int revoked = 0;
  auto updated = db_.transaction("auth.update_me", [&](soci::session& sql) -> Result<User> {
    store::UsersRepository users(sql);
    if (change.set_display_name) users.update_display_name(caller.user_id, change.display_name);
    if (new_hash) {
      users.update_password_hash(caller.user_id, *new_hash);
      revoked = store::SessionsRepository(sql).revoke_other_sessions(
          caller.user_id, caller.session_id, "password_changed", now_text);
    }
    auto row = users.find_by_id(caller.user_id);
    if (!row) return bad_access_token();
    return to_user(*row);
  });
  if (new_hash && updated) {
    revocations_.clear();
    spdlog::info("user {} changed their password; {} other session(s) revoked", caller.user_id,
                 revoked);
  }
  return updated;
}

Status AuthService::delete_me(const Principal& caller, std::string_view password) {
  if (Status ok = verify_current_password(caller.user_id, password, "password"); !ok) return ok;
  auto removed = db_.transaction("auth.delete_me", [&](soci::session& sql) {
    return store::UsersRepository(sql).remove(caller.user_id);
  });
  if (!removed) return std::move(removed).error();
  revocations_.clear();
  if (*removed) spdlog::info("user {} deleted their account", caller.user_id);
  return {};
}

Result<Principal> AuthService::verify_token(std::string_view access_token) const {
  auto claims = tokens_.verify(access_token, unix_seconds(deps_.clock()));
  if (!claims) return std::move(claims).error();
  return Principal{claims->user_id, claims->session_id, claims->token_id, claims->expires_at};
}

Status AuthService::check_live(const Principal& principal) {
  if (auto cached = revocations_.get(principal.token_id)) {
    if (*cached) return {};
    return bad_access_token();
  }
  auto state = db_.run("auth.access_state", [&](soci::session& sql) {
    return store::SessionsRepository(sql).access_state(principal.user_id, principal.session_id,
                                                       principal.token_id);
  });
  if (!state) return std::move(state).error();
  const bool allowed = *state == store::AccessState::kAllowed;
  revocations_.put(principal.token_id, allowed);
  if (!allowed) return bad_access_token();
  return {};
}

Result<long long> AuthService::purge_expired() {
  const std::string now_text = format_rfc3339_ms(deps_.clock());
  return db_.run("auth.purge_expired", [&](soci::session& sql) {
    return store::SessionsRepository(sql).purge_expired(now_text) +
           store::RateLimitRepository(sql).purge_expired(now_text);
  });
}

}  // namespace moodgate::services
