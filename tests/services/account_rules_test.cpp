// API.md's account field rules as pure functions: what is accepted, how it is normalised,
// and which field a refusal names.
#include <catch2/catch.hpp>

#include <vector>

#include "core/services/account_rules.h"

using namespace moodgate;
using namespace moodgate::services;

TEST_CASE("emails are trimmed, lower-cased and must look like an email", "[services][auth]") {
  CHECK(normalize_email("  Ada@Example.COM\t").value() == "ada@example.com");
  CHECK(normalize_email("a.b+tag@sub.example.co.uk").value() == "a.b+tag@sub.example.co.uk");
  CHECK(normalize_email(std::string(64, 'a') + "@" + std::string(63, 'b') + ".com").ok());
  for (const std::string& bad : std::vector<std::string>{
           "", "   ", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a@b@c.com", "a b@c.com",
           "a@-b.com", "a@b-.com", "a@.b.com", "a@b.com.", "a@b..com", "a\x01@b.com",
           std::string(65, 'a') + "@b.com", "a@" + std::string(64, 'b') + ".com",
           std::string(250, 'a') + "@b.com", "\xff@b.com"}) {
    INFO(bad);
    auto r = normalize_email(bad, "user.email");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    REQUIRE(r.error().details.size() == 1);
    CHECK(std::get<std::string>(r.error().details[0].second) == "user.email");
  }
}

TEST_CASE("passwords are 8 to 128 characters with a letter and a digit, kept as typed",
          "[services][auth]") {
  CHECK(check_password("abcdefg1").value() == "abcdefg1");
  CHECK(check_password("  spaced out 1  ").value() == "  spaced out 1  ");
  CHECK(check_password("\xc3\xa9t\xc3\xa9"
                       "2026!")
            .ok());  // "été2026!": é counts as a letter
  CHECK(check_password("1" + std::string(127, 'x')).ok());
  // 8 characters in 16 bytes is long enough; 129 characters is too long whatever the bytes.
  CHECK(check_password("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb1"
                       "7")
            .ok());
  for (const std::string& bad :
       std::vector<std::string>{"", "abcdef1", "abcdefgh", "12345678", "1" + std::string(128, 'x'),
                                std::string("abcdefg1\xc3"),
                                std::string("abc\xed\xa0\x80"
                                            "defg1")}) {
    INFO(bad);
    auto r = check_password(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(std::get<std::string>(r.error().details[0].second) == "password");
  }
}

TEST_CASE("display names are trimmed, may be cleared, and are bounded", "[services][auth]") {
  CHECK(normalize_display_name("  Ada  ").value() == std::optional<std::string>("Ada"));
  CHECK(normalize_display_name("   ").value() == std::nullopt);
  CHECK(normalize_display_name(std::string(100, 'n')).ok());
  CHECK_FALSE(normalize_display_name(std::string(101, 'n')).ok());
  CHECK_FALSE(normalize_display_name("a\nb").ok());
  CHECK_FALSE(normalize_display_name("\xc0\xaf").ok());  // an overlong encoding
}
