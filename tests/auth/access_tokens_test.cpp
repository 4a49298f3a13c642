// Specification: access tokens are HS256 JWTs; verify() returns their claims only when the
// algorithm, signature, issuer, audience and times all check out, and refuses everything else
// with one client-safe message.
#include <jwt.h>
#include <sodium.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "core/auth/access_tokens.h"

namespace moodgate::auth {
namespace {

using namespace std::chrono_literals;

const std::string kKey = "k3y-for-tests-0123456789-abcdefghijklmnop";
constexpr std::int64_t kNow = 1700000000;

AccessTokenSettings settings(std::string key = kKey) {
  return {std::move(key), "moodgate", "moodgate-api", 900s, 30s};
}

std::string base64url(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string claims_json(const std::string& extra = "") {
  return R"({"sub":"user-1","sid":"session-1","jti":"token-1","iss":"moodgate",)"
         R"("aud":"moodgate-api","iat":)" +
         std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 900) + extra + "}";
}

// A token signed by libjwt directly, so that tests can choose the algorithm and the claims.
std::string signed_token(const std::string& json, jwt_alg_t alg = JWT_ALG_HS256,
                         const std::string& key = kKey) {
  jwt_t* jwt = nullptr;
  REQUIRE(jwt_new(&jwt) == 0);
  REQUIRE(jwt_add_grants_json(jwt, json.c_str()) == 0);
  REQUIRE(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                      static_cast<int>(key.size())) == 0);
  char* encoded = jwt_encode_str(jwt);
  jwt_free(jwt);
  REQUIRE(encoded != nullptr);
  std::string token(encoded);
  std::free(encoded);
  return token;
}

void check_refused(const AccessTokens& tokens, const std::string& token, std::int64_t now = kNow) {
  Result<AccessTokenClaims> verified = tokens.verify(token, now);
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.error().code == ErrorCode::kUnauthorized);
  CHECK(verified.error().message == "Invalid or expired access token");
}

}  // namespace

TEST_CASE("An issued access token verifies and gives back its claims", "[auth]") {
  AccessTokens tokens(settings());
  Result<IssuedAccessToken> issued = tokens.issue("user-1", "session-1", kNow);
  REQUIRE(issued.ok());
  CHECK(issued->claims.user_id == "user-1");
  CHECK(issued->claims.session_id == "session-1");
  CHECK(issued->claims.token_id.size() == 36);
  CHECK(issued->claims.issued_at == kNow);
  CHECK(issued->claims.expires_at == kNow + 900);
  CHECK(tokens.ttl() == 900s);

  Result<AccessTokenClaims> verified = tokens.verify(issued->token, kNow + 10);
  REQUIRE(verified.ok());
  CHECK(verified->user_id == "user-1");
  CHECK(verified->session_id == "session-1");
  CHECK(verified->token_id == issued->claims.token_id);
  CHECK(verified->issued_at == kNow);
  CHECK(verified->expires_at == kNow + 900);
}

TEST_CASE("Every issued access token has its own token id", "[auth]") {
  AccessTokens tokens(settings());
  Result<IssuedAccessToken> a = tokens.issue("user-1", "session-1", kNow);
  Result<IssuedAccessToken> b = tokens.issue("user-1", "session-1", kNow);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->claims.token_id != b->claims.token_id);
  CHECK(a->token != b->token);
}

TEST_CASE("An access token is refused once expired beyond the clock skew", "[auth]") {
  AccessTokens tokens(settings());
  Result<IssuedAccessToken> old = tokens.issue("user-1", "session-1", kNow - 1000);
  REQUIRE(old.ok());
  check_refused(tokens, old->token);

  Result<IssuedAccessToken> issued = tokens.issue("user-1", "session-1", kNow);
  REQUIRE(issued.ok());
  const std::int64_t exp = kNow + 900;
  CHECK(tokens.verify(issued->token, exp - 1).ok());
  CHECK(tokens.verify(issued->token, exp + 29).ok());  // within the skew
  check_refused(tokens, issued->token, exp + 30);
}

TEST_CASE("An access token issued in the future is refused beyond the clock skew", "[auth]") {
  AccessTokens tokens(settings());
  Result<IssuedAccessToken> near = tokens.issue("user-1", "session-1", kNow + 30);
  REQUIRE(near.ok());
  CHECK(tokens.verify(near->token, kNow).ok());
  Result<IssuedAccessToken> far = tokens.issue("user-1", "session-1", kNow + 31);
  REQUIRE(far.ok());
  check_refused(tokens, far->token);
}

TEST_CASE("An access token with a tampered payload is refused", "[auth]") {
  AccessTokens tokens(settings());
  Result<IssuedAccessToken> issued = tokens.issue("user-1", "session-1", kNow);
  REQUIRE(issued.ok());
  const std::string& token = issued->token;
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = token.find('.', first_dot + 1);

  std::string flipped = token;
  char& c = flipped[(first_dot + second_dot) / 2];
  c = c == 'A' ? 'B' : 'A';
  check_refused(tokens, flipped);

  // A well-formed payload naming someone else, under the original signature.
  const std::string forged =
      token.substr(0, first_dot + 1) +
      base64url(R"({"sub":"admin","sid":"session-1","jti":"x",)"
                R"("iss":"moodgate","aud":"moodgate-api","iat":)" +
                std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 900) + "}") +
      token.substr(second_dot);
  check_refused(tokens, forged);

  std::string bad_signature = token;
  char& s = bad_signature[bad_signature.size() - 5];
  s = s == 'A' ? 'B' : 'A';
  check_refused(tokens, bad_signature);
}

