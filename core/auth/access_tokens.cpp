#include "core/auth/access_tokens.h"

#include <jwt.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "core/common/uuid.h"

namespace moodgate::auth {
namespace {

constexpr std::size_t kMaxTokenLength = 4096;
const char kRefusedMessage[] = "Invalid or expired access token";

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct MallocFree {
  void operator()(char* p) const { std::free(p); }
};

Error refused(std::string_view reason) {
  spdlog::debug("access token refused: {}", reason);
  return {ErrorCode::kUnauthorized, kRefusedMessage};
}

// A string claim, or nullopt when it is absent, not a string or empty.
std::optional<std::string> string_claim(jwt_t* jwt, const char* name) {
  const char* value = jwt_get_grant(jwt, name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// An integer claim, or nullopt when it is absent or not a JSON integer. Not jwt_get_grant_int:
// libjwt 1.10 returns 0 with errno 0 for a present non-integer ("iat":"x" would read as 1970),
// and sets ENOENT only when the claim is absent.
std::optional<std::int64_t> int_claim(jwt_t* jwt, const char* name) {
  std::unique_ptr<char, MallocFree> json(jwt_get_grants_json(jwt, name));
  if (!json) return std::nullopt;
  const std::string_view text(json.get());
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

const unsigned char* key_bytes(const std::string& secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

}  // namespace

AccessTokens::AccessTokens(AccessTokenSettings settings) : settings_(std::move(settings)) {
  assert(!settings_.secret.empty());
}

Result<IssuedAccessToken> AccessTokens::issue(const std::string& user_id,
                                              const std::string& session_id,
                                              std::int64_t now_s) const {
  assert(!user_id.empty() && !session_id.empty());
  IssuedAccessToken issued;
  issued.claims.user_id = user_id;
  issued.claims.session_id = session_id;
  issued.claims.token_id = new_uuid();
  issued.claims.issued_at = now_s;
  issued.claims.expires_at = now_s + settings_.ttl.count();

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) {
    spdlog::error("access token: jwt_new failed");
    return Error::internal();
  }
  JwtPtr jwt(raw);
  const AccessTokenClaims& c = issued.claims;
  const bool built = jwt_add_grant(jwt.get(), "sub", c.user_id.c_str()) == 0 &&
                     jwt_add_grant(jwt.get(), "sid", c.session_id.c_str()) == 0 &&
                     jwt_add_grant(jwt.get(), "jti", c.token_id.c_str()) == 0 &&
                     jwt_add_grant(jwt.get(), "iss", settings_.issuer.c_str()) == 0 &&
                     jwt_add_grant(jwt.get(), "aud", settings_.audience.c_str()) == 0 &&
                     jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(c.issued_at)) == 0 &&
                     jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(c.expires_at)) == 0 &&
                     jwt_set_alg(jwt.get(), JWT_ALG_HS256, key_bytes(settings_.secret),
                                 static_cast<int>(settings_.secret.size())) == 0;
  if (!built) {
    spdlog::error("access token: building the JWT failed");
    return Error::internal();
  }
  std::unique_ptr<char, MallocFree> encoded(jwt_encode_str(jwt.get()));
  if (!encoded) {
    spdlog::error("access token: jwt_encode_str failed");
    return Error::internal();
  }
  issued.token = encoded.get();
  return issued;
}

Result<AccessTokenClaims> AccessTokens::verify(std::string_view token, std::int64_t now_s) const {
  if (token.empty()) return refused("empty");
  if (token.size() > kMaxTokenLength) return refused("longer than 4096 characters");
  const std::string token_z(token);  // libjwt wants it NUL-terminated
  if (token_z.find('\0') != std::string::npos) return refused("contains a NUL byte");

  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token_z.c_str(), key_bytes(settings_.secret),
                            static_cast<int>(settings_.secret.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return refused("malformed or bad signature");
  // The algorithm is pinned before any claim is looked at: libjwt verifies with whichever HMAC
  // the header names, so an HS384/HS512 token made with our key would pass. (libjwt 1.10.2
  // itself refuses "none" when given a key; this check would catch it too.)
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return refused("algorithm is not HS256");

  const std::optional<std::string> iss = string_claim(jwt.get(), "iss");
  if (!iss || *iss != settings_.issuer) return refused("wrong or missing iss");
  const std::optional<std::string> aud = string_claim(jwt.get(), "aud");
  if (!aud || *aud != settings_.audience) return refused("wrong or missing aud");

  AccessTokenClaims claims;
  std::optional<std::string> sub = string_claim(jwt.get(), "sub");
  std::optional<std::string> sid = string_claim(jwt.get(), "sid");
  std::optional<std::string> jti = string_claim(jwt.get(), "jti");
  if (!sub || !sid || !jti) return refused("missing sub, sid or jti");
  const std::optional<std::int64_t> iat = int_claim(jwt.get(), "iat");
  const std::optional<std::int64_t> exp = int_claim(jwt.get(), "exp");
  if (!iat || !exp) return refused("missing iat or exp");

  // Written so that no addition can overflow on a hostile exp/iat.
  const std::int64_t skew = settings_.clock_skew.count();
  if (*exp <= now_s - skew) return refused("expired");
  if (*iat > now_s + skew) return refused("issued in the future");

  claims.user_id = std::move(*sub);
  claims.session_id = std::move(*sid);
  claims.token_id = std::move(*jti);
  claims.issued_at = *iat;
  claims.expires_at = *exp;
  return claims;
}

}  // namespace moodgate::auth
