#include "core/store/rate_limit_repository.h"

#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "core/store/migrations.h"
#include "core/store/sessions_repository.h"
#include "core/store/users_repository.h"
#include "tests/support/test_databases.h"

using moodgate::store::Database;
using moodgate::store::RateLimitRepository;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

namespace {

using moodgate::testing::open_migrated;

constexpr const char* kExpires = "2030-01-01T00:02:00.000Z";
constexpr std::int64_t kWindow = 1893456000;  // 2030-01-01T00:00:00Z

long long add(Database& db, const std::string& bucket, std::int64_t window, long long amount = 1,
              const std::string& expires_at = kExpires) {
  auto count = db.transaction("test.rate_limit.add", [&](soci::session& sql) {
    return RateLimitRepository(sql).add(bucket, window, amount, expires_at);
  });
  if (!count.ok()) FAIL("add failed: " << count.error().message);
  return *count;
}

long long peek(Database& db, const std::string& bucket, std::int64_t window) {
  auto count = db.run("test.rate_limit.count", [&](soci::session& sql) {
    return RateLimitRepository(sql).count(bucket, window);
  });
  if (!count.ok()) FAIL("count failed: " << count.error().message);
  return *count;
}

}  // namespace

TEST_CASE("adding to a rate limit counter returns the running count of its window", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  CHECK(add(*db, "login:ip:203.0.113.7", kWindow) == 1);
  CHECK(add(*db, "login:ip:203.0.113.7", kWindow) == 2);
  CHECK(add(*db, "login:ip:203.0.113.7", kWindow) == 3);
  CHECK(add(*db, "login:ip:203.0.113.7", kWindow, 5) == 8);

  CHECK(add(*db, "login:ip:198.51.100.1", kWindow) == 1);
  CHECK(add(*db, "login:ip:203.0.113.7", kWindow + 60) == 1);
  CHECK(peek(*db, "login:ip:203.0.113.7", kWindow) == 8);
  CHECK(peek(*db, "login:ip:203.0.113.7", kWindow + 60) == 1);
}

TEST_CASE("peeking at a rate limit counter does not change it", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  CHECK(peek(*db, "b", kWindow) == 0);
  CHECK(peek(*db, "b", kWindow) == 0);
  CHECK(add(*db, "b", kWindow) == 1);
  CHECK(peek(*db, "b", kWindow) == 1);
  CHECK(peek(*db, "b", kWindow) == 1);
  CHECK(add(*db, "b", kWindow) == 2);
}

TEST_CASE("concurrent adds to one rate limit counter never lose a count", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db, 8);

  constexpr int kThreads = 8;
  constexpr int kAddsPerThread = 25;
  std::atomic<int> failures{0};
  std::atomic<long long> highest{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAddsPerThread; ++i) {
        auto add_once = [&](soci::session& sql) {
          return RateLimitRepository(sql).add("api:user:u-1", kWindow, 1, kExpires);
        };
        // Half the threads use a transaction, half a bare statement: both must be atomic.
        auto count = t % 2 == 0 ? db->transaction("test.rate_limit.add", add_once)
                                : db->run("test.rate_limit.add", add_once);
        if (!count.ok()) {
          ++failures;
          continue;
        }
        long long seen = highest.load();
        while (*count > seen && !highest.compare_exchange_weak(seen, *count)) {
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(peek(*db, "api:user:u-1", kWindow) == kThreads * kAddsPerThread);
  CHECK(highest == kThreads * kAddsPerThread);
}

TEST_CASE("purging rate limit counters removes only the expired ones", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  add(*db, "old", kWindow, 3, "2030-01-01T00:01:00.000Z");
  add(*db, "old", kWindow + 60, 1, "2030-01-01T00:02:00.000Z");
  add(*db, "new", kWindow + 120, 2, "2030-01-01T00:03:00.000Z");

  auto purged = db->run("test.rate_limit.purge", [](soci::session& sql) {
    return RateLimitRepository(sql).purge_expired("2030-01-01T00:02:00.000Z");
  });
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(peek(*db, "old", kWindow) == 0);
  CHECK(peek(*db, "old", kWindow + 60) == 1);
  CHECK(peek(*db, "new", kWindow + 120) == 2);
}

TEST_CASE("repository statements leave no prepared statements behind on PostgreSQL", "[store]") {
  // Named server-side statements are lost on reconnect and break PgBouncer's transaction mode.
  auto test_db = make_test_database("postgresql");
  auto db = open_migrated(test_db, 1);
  auto prepared = db->run("test.prepared", [](soci::session& sql) {
    moodgate::store::UserRow user;
    user.id = "u-1";
    user.email = "u-1@example.com";
    user.password_hash = "h";
    moodgate::store::UsersRepository users(sql);
    users.insert(user);
    users.update_display_name("u-1", std::string("U"));
    moodgate::store::SessionsRepository sessions(sql);
    sessions.create_session("s-1", "u-1", "2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z");
    sessions.revoke_session("s-1", "logout", "2030-01-01T00:01:00.000Z");
    sessions.purge_expired("2030-01-01T00:02:00.000Z");
    sessions.access_state("u-1", "s-1", "jti");
    RateLimitRepository limits(sql);
    limits.add("b", kWindow, 1, kExpires);
    limits.purge_expired("2030-01-01T00:02:00.000Z");
    int count = -1;
    sql << "SELECT count(*) FROM pg_prepared_statements", soci::into(count);
    return count;
  });
  REQUIRE(prepared.ok());
  CHECK(*prepared == 0);
}