TEST_CASE("An access token signed with another key is refused", "[auth]") {
  AccessTokens other(settings("another-k3y-0123456789-abcdefghijklmnop"));
  Result<IssuedAccessToken> issued = other.issue("user-1", "session-1", kNow);
  REQUIRE(issued.ok());
  check_refused(AccessTokens(settings()), issued->token);
}

TEST_CASE("An unsigned access token (alg none) is refused", "[auth]") {
  AccessTokens tokens(settings());
  const std::string unsigned_token =
      base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(claims_json()) + ".";
  check_refused(tokens, unsigned_token);
  check_refused(tokens, unsigned_token + "c2lnbmF0dXJl");
  check_refused(tokens, base64url(R"({"alg":"none"})") + "." + base64url(claims_json()) + ".");
  check_refused(tokens,
                base64url(R"({"alg":"NONE","typ":"JWT"})") + "." + base64url(claims_json()) + ".");
}

TEST_CASE("An access token signed with another HMAC algorithm and our key is refused", "[auth]") {
  AccessTokens tokens(settings());
  const std::string hs256 = signed_token(claims_json(), JWT_ALG_HS256);
  REQUIRE(tokens.verify(hs256, kNow).ok());  // the helper itself makes acceptable tokens
  check_refused(tokens, signed_token(claims_json(), JWT_ALG_HS512));
  check_refused(tokens, signed_token(claims_json(), JWT_ALG_HS384));
}

TEST_CASE("An access token for another issuer or audience is refused", "[auth]") {
  AccessTokens tokens(settings());
  AccessTokenSettings other_issuer = settings();
  other_issuer.issuer = "someone-else";
  AccessTokenSettings other_audience = settings();
  other_audience.audience = "another-api";
  for (const AccessTokenSettings& s : {other_issuer, other_audience}) {
    Result<IssuedAccessToken> issued = AccessTokens(s).issue("user-1", "session-1", kNow);
    REQUIRE(issued.ok());
    check_refused(tokens, issued->token);
  }
  // An audience list is not accepted either: we only ever issue a single string.
  const std::string list_aud =
      R"({"sub":"u","sid":"s","jti":"j","iss":"moodgate","aud":["moodgate-api"],"iat":)" +
      std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 900) + "}";
  check_refused(tokens, signed_token(list_aud));
}

TEST_CASE("An access token missing a claim or with a mistyped one is refused", "[auth]") {
  AccessTokens tokens(settings());
  const std::string iat = std::to_string(kNow);
  const std::string exp = std::to_string(kNow + 900);
  const std::string head = R"({"iss":"moodgate","aud":"moodgate-api",)";
  const std::string cases[] = {
      head + R"("sub":"u","jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",  // no sid
      head + R"("sid":"s","jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",  // no sub
      head + R"("sub":"u","sid":"s","iat":)" + iat + R"(,"exp":)" + exp + "}",  // no jti
      head + R"("sub":"","sid":"s","jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",
      head + R"("sub":"u","sid":7,"jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",
      head + R"("sub":"u","sid":"s","jti":"j","exp":)" + exp + "}",  // no iat
      head + R"("sub":"u","sid":"s","jti":"j","iat":)" + iat + "}",  // no exp
      head + R"("sub":"u","sid":"s","jti":"j","iat":"soon","exp":)" + exp + "}",
      head + R"("sub":"u","sid":"s","jti":"j","iat":)" + iat + R"(,"exp":")" + exp + "\"}",
      head + R"("sub":"u","sid":"s","jti":"j","iat":)" + iat + R"(,"exp":1e12})",
      R"({"aud":"moodgate-api","sub":"u","sid":"s","jti":"j","iat":)" + iat + R"(,"exp":)" + exp +
          "}",  // no iss
  };
  for (const std::string& json : cases) {
    INFO(json);
    check_refused(tokens, signed_token(json));
  }
}

TEST_CASE("Garbage, empty and over-long access tokens are refused", "[auth]") {
  AccessTokens tokens(settings());
  for (const char* garbage : {"", "garbage", "a.b", "a.b.c", "..", "...", "Bearer x.y.z",
                              "eyJhbGciOiJIUzI1NiJ9.e30.", "\xff\xfe.\x01.\x02"}) {
    check_refused(tokens, garbage);
  }
  check_refused(tokens, std::string("abc\0def", 7));

  // A correctly signed token is still refused when it is longer than 4096 characters.
  const std::string big = signed_token(claims_json(R"(,"pad":")" + std::string(4000, 'x') + "\""));
  REQUIRE(big.size() > 4096);
  check_refused(tokens, big);
  check_refused(tokens, std::string(100000, 'a'));
}

}  // namespace moodgate::auth
