// IdempotencyRepository on both backends: the first claim of a (user, key) wins; the same
// request then waits (busy) or replays the recorded answer, another request is a mismatch;
// expired keys, stale claims and released claims are free again; and a stale claim taken over
// by one request is not taken over a second time by a request that waited for its row lock.
#include "core/store/idempotency_repository.h"

#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <tuple>

#include "core/store/database.h"
#include "tests/support/test_databases.h"

using moodgate::store::Database;
using moodgate::store::IdempotencyClaim;
using moodgate::store::IdempotencyRepository;
using moodgate::store::StoredResponse;
using moodgate::testing::create_test_user;
using moodgate::testing::open_migrated;
using moodgate::testing::test_backend_names;
using Outcome = moodgate::store::IdempotencyClaim::Outcome;

namespace {

constexpr const char* kLongAgo = "2030-01-01T00:00:00.000Z";
constexpr const char* kNow = "2030-01-01T12:00:00.000Z";
constexpr const char* kStaleBefore = "2030-01-01T11:56:00.000Z";  // four minutes ago
constexpr const char* kExpires = "2030-01-02T12:00:00.000Z";
constexpr const char* kLater = "2030-01-03T00:00:00.000Z";

IdempotencyClaim claim(Database& db, const std::string& user, const std::string& key,
                       const std::string& hash, const std::string& now = kNow,
                       const std::string& stale_before = kStaleBefore,
                       const std::string& expires = kExpires) {
  auto result = db.transaction("test.claim", [&](soci::session& sql) {
    return IdempotencyRepository(sql).claim(user, key, hash, now, expires, stale_before);
  });
  if (!result.ok()) FAIL("claim failed: " << result.error().message);
  return *result;
}

StoredResponse answer(int status, const std::string& body) {
  return {status, R"({"Location":"/api/v1/entries/1"})", body};
}

}  // namespace

TEST_CASE(
    "the first claim of a key wins, the same request then waits or replays, another conflicts",
    "[store][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");

  CHECK(claim(*db, "u1", "k", "hash-a").outcome == Outcome::kClaimed);
  CHECK(claim(*db, "u1", "k", "hash-a").outcome == Outcome::kBusy);
  CHECK(claim(*db, "u1", "k", "hash-b").outcome == Outcome::kMismatch);
  CHECK(claim(*db, "u2", "k", "hash-b").outcome == Outcome::kClaimed);  // keys are per user

  auto done = db->run("test.complete", [](soci::session& sql) {
    IdempotencyRepository keys(sql);
    const bool wrong_hash = keys.complete("u1", "k", "hash-b", answer(201, "{}"));
    const bool right = keys.complete("u1", "k", "hash-a", answer(201, R"({"id":"1"})"));
    const bool twice = keys.complete("u1", "k", "hash-a", answer(500, "x"));
    return std::make_tuple(wrong_hash, right, twice);
  });
  REQUIRE(done.ok());
  CHECK_FALSE(std::get<0>(*done));
  CHECK(std::get<1>(*done));
  CHECK_FALSE(std::get<2>(*done));

  const IdempotencyClaim replay = claim(*db, "u1", "k", "hash-a");
  CHECK(replay.outcome == Outcome::kReplay);
  CHECK(replay.response.status == 201);
  CHECK(replay.response.body == R"({"id":"1"})");
  CHECK(replay.response.headers_json == R"({"Location":"/api/v1/entries/1"})");
  CHECK(claim(*db, "u1", "k", "hash-b").outcome == Outcome::kMismatch);
}

TEST_CASE("expired keys, stale claims and released claims are free again", "[store][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");

  // A claim made long ago and never answered: stale now, free for the next request.
  CHECK(claim(*db, "u1", "stale", "hash-a", kLongAgo).outcome == Outcome::kClaimed);
  CHECK(claim(*db, "u1", "stale", "hash-b").outcome == Outcome::kClaimed);
  CHECK(claim(*db, "u1", "stale", "hash-b").outcome == Outcome::kBusy);

  // A completed key past its expiry runs afresh, whatever the request.
  CHECK(claim(*db, "u1", "old", "hash-a").outcome == Outcome::kClaimed);
  REQUIRE(db->run("test.complete", [](soci::session& sql) {
              return IdempotencyRepository(sql).complete("u1", "old", "hash-a", answer(201, "{}"));
            }).ok());
  CHECK(claim(*db, "u1", "old", "hash-b", kLater, kLater, "2030-01-04T00:00:00.000Z").outcome ==
        Outcome::kClaimed);

  // A released claim is gone; only the claim of that request is released.
  CHECK(claim(*db, "u1", "freed", "hash-a").outcome == Outcome::kClaimed);
  REQUIRE(db->run("test.release", [](soci::session& sql) {
              IdempotencyRepository(sql).release("u1", "freed", "hash-b");
            }).ok());
  CHECK(claim(*db, "u1", "freed", "hash-a").outcome == Outcome::kBusy);
  REQUIRE(db->run("test.release", [](soci::session& sql) {
              IdempotencyRepository(sql).release("u1", "freed", "hash-a");
            }).ok());
  CHECK(claim(*db, "u1", "freed", "hash-a").outcome == Outcome::kClaimed);

  const auto purged = db->run("test.purge", [](soci::session& sql) {
    return IdempotencyRepository(sql).purge_expired(kLater);
  });
  REQUIRE(purged.ok());
  CHECK(*purged == 2);  // "stale" and "freed" expire at kExpires; "old" was claimed at kLater
}

TEST_CASE("a stale claim taken over by one request is not taken over again by another",
          "[store][idempotency][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db, 4);
  create_test_user(*db, "u1");
  REQUIRE(claim(*db, "u1", "k", "hash-a", kLongAgo).outcome == Outcome::kClaimed);
  const bool postgres = backend == "postgresql";

  // Request A takes the stale claim over, as claim() does, but holds its transaction open
  // between locking the row and replacing it, while request B's claim() waits for that lock.
  std::atomic<bool> b_started{false};
  IdempotencyClaim b;
  std::thread request_b;
  int waiting = -1;
  const std::string replace =
      std::string(
          "INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at,"
          " expires_at) VALUES ('u1', 'k', 'hash-a', 'in_progress', '") +
      kNow + "', '" + kExpires + "')";
  const auto a = db->transaction("test.takeover", [&](soci::session& sql) {
    sql << std::string("SELECT status FROM idempotency_keys WHERE user_id = 'u1' AND key = 'k'") +
               (postgres ? " FOR UPDATE" : "");
    request_b = std::thread([&] {
      b_started = true;
      b = claim(*db, "u1", "k", "hash-a");
    });
    while (!b_started) std::this_thread::yield();
    if (postgres) {  // wait (bounded) until B is blocked on the row A locked
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      do {
        auto n = db->run("test.locks", [](soci::session& s) {
          int count = 0;
          s << "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
               " AND datname = current_database()",
              soci::into(count);
          return count;
        });
        waiting = n.ok() ? *n : -1;
      } while (waiting != 1 && std::chrono::steady_clock::now() < until);
    }
    sql << "DELETE FROM idempotency_keys WHERE user_id = 'u1' AND key = 'k'";
    sql << replace;
  });
  if (request_b.joinable()) request_b.join();
  REQUIRE(a.ok());
  if (postgres) CHECK(waiting == 1);
  // A holds the claim and is running: B must wait its turn, not run the request a second time.
  CHECK(b.outcome == Outcome::kBusy);
}
