#include "core/store/users_repository.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "core/common/time_format.h"
#include "core/store/database.h"
#include "core/store/migrations.h"
#include "core/store/sessions_repository.h"
#include "core/store/sql_dialect.h"
#include "tests/support/test_databases.h"

using moodgate::ErrorCode;
using moodgate::parse_rfc3339_ms;
using moodgate::store::Database;
using moodgate::store::SessionsRepository;
using moodgate::store::UserRow;
using moodgate::store::UsersRepository;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

namespace {

using moodgate::testing::open_migrated;

UserRow make_user(const std::string& id, const std::string& email) {
  UserRow user;
  user.id = id;
  user.email = email;
  user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  return user;
}

void insert_user(Database& db, const UserRow& user) {
  auto inserted =
      db.run("test.users.insert", [&](soci::session& sql) { UsersRepository(sql).insert(user); });
  REQUIRE(inserted.ok());
}

std::optional<UserRow> find_user(Database& db, const std::string& id) {
  auto found = db.run("test.users.find",
                      [&](soci::session& sql) { return UsersRepository(sql).find_by_id(id); });
  REQUIRE(found.ok());
  return *found;
}

int count_where(Database& db, const std::string& table, const std::string& column,
                const std::string& value) {
  auto n = db.run("test.count", [&](soci::session& sql) {
    int count = 0;
    sql << "SELECT count(*) FROM " + table + " WHERE " + column + " = :v", soci::use(value, "v"),
        soci::into(count);
    return count;
  });
  REQUIRE(n.ok());
  return *n;
}

}  // namespace

TEST_CASE("a user inserted can be found by id and by email with every field", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  auto alice = make_user("u-alice", "alice@example.com");
  alice.display_name = "Alice";
  insert_user(*db, alice);
  insert_user(*db, make_user("u-bob", "bob@example.com"));

  auto by_id = find_user(*db, "u-alice");
  REQUIRE(by_id);
  CHECK(by_id->id == "u-alice");
  CHECK(by_id->email == "alice@example.com");
  CHECK(by_id->password_hash == alice.password_hash);
  CHECK(by_id->display_name == std::optional<std::string>("Alice"));
  CHECK(parse_rfc3339_ms(by_id->created_at).has_value());

  auto by_email = db->run("test.users.find_by_email", [](soci::session& sql) {
    return UsersRepository(sql).find_by_email("bob@example.com");
  });
  REQUIRE(by_email.ok());
  REQUIRE(*by_email);
  CHECK((*by_email)->id == "u-bob");
  CHECK_FALSE((*by_email)->display_name.has_value());
  CHECK(parse_rfc3339_ms((*by_email)->created_at).has_value());
}

TEST_CASE("finding a user that does not exist gives nothing", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  CHECK_FALSE(find_user(*db, "u-nobody").has_value());
  auto by_email = db->run("test.users.find_by_email", [](soci::session& sql) {
    return UsersRepository(sql).find_by_email("nobody@example.com");
  });
  REQUIRE(by_email.ok());
  CHECK_FALSE(by_email->has_value());
}

TEST_CASE("inserting a user with a taken email is a conflict", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  insert_user(*db, make_user("u-1", "same@example.com"));
  auto second = db->run("test.users.insert", [](soci::session& sql) {
    UsersRepository(sql).insert(make_user("u-2", "same@example.com"));
  });
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kConflict);
  CHECK_FALSE(find_user(*db, "u-2").has_value());
}

TEST_CASE("a user's display name and password hash can be changed", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, make_user("u-1", "carol@example.com"));

  auto renamed = db->run("test.users.rename", [](soci::session& sql) {
    return UsersRepository(sql).update_display_name("u-1", std::string("Carol"));
  });
  REQUIRE(renamed.ok());
  CHECK(*renamed);
  CHECK(find_user(*db, "u-1")->display_name == std::optional<std::string>("Carol"));

  auto cleared = db->run("test.users.rename", [](soci::session& sql) {
    return UsersRepository(sql).update_display_name("u-1", std::nullopt);
  });
  REQUIRE(cleared.ok());
  CHECK(*cleared);
  CHECK_FALSE(find_user(*db, "u-1")->display_name.has_value());

  auto rehashed = db->run("test.users.rehash", [](soci::session& sql) {
    return UsersRepository(sql).update_password_hash("u-1", "$argon2id$new");
  });
  REQUIRE(rehashed.ok());
  CHECK(*rehashed);
  CHECK(find_user(*db, "u-1")->password_hash == "$argon2id$new");
}

TEST_CASE("updating a user sets updated_at", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, make_user("u-1", "dave@example.com"));

  // Rather than depend on clock resolution, backdate updated_at, then check it moved forward.
  auto backdate = db->run("test.users.backdate", [](soci::session& sql) {
    if (sql.get_backend_name() == "postgresql") {
      sql << "UPDATE users SET updated_at = TIMESTAMPTZ '2000-01-01T00:00:00Z'";
    } else {
      sql << "UPDATE users SET updated_at = '2000-01-01T00:00:00.000Z'";
    }
  });
  REQUIRE(backdate.ok());
  auto renamed = db->run("test.users.rename", [](soci::session& sql) {
    return UsersRepository(sql).update_display_name("u-1", std::string("Dave"));
  });
  REQUIRE(renamed.ok());
  auto updated_at = db->run("test.users.updated_at", [](soci::session& sql) {
    std::string text;
    sql << "SELECT " + moodgate::store::time_text(moodgate::store::backend_of(sql), "updated_at") +
               " FROM users WHERE id = 'u-1'",
        soci::into(text);
    return text;
  });
  REQUIRE(updated_at.ok());
  REQUIRE(parse_rfc3339_ms(*updated_at).has_value());
  CHECK(*updated_at > "2000-01-01T00:00:00.000Z");
}

TEST_CASE("updating or removing a user that does not exist returns false", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  auto changed = db->run("test.users.missing", [](soci::session& sql) {
    UsersRepository users(sql);
    return users.update_display_name("u-none", std::string("X")) ||
           users.update_password_hash("u-none", "h") || users.remove("u-none");
  });
  REQUIRE(changed.ok());
  CHECK_FALSE(*changed);
}

TEST_CASE("removing a user removes their sessions and refresh tokens", "[store]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert_user(*db, make_user("u-1", "erin@example.com"));

  auto setup = db->transaction("test.sessions.setup", [](soci::session& sql) {
    SessionsRepository sessions(sql);
    sessions.create_session("s-1", "u-1", "2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z");
    moodgate::store::RefreshTokenRow token;
    token.id = "rt-1";
    token.user_id = "u-1";
    token.session_id = "s-1";
    token.token_hash = "hash-1";
    token.expires_at = "2030-02-01T00:00:00.000Z";
    sessions.insert_refresh_token(token);
  });
  REQUIRE(setup.ok());
  REQUIRE(count_where(*db, "sessions", "user_id", "u-1") == 1);
  REQUIRE(count_where(*db, "refresh_tokens", "user_id", "u-1") == 1);

  auto removed = db->run("test.users.remove",
                         [](soci::session& sql) { return UsersRepository(sql).remove("u-1"); });
  REQUIRE(removed.ok());
  CHECK(*removed);
  CHECK_FALSE(find_user(*db, "u-1").has_value());
  CHECK(count_where(*db, "sessions", "user_id", "u-1") == 0);
  CHECK(count_where(*db, "refresh_tokens", "user_id", "u-1") == 0);
}
