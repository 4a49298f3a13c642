#include "tests/support/test_databases.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "core/store/database_url.h"
#include "core/store/migrations.h"
#include "core/store/users_repository.h"

namespace moodgate::testing {
namespace {

std::string random_hex(int digits) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += hex[rng() % 16];
  return out;
}

void admin_execute(const std::string& admin_url, const std::string& sql) {
  auto parsed = store::parse_database_url(admin_url);
  if (!parsed || parsed->backend != store::Backend::kPostgres) {
    throw std::runtime_error("not a usable PostgreSQL admin URL: " +
                             (parsed ? parsed->display : parsed.error().message));
  }
  soci::session admin(soci::postgresql, parsed->connect_string);
  admin << sql;
}

}  // namespace

TestDatabase::TestDatabase(TestDatabase&& other) noexcept {
  *this = std::move(other);
}

TestDatabase& TestDatabase::operator=(TestDatabase&& other) noexcept {
  if (this != &other) {
    destroy();
    name_ = std::move(other.name_);
    url_ = std::move(other.url_);
    sqlite_dir_ = std::move(other.sqlite_dir_);
    admin_url_ = std::exchange(other.admin_url_, {});
    database_ = std::exchange(other.database_, {});
  }
  return *this;
}

TestDatabase::~TestDatabase() {
  destroy();
}

void TestDatabase::destroy() noexcept {
  sqlite_dir_.reset();
  if (!database_.empty()) {
    try {
      admin_execute(admin_url_, "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The server may be gone already (a test that stops it); nothing left to clean then.
    }
    database_.clear();
  }
}

config::DatabaseConfig TestDatabase::config(int pool_size) const {
  config::DatabaseConfig config;
  config.url = url_;
  config.pool_size = pool_size;
  config.acquire_timeout_ms = 2000;
  config.busy_timeout_ms = 5000;
  config.connect_timeout_s = 3;
  return config;
}

std::vector<std::string> test_backend_names() {
  return {"sqlite", "postgresql"};
}

TestDatabase make_test_database(const std::string& backend) {
  TestDatabase db;
  db.name_ = backend;
  if (backend == "sqlite") {
    db.sqlite_dir_ = std::make_unique<TempDir>();
    // Absolute path, so the URL has four slashes: sqlite:////tmp/...
    db.url_ = "sqlite:///" + (db.sqlite_dir_->path() / "moodgate.db").string();
    return db;
  }
  if (backend == "postgresql") {
    const char* admin = std::getenv("MOODGATE_TEST_POSTGRES_URL");
    if (admin == nullptr || *admin == '\0') {
      FAIL(
          "MOODGATE_TEST_POSTGRES_URL is not set. Storage tests run on SQLite and PostgreSQL: run "
          "them through scripts/test.sh, which starts a throwaway PostgreSQL and sets it (e.g. "
          "postgresql://postgres@127.0.0.1:54321/postgres).");
    }
    return make_postgres_database(admin);
  }
  FAIL("unknown test backend '" << backend << "'");
  return db;
}

TestDatabase make_postgres_database(const std::string& admin_url) {
  TestDatabase db;
  db.name_ = "postgresql";
  const std::string database = "t_" + random_hex(16);
  try {
    admin_execute(admin_url, "CREATE DATABASE " + database);
  } catch (const std::exception& e) {
    auto parsed = store::parse_database_url(admin_url);
    FAIL("cannot create a test database on " << (parsed ? parsed->display : "a malformed URL")
                                             << ": " << e.what());
  }
  db.admin_url_ = admin_url;
  db.database_ = database;
  db.url_ = with_database_name(admin_url, database);
  return db;
}

std::vector<TestDatabase> test_backends() {
  std::vector<TestDatabase> out;
  for (const auto& name : test_backend_names()) out.push_back(make_test_database(name));
  return out;
}

std::string with_database_name(const std::string& url, const std::string& database) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("not a URL");
  const std::size_t query = url.find('?', scheme_end + 3);
  const std::size_t slash = url.find('/', scheme_end + 3);
  const std::size_t path_start = slash == std::string::npos || slash > query ? query : slash;
  std::string out = url.substr(0, path_start == std::string::npos ? url.size() : path_start);
  out += "/" + database;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

std::unique_ptr<store::Database> open_or_fail(const config::DatabaseConfig& config) {
  auto db = store::Database::open(config);
  if (!db) FAIL("Database::open failed: " << db.error().message);
  return std::move(db).value();
}

std::unique_ptr<store::Database> open_migrated(const TestDatabase& test_db, int pool_size) {
  auto db = open_or_fail(test_db.config(pool_size));
  auto migrated = store::migrate(*db, store::default_schema_dir());
  if (!migrated) FAIL("migrate failed: " << migrated.error().message);
  return db;
}

void create_test_user(store::Database& db, const std::string& id) {
  auto created = db.transaction("test.users.insert", [&](soci::session& sql) {
    store::UserRow user;
    user.id = id;
    user.email = id + "@example.com";
    user.password_hash = "h";
    store::UsersRepository(sql).insert(user);
  });
  if (!created.ok()) FAIL("creating user failed: " << created.error().message);
}

void write_unchecked(store::Database& db, const std::string& table, const std::string& column,
                     const std::string& value, const std::string& where) {
  const bool sqlite = db.backend() == store::Backend::kSqlite;
  auto written = db.run("test.write_unchecked", [&](soci::session& sql) {
    if (sqlite) {
      sql << "PRAGMA ignore_check_constraints = ON";
    } else {
      sql << "ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_" + column + "_check";
    }
    sql << "UPDATE " + table + " SET " + column + " = :value WHERE " + where,
        soci::use(value, "value");
    if (sqlite) sql << "PRAGMA ignore_check_constraints = OFF";
  });
  if (!written.ok()) FAIL("writing past the CHECK failed: " << written.error().message);
}

}  // namespace moodgate::testing
