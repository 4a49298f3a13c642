#include "core/store/database.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "core/store/migrations.h"
#include "tests/support/test_databases.h"

using moodgate::ErrorCode;
using moodgate::Status;
using moodgate::store::Backend;
using moodgate::store::Database;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

namespace {

using moodgate::testing::open_or_fail;

int count_rows(Database& db, const std::string& table) {
  auto n = db.run("test.count", [&](soci::session& s) {
    int count = 0;
    s << "SELECT count(*) FROM " + table, soci::into(count);
    return count;
  });
  REQUIRE(n.ok());
  return *n;
}

}  // namespace

TEST_CASE("a database opens and answers ping on every backend", "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(3));
  CHECK(db->backend() == (backend == "sqlite" ? Backend::kSqlite : Backend::kPostgres));
  CHECK(db->pool_size() == 3);
  CHECK(db->ping().ok());
}

TEST_CASE("opening creates the directory of the SQLite file", "[store][db]") {
  auto test_db = make_test_database("sqlite");
  auto config = test_db.config();
  const std::string base = config.url.substr(std::string("sqlite:///").size());
  const std::string dir = base.substr(0, base.rfind('/')) + "/nested/deeper";
  config.url = "sqlite:///" + dir + "/moodgate.db";
  auto db = open_or_fail(config);
  CHECK(std::filesystem::is_regular_file(dir + "/moodgate.db"));
}

TEST_CASE("a SQLite path with spaces, quotes and equals signs reaches SQLite intact",
          "[store][db]") {
  auto test_db = make_test_database("sqlite");
  auto config = test_db.config(2);
  const std::string base = config.url.substr(std::string("sqlite:///").size());
  const std::string dir = base.substr(0, base.rfind('/'));
  config.url = "sqlite:///" + dir + "/two%20%20spaces/it's%20a=b.db";
  auto db = open_or_fail(config);
  CHECK(db->ping().ok());
  CHECK(std::filesystem::is_regular_file(dir + "/two  spaces/it's a=b.db"));
}

TEST_CASE("SQLite sessions run in WAL mode with foreign keys and a busy timeout", "[store][db]") {
  auto test_db = make_test_database("sqlite");
  auto db = open_or_fail(test_db.config(2));
  // Check both pooled sessions, not just the first.
  auto first = db->acquire();
  auto second = db->acquire();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  for (auto* lease : {&*first, &*second}) {
    std::string journal;
    int foreign_keys = 0;
    int busy = 0;
    int synchronous = 0;
    lease->session() << "PRAGMA journal_mode", soci::into(journal);
    lease->session() << "PRAGMA foreign_keys", soci::into(foreign_keys);
    lease->session() << "PRAGMA busy_timeout", soci::into(busy);
    lease->session() << "PRAGMA synchronous", soci::into(synchronous);
    CHECK(journal == "wal");
    CHECK(foreign_keys == 1);
    CHECK(busy == 5000);
    CHECK(synchronous == 1);  // NORMAL
  }
}

TEST_CASE("PostgreSQL sessions run in UTC", "[store][db]") {
  auto test_db = make_test_database("postgresql");
  auto db = open_or_fail(test_db.config(1));
  auto tz = db->run("test.tz", [](soci::session& s) {
    std::string zone;
    s << "SHOW TimeZone", soci::into(zone);
    return zone;
  });
  REQUIRE(tz.ok());
  CHECK(*tz == "UTC");
}

TEST_CASE("an exhausted pool answers Unavailable after the timeout instead of blocking",
          "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto config = test_db.config(2);
  config.acquire_timeout_ms = 300;
  auto db = open_or_fail(config);
  auto a = db->acquire();
  auto b = db->acquire();
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  const auto started = std::chrono::steady_clock::now();
  auto c = db->acquire();
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ErrorCode::kUnavailable);
  CHECK(waited >= std::chrono::milliseconds(250));
  CHECK(waited < std::chrono::seconds(3));
  CHECK(db->ping(std::chrono::milliseconds(10)).error().code == ErrorCode::kUnavailable);
  CHECK(db->run("test.noop", [](soci::session&) {}).error().code == ErrorCode::kUnavailable);

  { auto released = std::move(a).value(); }  // giving one back frees a session at once
  CHECK(db->acquire(std::chrono::milliseconds(0)).ok());
}

TEST_CASE("database errors become Errors without SQL text", "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(1));

  Status bad = db->run("test.bad_sql", [](soci::session& s) { s << "SELEC oops FROM nowhere"; });
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kInternal);
  CHECK_THAT(bad.error().message, !Catch::Contains("SELEC") && !Catch::Contains("nowhere"));

  auto thrown = db->run(
      "test.throws", [](soci::session&) -> int { throw std::runtime_error("secret internals"); });
  REQUIRE_FALSE(thrown.ok());
  CHECK(thrown.error().code == ErrorCode::kInternal);
  CHECK_THAT(thrown.error().message, !Catch::Contains("secret"));

  CHECK(db->ping().ok());  // the session is still usable afterwards
}

