#include "core/store/sessions_repository.h"

#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "core/store/migrations.h"
#include "tests/support/test_databases.h"

using moodgate::store::AccessState;
using moodgate::store::Database;
using moodgate::store::RefreshTokenRow;
using moodgate::store::SessionRow;
using moodgate::store::SessionsRepository;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

namespace {

using moodgate::testing::open_migrated;

constexpr const char* kT0 = "2030-01-01T00:00:00.000Z";
constexpr const char* kT1 = "2030-01-01T00:05:00.123Z";
constexpr const char* kT2 = "2030-01-01T00:10:00.000Z";
constexpr const char* kLater = "2030-02-01T00:00:00.000Z";

void insert_user(Database& db, const std::string& id) {
  auto ok = db.run("test.users.insert", [&](soci::session& sql) {
    const std::string email = id + "@example.com";
    sql << "INSERT INTO users (id, email, password_hash) VALUES (:id, :email, 'h')",
        soci::use(id, "id"), soci::use(email, "email");
  });
  REQUIRE(ok.ok());
}

RefreshTokenRow make_token(const std::string& id, const std::string& user_id,
                           const std::string& session_id, const std::string& expires_at = kLater) {
  RefreshTokenRow token;
  token.id = id;
  token.user_id = user_id;
  token.session_id = session_id;
  token.token_hash = "hash-" + id;
  token.expires_at = expires_at;
  return token;
}

// Runs fn(SessionsRepository&) in a transaction and returns its value; fails the test on error.
template <typename F>
auto with_sessions(Database& db, F&& fn) {
  auto result = db.transaction("test.sessions", [&](soci::session& sql) {
    SessionsRepository sessions(sql);
    return fn(sessions);
  });
  if (!result.ok()) FAIL("database error: " << result.error().message);
  if constexpr (!std::is_same_v<decltype(result), moodgate::Status>) return std::move(*result);
}

std::optional<RefreshTokenRow> find_token(Database& db, const std::string& hash) {
  return with_sessions(
      db, [&](SessionsRepository& s) { return s.find_refresh_token_for_update(hash); });
}

std::optional<SessionRow> find_session(Database& db, const std::string& id) {
  return with_sessions(db, [&](SessionsRepository& s) { return s.find_session(id); });
}

int count_rows(Database& db, const std::string& table) {
  auto n = db.run("test.count", [&](soci::session& sql) {
    int count = 0;
    sql << "SELECT count(*) FROM " + table, soci::into(count);
    return count;
  });
  REQUIRE(n.ok());
  return *n;
}

}  // namespace

TEST_CASE("a session is created live, found with its times, and touched forward", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");

  with_sessions(*db, [](SessionsRepository& s) { s.create_session("s-1", "u-1", kT0, kLater); });
  auto found = find_session(*db, "s-1");
  REQUIRE(found);
  CHECK(found->id == "s-1");
  CHECK(found->user_id == "u-1");
  CHECK(found->created_at == kT0);
  CHECK(found->last_used_at == kT0);
  CHECK(found->expires_at == kLater);
  CHECK_FALSE(found->revoked_at.has_value());
  CHECK_FALSE(found->revoked_reason.has_value());

  with_sessions(
      *db, [](SessionsRepository& s) { s.touch_session("s-1", kT1, "2030-03-01T00:00:00.000Z"); });
  auto touched = find_session(*db, "s-1");
  REQUIRE(touched);
  CHECK(touched->created_at == kT0);
  CHECK(touched->last_used_at == kT1);
  CHECK(touched->expires_at == "2030-03-01T00:00:00.000Z");

  CHECK_FALSE(find_session(*db, "s-x"));
}

