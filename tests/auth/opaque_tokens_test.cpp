// Specification: refresh tokens are unguessable base64url strings; the database keeps only
// their SHA-256 digests, compared in constant time.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "core/auth/opaque_tokens.h"

namespace moodgate::auth {
namespace {

bool is_base64url(const std::string& s) {
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("A random token of 32 bytes is 43 base64url characters without padding", "[auth]") {
  const std::string token = random_token();
  CHECK(token.size() == 43);
  CHECK(is_base64url(token));
  CHECK(token.find('=') == std::string::npos);
}

TEST_CASE("A random token's length follows the number of bytes asked for", "[auth]") {
  CHECK(random_token(48).size() == 64);
  CHECK(random_token(16).size() == 22);
  CHECK(random_token(1).size() == 2);
  CHECK(random_token(0).empty());
  CHECK(is_base64url(random_token(48)));
}

TEST_CASE("Random tokens do not repeat", "[auth]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_token());
  CHECK(seen.size() == 1000);
}

TEST_CASE("A token digest is 64 lower-case hex characters and stable", "[auth]") {
  const std::string token = random_token();
  const std::string digest = token_digest(token);
  CHECK(digest.size() == 64);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(token_digest(token) == digest);
  CHECK(token_digest(random_token()) != digest);
}

TEST_CASE("A token digest is the SHA-256 of the token", "[auth]") {
  CHECK(token_digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Constant-time equality compares content and length", "[auth]") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("", "a"));
  const std::string digest = token_digest("t");
  CHECK(constant_time_equal(digest, token_digest("t")));
  CHECK_FALSE(constant_time_equal(digest, token_digest("u")));
}

}  // namespace moodgate::auth
