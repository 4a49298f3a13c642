// Test databases: a fresh, empty, isolated database per test on each storage backend, so every
// storage test runs against both SQLite and PostgreSQL.
//
//   auto backend = GENERATE(from_range(moodgate::testing::test_backend_names()));
//   auto db = moodgate::testing::make_test_database(backend);
//   auto opened = moodgate::store::Database::open(db.config());
//
// SQLite databases are files in a private temporary directory. PostgreSQL databases are created
// (CREATE DATABASE t_<random>) on the throwaway server whose admin URL is in
// MOODGATE_TEST_POSTGRES_URL — scripts/test.sh starts that server and sets it; without it the
// test fails loudly rather than quietly skipping PostgreSQL. A TestDatabase drops its database
// (or deletes its directory) when destroyed; destroy every Database using it first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/store/database.h"
#include "tests/support/temp_dir.h"

namespace moodgate::testing {

class TestDatabase {
 public:
  TestDatabase(TestDatabase&& other) noexcept;
  TestDatabase& operator=(TestDatabase&& other) noexcept;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  const std::string& name() const { return name_; }  // "sqlite" or "postgresql"
  const std::string& url() const { return url_; }
  // A database config for this database with a small pool and short timeouts.
  config::DatabaseConfig config(int pool_size = 4) const;

 private:
  friend TestDatabase make_test_database(const std::string& backend);
  friend TestDatabase make_postgres_database(const std::string& admin_url);
  TestDatabase() = default;
  void destroy() noexcept;

  std::string name_;
  std::string url_;
  std::unique_ptr<TempDir> sqlite_dir_;  // SQLite: the temporary directory holding the file
  std::string admin_url_;                // PostgreSQL: where to DROP DATABASE from
  std::string database_;                 // PostgreSQL: the database's name
};

// {"sqlite", "postgresql"}.
std::vector<std::string> test_backend_names();
// A fresh database on `backend` ("sqlite" or "postgresql").
TestDatabase make_test_database(const std::string& backend);
// A fresh database for each backend, in test_backend_names() order.
std::vector<TestDatabase> test_backends();
// A fresh database on the PostgreSQL server behind `admin_url` (e.g. a PostgresInstance).
TestDatabase make_postgres_database(const std::string& admin_url);
// Opens a database (FAILs the test when it cannot).
std::unique_ptr<store::Database> open_or_fail(const config::DatabaseConfig& config);
// Opens `test_db` with a pool of `pool_size` and applies the shipped migrations (FAILs the
// test when either fails).
std::unique_ptr<store::Database> open_migrated(const TestDatabase& test_db, int pool_size = 4);
// Inserts a bare user `id` (email <id>@example.com), for rows that reference users (FAILs on
// error).
void create_test_user(store::Database& db, const std::string& id);

// Sets `column` of `table` to `value` in the rows matching `where`, past the column's own CHECK
// constraint: what a row written by another version, or by hand, may hold. SQLite ignores CHECKs
// for the statement; PostgreSQL has the column's constraint (<table>_<column>_check) dropped
// first. For tests of how a repository reads a value it does not know. Names are the test's own
// literals. FAILs the test on error.
void write_unchecked(store::Database& db, const std::string& table, const std::string& column,
                     const std::string& value, const std::string& where);

// `url` with its database name replaced (keeps user, password, host, port and query).
std::string with_database_name(const std::string& url, const std::string& database);

}  // namespace moodgate::testing
