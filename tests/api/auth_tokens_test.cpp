// Access tokens at the HTTP boundary: only an HS256 token signed with our key, with our
// issuer and audience, unexpired, whose session and id are not revoked, gets through.
#include <catch2/catch.hpp>

#include <sodium.h>

#include <thread>

#include "core/auth/access_tokens.h"
#include "core/common/time_format.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using moodgate::auth::AccessTokens;
using moodgate::auth::AccessTokenSettings;

namespace {

AccessTokenSettings settings_like_server(std::string secret = kTestJwtSecret) {
  const auto config = test_config("sqlite:///unused.db");
  return AccessTokenSettings{std::move(secret), config.auth.issuer, config.auth.audience,
                             std::chrono::seconds(config.auth.access_token_ttl_s),
                             std::chrono::seconds(config.auth.clock_skew_s)};
}

std::string base64url(const std::string& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string payload_of(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  return jwt.substr(first + 1, second - first - 1);
}

// The (sub, sid) of a real session, taken from a real token's payload.
struct Subject {
  std::string user_id;
  std::string session_id;
};

Subject subject_of(const std::string& jwt) {
  const std::string encoded = payload_of(jwt);
  std::string raw(encoded.size(), '\0');
  size_t len = 0;
  REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                            encoded.c_str(), encoded.size(), nullptr, &len, nullptr,
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
  raw.resize(len);
  rapidjson::Document doc;
  doc.Parse(raw.c_str());
  REQUIRE(doc.IsObject());
  return {doc["sub"].GetString(), doc["sid"].GetString()};
}

int me_status(std::uint16_t port, const std::string& token) {
  return api_call(port, "GET", "/api/v1/auth/me", "", token).status;
}

}  // namespace

TEST_CASE("forged, expired and foreign access tokens are all refused with 401", "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account user = register_account(port, "tokens@example.com");
  const Subject who = subject_of(user.access_token);
  const std::int64_t now = moodgate::unix_now();
  REQUIRE(me_status(port, user.access_token) == 200);

  const AccessTokens ours(settings_like_server());
  SECTION("a token we signed for the live session is accepted") {
    auto minted = ours.issue(who.user_id, who.session_id, now);
    REQUIRE(minted.ok());
    CHECK(me_status(port, minted->token) == 200);
  }
  SECTION("expired, beyond the clock-skew allowance") {
    auto old = ours.issue(who.user_id, who.session_id, now - 900 - 31);
    REQUIRE(old.ok());
    CHECK(me_status(port, old->token) == 401);
  }
  SECTION("signed with another key") {
    const AccessTokens theirs(settings_like_server("another-key-that-is-long-enough-0123456789"));
    auto forged = theirs.issue(who.user_id, who.session_id, now);
    REQUIRE(forged.ok());
    CHECK(me_status(port, forged->token) == 401);
  }
  SECTION("another issuer or audience") {
    auto s = settings_like_server();
    s.issuer = "someone-else";
    auto foreign = AccessTokens(s).issue(who.user_id, who.session_id, now);
    REQUIRE(foreign.ok());
    CHECK(me_status(port, foreign->token) == 401);
    s = settings_like_server();
    s.audience = "another-api";
    auto elsewhere = AccessTokens(s).issue(who.user_id, who.session_id, now);
    REQUIRE(elsewhere.ok());
    CHECK(me_status(port, elsewhere->token) == 401);
  }
  SECTION("a tampered payload: another user's id under the original signature") {
    const Account victim = register_account(port, "victim@example.com");
    const std::string header = user.access_token.substr(0, user.access_token.find('.'));
    const std::string signature =
        user.access_token.substr(user.access_token.rfind('.') + 1);
    const std::string payload = payload_of(victim.access_token);
    CHECK(me_status(port, header + "." + payload + "." + signature) == 401);
    // One flipped character in the payload is enough.
    std::string flipped = user.access_token;
    const auto at = flipped.find('.') + 5;
    flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
    CHECK(me_status(port, flipped) == 401);
  }
  SECTION("alg none, with and without a signature") {
    const std::string claims = R"({"sub":")" + who.user_id + R"(","sid":")" + who.session_id +
                               R"(","jti":"00000000-0000-4000-8000-000000000001","iat":)" +
                               std::to_string(now) + R"(,"exp":)" + std::to_string(now + 600) +
                               R"(,"iss":"moodgate","aud":"moodgate-api"})";
    const std::string unsigned_token =
        base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(claims) + ".";
    CHECK(me_status(port, unsigned_token) == 401);
    CHECK(me_status(port, unsigned_token + "c2lnbmF0dXJl") == 401);
    const std::string lower_none =
        base64url(R"({"alg":"None","typ":"JWT"})") + "." + base64url(claims) + ".";
    CHECK(me_status(port, lower_none) == 401);
  }
  SECTION("a valid signature for a session that does not exist") {
    auto orphan = ours.issue(who.user_id, "00000000-0000-4000-8000-00000000dead", now);
    REQUIRE(orphan.ok());
    CHECK(me_status(port, orphan->token) == 401);
  }
  SECTION("garbage") {
    for (const std::string& junk : std::vector<std::string>{"x", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9..",
                                   std::string(5000, 'a')}) {
      INFO(junk.substr(0, 40));
      CHECK(me_status(port, junk) == 401);
    }
  }
}

TEST_CASE("with a revocation cache, another instance sees a logout within the cache's lifetime",
          "[api][auth]") {
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.auth.revocation_cache_ms = 300;
  TestServer a(config);
  TestServer b(config);
  const Account user = register_account(a.port(), "cache@example.com");
  REQUIRE(me_status(b.port(), user.access_token) == 200);  // B caches "allowed"
  REQUIRE(api_call(a.port(), "POST", "/api/v1/auth/logout", "", user.access_token).status == 204);
  // A forgot its cache when it revoked; B may still say yes, but only for up to 300 ms.
  CHECK(me_status(a.port(), user.access_token) == 401);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(me_status(b.port(), user.access_token) == 401);
}