TEST_CASE("a refresh token round-trips with its optional fields null and set", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");

  auto spent = make_token("rt-2", "u-1", "s-1");
  spent.used_at = kT1;
  spent.replaced_by = "rt-3";
  spent.revoked_at = kT2;
  with_sessions(*db, [&](SessionsRepository& s) {
    s.create_session("s-1", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-1", "u-1", "s-1"));
    s.insert_refresh_token(spent);
  });

  auto fresh = find_token(*db, "hash-rt-1");
  REQUIRE(fresh);
  CHECK(fresh->id == "rt-1");
  CHECK(fresh->user_id == "u-1");
  CHECK(fresh->session_id == "s-1");
  CHECK(fresh->token_hash == "hash-rt-1");
  CHECK(fresh->expires_at == kLater);
  CHECK_FALSE(fresh->used_at.has_value());
  CHECK_FALSE(fresh->replaced_by.has_value());
  CHECK_FALSE(fresh->revoked_at.has_value());

  auto old = find_token(*db, "hash-rt-2");
  REQUIRE(old);
  CHECK(old->used_at == std::optional<std::string>(kT1));
  CHECK(old->replaced_by == std::optional<std::string>("rt-3"));
  CHECK(old->revoked_at == std::optional<std::string>(kT2));

  CHECK_FALSE(find_token(*db, "hash-unknown").has_value());
}

TEST_CASE("a refresh token can be spent only once", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");
  with_sessions(*db, [](SessionsRepository& s) {
    s.create_session("s-1", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-1", "u-1", "s-1"));
  });

  CHECK(with_sessions(
      *db, [](SessionsRepository& s) { return s.spend_refresh_token("rt-1", "rt-2", kT1); }));
  CHECK_FALSE(with_sessions(
      *db, [](SessionsRepository& s) { return s.spend_refresh_token("rt-1", "rt-9", kT2); }));
  auto token = find_token(*db, "hash-rt-1");
  REQUIRE(token);
  CHECK(token->used_at == std::optional<std::string>(kT1));
  CHECK(token->replaced_by == std::optional<std::string>("rt-2"));
}

TEST_CASE("concurrent rotations of one refresh token spend it exactly once", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db, 4);
  insert_user(*db, "u-1");
  with_sessions(*db, [](SessionsRepository& s) {
    s.create_session("s-1", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-1", "u-1", "s-1"));
  });

  std::atomic<int> spent{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto won = db->transaction("test.rotate", [&](soci::session& sql) {
        SessionsRepository sessions(sql);
        auto token = sessions.find_refresh_token_for_update("hash-rt-1");
        if (!token || token->used_at) return false;
        return sessions.spend_refresh_token(token->id, "rt-next-" + std::to_string(i), kT1);
      });
      if (!won.ok())
        ++failed;
      else if (*won)
        ++spent;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(spent == 1);
}

TEST_CASE("revoking a session revokes its refresh tokens and only counts the first time",
          "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");
  with_sessions(*db, [](SessionsRepository& s) {
    s.create_session("s-1", "u-1", kT0, kLater);
    s.create_session("s-2", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-1", "u-1", "s-1"));
    s.insert_refresh_token(make_token("rt-2", "u-1", "s-1"));
    s.insert_refresh_token(make_token("rt-3", "u-1", "s-2"));
  });

  CHECK(with_sessions(
      *db, [](SessionsRepository& s) { return s.revoke_session("s-1", "logout", kT1); }));
  CHECK_FALSE(with_sessions(
      *db, [](SessionsRepository& s) { return s.revoke_session("s-1", "refresh_reuse", kT2); }));
  CHECK_FALSE(with_sessions(
      *db, [](SessionsRepository& s) { return s.revoke_session("s-none", "logout", kT2); }));

  auto session = find_session(*db, "s-1");
  REQUIRE(session);
  CHECK(session->revoked_at == std::optional<std::string>(kT1));
  CHECK(session->revoked_reason == std::optional<std::string>("logout"));
  CHECK(find_token(*db, "hash-rt-1")->revoked_at == std::optional<std::string>(kT1));
  CHECK(find_token(*db, "hash-rt-2")->revoked_at == std::optional<std::string>(kT1));
  CHECK_FALSE(find_token(*db, "hash-rt-3")->revoked_at.has_value());
  CHECK_FALSE(find_session(*db, "s-2")->revoked_at.has_value());
}

TEST_CASE("revoking a user's other sessions keeps the given one and counts the rest", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");
  insert_user(*db, "u-2");
  with_sessions(*db, [](SessionsRepository& s) {
    for (const char* id : {"s-keep", "s-a", "s-b", "s-old"}) {
      s.create_session(id, "u-1", kT0, kLater);
      s.insert_refresh_token(make_token(std::string("rt-") + id, "u-1", id));
    }
    s.create_session("s-other", "u-2", kT0, kLater);
    s.insert_refresh_token(make_token("rt-s-other", "u-2", "s-other"));
    s.revoke_session("s-old", "logout", kT0);
  });

  CHECK(with_sessions(*db, [](SessionsRepository& s) {
          return s.revoke_other_sessions("u-1", "s-keep", "password_changed", kT1);
        }) == 2);

  auto reason_of = [&](const std::string& id) { return find_session(*db, id)->revoked_reason; };
  CHECK_FALSE(reason_of("s-keep").has_value());
  CHECK(reason_of("s-a") == std::optional<std::string>("password_changed"));
  CHECK(reason_of("s-b") == std::optional<std::string>("password_changed"));
  CHECK(reason_of("s-old") == std::optional<std::string>("logout"));
  CHECK_FALSE(reason_of("s-other").has_value());
  CHECK_FALSE(find_token(*db, "hash-rt-s-keep")->revoked_at.has_value());
  CHECK(find_token(*db, "hash-rt-s-a")->revoked_at == std::optional<std::string>(kT1));
  CHECK(find_token(*db, "hash-rt-s-b")->revoked_at == std::optional<std::string>(kT1));
  CHECK_FALSE(find_token(*db, "hash-rt-s-other")->revoked_at.has_value());
}

TEST_CASE("access_state tells allowed, gone, revoked session and revoked token apart", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");
  insert_user(*db, "u-2");
  with_sessions(*db, [](SessionsRepository& s) {
    s.create_session("s-live", "u-1", kT0, kLater);
    s.create_session("s-dead", "u-1", kT0, kLater);
    s.revoke_session("s-dead", "logout", kT1);
    s.revoke_access_token("jti-out", "u-1", kLater);
    s.revoke_access_token("jti-out", "u-1", kLater);  // a second logout with it is harmless
  });
  auto state = [&](const char* user, const char* session, const char* jti) {
    return with_sessions(*db,
                         [&](SessionsRepository& s) { return s.access_state(user, session, jti); });
  };

  CHECK(state("u-1", "s-live", "jti-ok") == AccessState::kAllowed);
  CHECK(state("u-1", "s-none", "jti-ok") == AccessState::kSessionGone);
  CHECK(state("u-2", "s-live", "jti-ok") == AccessState::kSessionGone);
  CHECK(state("u-1", "s-dead", "jti-ok") == AccessState::kSessionRevoked);
  CHECK(state("u-1", "s-live", "jti-out") == AccessState::kTokenRevoked);
  CHECK(count_rows(*db, "revoked_access_tokens") == 1);
}

TEST_CASE("purge_expired deletes only what expired before now", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, "u-1");
  const std::string now = kT1;
  with_sessions(*db, [&](SessionsRepository& s) {
    s.create_session("s-expired", "u-1", kT0, kT0);
    s.insert_refresh_token(make_token("rt-of-expired", "u-1", "s-expired", kLater));
    s.create_session("s-live", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-live", "u-1", "s-live", kLater));
    s.insert_refresh_token(make_token("rt-old", "u-1", "s-live", kT0));
    s.create_session("s-at-now", "u-1", kT0, now);  // expires exactly now: kept
    s.revoke_access_token("jti-expired", "u-1", kT0);
    s.revoke_access_token("jti-live", "u-1", kLater);
  });

  CHECK(with_sessions(*db, [&](SessionsRepository& s) { return s.purge_expired(now); }) == 4);
  CHECK_FALSE(find_session(*db, "s-expired"));
  CHECK(find_session(*db, "s-live"));
  CHECK(find_session(*db, "s-at-now"));
  CHECK_FALSE(find_token(*db, "hash-rt-of-expired"));
  CHECK_FALSE(find_token(*db, "hash-rt-old"));
  CHECK(find_token(*db, "hash-rt-live"));
  CHECK(count_rows(*db, "revoked_access_tokens") == 1);
  CHECK(with_sessions(*db, [&](SessionsRepository& s) {
          return s.access_state("u-1", "s-live", "jti-live");
        }) == AccessState::kTokenRevoked);

  CHECK(with_sessions(*db, [&](SessionsRepository& s) { return s.purge_expired(now); }) == 0);
}

TEST_CASE("finding a refresh token for update locks its row on PostgreSQL", "[store]") {
  auto test_db = make_test_database("postgresql");
  auto db = open_migrated(test_db, 2);
  insert_user(*db, "u-1");
  with_sessions(*db, [](SessionsRepository& s) {
    s.create_session("s-1", "u-1", kT0, kLater);
    s.insert_refresh_token(make_token("rt-1", "u-1", "s-1"));
  });

  bool other_got_it = true;
  with_sessions(*db, [&](SessionsRepository& s) {
    REQUIRE(s.find_refresh_token_for_update("hash-rt-1"));
    // While this transaction holds the row, another one cannot lock it.
    std::thread other([&] {
      auto got = db->transaction("test.rotate", [](soci::session& sql) {
        sql << "SET LOCAL lock_timeout = '200ms'";
        return SessionsRepository(sql).find_refresh_token_for_update("hash-rt-1").has_value();
      });
      other_got_it = got.ok();
    });
    other.join();
  });
  CHECK_FALSE(other_got_it);
  CHECK(find_token(*db, "hash-rt-1"));
}
