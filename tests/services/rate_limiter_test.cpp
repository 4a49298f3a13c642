// The rate limiter's arithmetic on real databases: aligned fixed windows, remaining counts,
// seconds to reset, disabled rules, and per-/64 buckets for IPv6 clients.
#include <catch2/catch.hpp>

#include "core/services/rate_limiter.h"
#include "tests/support/test_databases.h"

using namespace moodgate;
using namespace moodgate::services;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

TEST_CASE("a fixed window counts hits, says what remains and when it resets",
          "[services][ratelimit]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = moodgate::testing::open_migrated(test_db);
  RateLimiter limiter(*db);
  const config::RateLimitRule rule{3, 60};
  const std::int64_t t0 = 1'800'000'000 - 1'800'000'000 % 60;  // a window start

  auto d1 = limiter.hit("b", rule, t0 + 10);
  REQUIRE(d1.ok());
  CHECK(d1->allowed);
  CHECK(d1->remaining == 2);
  CHECK(d1->reset_after_s == 50);
  CHECK(limiter.peek("b", rule, t0 + 20)->remaining == 1);  // peeking counts nothing
  CHECK(limiter.hit("b", rule, t0 + 20)->remaining == 1);
  CHECK(limiter.hit("b", rule, t0 + 30)->remaining == 0);
  auto over = limiter.hit("b", rule, t0 + 59);
  CHECK_FALSE(over->allowed);
  CHECK(over->reset_after_s == 1);
  CHECK_FALSE(limiter.peek("b", rule, t0 + 59)->allowed);
  // The next window starts from zero; other buckets never shared the count.
  CHECK(limiter.hit("b", rule, t0 + 60)->remaining == 2);
  CHECK(limiter.hit("other", rule, t0 + 30)->remaining == 2);

  const Error e = rate_limited_error(*over, "tries");
  CHECK(e.code == ErrorCode::kRateLimited);
  CHECK(e.message == "Too many tries; try again in 1 s");
}

TEST_CASE("a disabled rule allows everything and touches no counter", "[services][ratelimit]") {
  auto test_db = make_test_database("sqlite");
  // No migration: a rule that is off must not even reach the table.
  auto db = moodgate::testing::open_or_fail(test_db.config());
  RateLimiter limiter(*db);
  for (int i = 0; i < 5; ++i) {
    auto d = limiter.hit("b", config::RateLimitRule{0, 0}, 1000);
    REQUIRE(d.ok());
    CHECK(d->allowed);
  }
}

TEST_CASE("client buckets group IPv6 addresses by /64 and keep IPv4 as is",
          "[services][ratelimit]") {
  CHECK(client_bucket("login:ip", "203.0.113.7") == "login:ip:203.0.113.7");
  CHECK(client_bucket("login:ip", "2001:db8:1:2:aaaa:bbbb:cccc:dddd") ==
        "login:ip:2001:db8:1:2::/64");
  CHECK(client_bucket("login:ip", "2001:db8:1:2::1") ==
        client_bucket("login:ip", "2001:db8:1:2:ffff::"));
  CHECK(client_bucket("login:ip", "2001:db8:1:3::1") !=
        client_bucket("login:ip", "2001:db8:1:2::1"));
}
