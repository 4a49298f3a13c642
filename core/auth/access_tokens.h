// AccessTokens: signs and checks the short-lived JWTs that authenticate API calls.
//
// A token is a JWT signed with HMAC-SHA256 (libjwt) carrying sub (user id), sid (session id),
// jti (token id), iat, exp, iss and aud. verify() pins the algorithm: a token whose header
// says anything but HS256 -- "none" included -- is refused before its claims are trusted, as is
// a bad signature, another issuer or audience, an expired token (exp + clock_skew <= now), a
// token issued in the future (iat - clock_skew > now) and one missing a claim.
//
// Revocation is not checked here (that needs the database; see the auth middleware).
// Thread-safe; immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace moodgate::auth {

struct AccessTokenSettings {
  std::string secret;  // the HMAC key, >= 32 bytes (checked by jwt_secret.h)
  std::string issuer;
  std::string audience;
  std::chrono::seconds ttl{900};
  std::chrono::seconds clock_skew{30};
};

struct AccessTokenClaims {
  std::string user_id;          // sub
  std::string session_id;       // sid
  std::string token_id;         // jti
  std::int64_t issued_at = 0;   // iat, Unix seconds
  std::int64_t expires_at = 0;  // exp, Unix seconds
};

struct IssuedAccessToken {
  std::string token;  // the compact JWS: header.payload.signature
  AccessTokenClaims claims;
};

class AccessTokens {
 public:
  explicit AccessTokens(AccessTokenSettings settings);

  // A new token for the user's session, issued at `now_s` (Unix seconds) with a fresh jti.
  // kInternal only if libjwt fails (out of memory).
  Result<IssuedAccessToken> issue(const std::string& user_id, const std::string& session_id,
                                  std::int64_t now_s) const;

  // The claims of a valid token. Every refusal is kUnauthorized with the same client-safe
  // message ("Invalid or expired access token"); the reason goes to the debug log.
  Result<AccessTokenClaims> verify(std::string_view token, std::int64_t now_s) const;

  std::chrono::seconds ttl() const { return settings_.ttl; }

 private:
  AccessTokenSettings settings_;
};

}  // namespace moodgate::auth