TEST_CASE("a unique-key violation becomes Conflict", "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(1));
  REQUIRE(db->run("test.create", [](soci::session& s) {
              s << "CREATE TABLE t (k TEXT PRIMARY KEY)";
              s << "INSERT INTO t (k) VALUES ('a')";
            }).ok());
  Status dup = db->run("test.dup", [](soci::session& s) { s << "INSERT INTO t (k) VALUES ('a')"; });
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == ErrorCode::kConflict);
}

TEST_CASE("a transaction commits on success and rolls back on an Error or exception",
          "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(2));
  REQUIRE(db->run("test.create", [](soci::session& s) { s << "CREATE TABLE t (n INTEGER)"; }).ok());

  auto committed = db->transaction("test.commit", [](soci::session& s) {
    s << "INSERT INTO t (n) VALUES (1)";
    return 42;
  });
  REQUIRE(committed.ok());
  CHECK(*committed == 42);

  Status refused = db->transaction("test.refuse", [](soci::session& s) -> Status {
    s << "INSERT INTO t (n) VALUES (2)";
    return moodgate::Error::not_found("no such thing");
  });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kNotFound);

  Status thrown = db->transaction("test.throw", [](soci::session& s) {
    s << "INSERT INTO t (n) VALUES (3)";
    s << "INSERT INTO no_such_table (n) VALUES (3)";
  });
  REQUIRE_FALSE(thrown.ok());

  CHECK(count_rows(*db, "t") == 1);
  // The session went back clean: a new transaction works on it.
  CHECK(db->transaction("test.again", [](soci::session& s) {
            s << "INSERT INTO t (n) VALUES (4)";
          }).ok());
  CHECK(count_rows(*db, "t") == 2);
}

TEST_CASE("deleting a user cascades to their entries and what hangs off them", "[store][db]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(2));
  REQUIRE(moodgate::store::migrate(*db, moodgate::store::default_schema_dir()).ok());

  REQUIRE(db->transaction("test.seed", [](soci::session& s) {
              s << "INSERT INTO users (id, email, password_hash) VALUES ('u1', 'a@b.io', 'h')";
              s << "INSERT INTO users (id, email, password_hash) VALUES ('u2', 'c@d.io', 'h')";
              s << "INSERT INTO entries (id, user_id, situation) VALUES ('e1', 'u1', 'exam')";
              s << "INSERT INTO entries (id, user_id, situation) VALUES ('e2', 'u2', 'trip')";
              s << "INSERT INTO entry_emotions (entry_id, position, name, intensity)"
                   " VALUES ('e1', 0, 'anxious', 0.8)";
              s << "INSERT INTO scenarios (id, entry_id, position, title, description)"
                   " VALUES ('s1', 'e1', 0, 't', 'd')";
              s << "INSERT INTO visualizations (id, entry_id, user_id, style)"
                   " VALUES ('v1', 'e1', 'u1', 'abstract')";
              s << "INSERT INTO ai_usage (user_id, capability, provider, model, outcome)"
                   " VALUES ('u1', 'analysis', 'mock', 'm', 'ok')";
            }).ok());

  REQUIRE(db->run("test.delete", [](soci::session& s) {
              s << "DELETE FROM users WHERE id = 'u1'";
            }).ok());
  CHECK(count_rows(*db, "entries WHERE user_id = 'u1'") == 0);
  CHECK(count_rows(*db, "entries") == 1);
  CHECK(count_rows(*db, "entry_emotions") == 0);
  CHECK(count_rows(*db, "scenarios") == 0);
  CHECK(count_rows(*db, "visualizations") == 0);
  CHECK(count_rows(*db, "ai_usage WHERE user_id IS NULL") == 1);  // kept, anonymised

  // And a row pointing at a missing user is refused (foreign keys are really on).
  Status orphan = db->run("test.orphan", [](soci::session& s) {
    s << "INSERT INTO entries (id, user_id, situation) VALUES ('e3', 'nobody', 'x')";
  });
  CHECK_FALSE(orphan.ok());
}

TEST_CASE("open refuses a bad URL or pool size with a clear Error", "[store][db]") {
  moodgate::config::DatabaseConfig config;
  config.url = "postgresql://u:pw@h:0/d";
  auto bad_url = Database::open(config);
  REQUIRE_FALSE(bad_url.ok());
  CHECK(bad_url.error().code == ErrorCode::kInvalidInput);

  config.url = "sqlite:////tmp/never-created/x.db";
  config.pool_size = 0;
  auto bad_pool = Database::open(config);
  REQUIRE_FALSE(bad_pool.ok());
  CHECK_THAT(bad_pool.error().message, Catch::Contains("pool_size"));
}

TEST_CASE("open answers Unavailable when PostgreSQL cannot be reached", "[store][db]") {
  moodgate::config::DatabaseConfig config;
  config.url = "postgresql://u:Zq9Pw@127.0.0.1:1/d";  // nothing listens on port 1
  config.connect_timeout_s = 2;
  auto db = Database::open(config);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(db.error().message, !Catch::Contains("Zq9Pw"));
}
