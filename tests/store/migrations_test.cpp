#include "core/store/migrations.h"

#include <soci/soci.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/test_databases.h"

using moodgate::ErrorCode;
using moodgate::store::applied_migrations;
using moodgate::store::Backend;
using moodgate::store::Database;
using moodgate::store::default_schema_dir;
using moodgate::store::load_migrations;
using moodgate::store::migrate;
using moodgate::testing::make_test_database;
using moodgate::testing::test_backend_names;

namespace fs = std::filesystem;

namespace {

using moodgate::testing::open_or_fail;

const std::vector<std::string> kTables = {"users",
                                          "refresh_tokens",
                                          "revoked_access_tokens",
                                          "rate_limit_counters",
                                          "idempotency_keys",
                                          "entries",
                                          "entry_emotions",
                                          "scenarios",
                                          "visualizations",
                                          "visualization_images",
                                          "analysis_cache",
                                          "ai_usage"};

// (table, column) pairs of the public schema, for comparing the two dialects.
std::set<std::string> columns_of(Database& db) {
  const bool pg = db.backend() == Backend::kPostgres;
  auto result = db.run("test.columns", [pg](soci::session& s) {
    std::set<std::string> out;
    const std::string sql =
        pg ? "SELECT table_name || '.' || column_name FROM information_schema.columns"
             " WHERE table_schema = 'public'"
           : "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p"
             " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";
    std::vector<std::string> rows(1000);
    s << sql, soci::into(rows);
    out.insert(rows.begin(), rows.end());
    return out;
  });
  REQUIRE(result.ok());
  return *result;
}

// A private copy of the schema tree that a test may edit.
struct SchemaCopy {
  moodgate::testing::TempDir temp;
  fs::path dir = temp.path();
  SchemaCopy() { fs::copy(default_schema_dir(), dir, fs::copy_options::recursive); }
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(dir / relative, std::ios::binary) << text;
  }
};

// "2026-11-22T09:15:02.123Z": the one shape times have in both dialects.
bool looks_like_rfc3339_ms(const std::string& text) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return false;
  }
  return true;
}

const char* dialect(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgresql";
}

}  // namespace

TEST_CASE("migrate applies every migration once and a second run applies nothing",
          "[store][migrations]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(2));

  auto before = applied_migrations(*db);
  REQUIRE(before.ok());
  CHECK(before->empty());

  auto first = migrate(*db, default_schema_dir());
  if (!first) FAIL(first.error().message);
  REQUIRE_FALSE(first->applied.empty());
  CHECK(first->applied.front().version == 1);
  CHECK(first->applied.front().name == "0001_initial.sql");
  CHECK(first->already_applied == 0);
  CHECK(first->schema_version == first->applied.back().version);

  const auto columns = columns_of(*db);
  for (const auto& table : kTables) {
    INFO(table);
    auto first_column = columns.lower_bound(table + ".");
    CHECK((first_column != columns.end() && first_column->rfind(table + ".", 0) == 0));
  }

  auto rows = applied_migrations(*db);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == first->applied.size());
  CHECK((*rows)[0].checksum.rfind("fnv1a64:", 0) == 0);
  CHECK(looks_like_rfc3339_ms((*rows)[0].applied_at));
  CHECK(first->applied[0].applied_at == (*rows)[0].applied_at);

  auto second = migrate(*db, default_schema_dir());
  REQUIRE(second.ok());
  CHECK(second->applied.empty());
  CHECK(second->already_applied == static_cast<int>(rows->size()));
  CHECK(second->schema_version == first->schema_version);
}

TEST_CASE("both dialects define the same tables and columns", "[store][migrations]") {
  auto sqlite_db = make_test_database("sqlite");
  auto pg_db = make_test_database("postgresql");
  auto sqlite = open_or_fail(sqlite_db.config(1));
  auto pg = open_or_fail(pg_db.config(1));
  REQUIRE(migrate(*sqlite, default_schema_dir()).ok());
  REQUIRE(migrate(*pg, default_schema_dir()).ok());
  const auto sqlite_columns = columns_of(*sqlite);
  CHECK(sqlite_columns == columns_of(*pg));
  CHECK(sqlite_columns.count("visualizations.lease_expires_at") == 1);
}

TEST_CASE("a migration edited after it was applied is refused", "[store][migrations]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(1));
  SchemaCopy schema;
  REQUIRE(migrate(*db, schema.dir.string()).ok());

  const std::string file = std::string(dialect(db->backend())) + "/0001_initial.sql";
  std::ifstream in(schema.dir / file);
  std::stringstream text;
  text << in.rdbuf();
  schema.write(file, text.str() + "\n-- a harmless-looking edit\n");

  auto refused = migrate(*db, schema.dir.string());
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("0001_initial.sql") &&
                                          Catch::Contains("changed after it was applied"));

  // CRLF line endings (a Windows checkout) are not an edit.
  std::string crlf;
  for (char c : text.str()) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  schema.write(file, crlf);
  CHECK(migrate(*db, schema.dir.string()).ok());
}

TEST_CASE("a failing migration leaves nothing behind", "[store][migrations]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  auto db = open_or_fail(test_db.config(1));
  SchemaCopy schema;
  const std::string d = dialect(db->backend());
  // Numbered after every shipped migration, which all go in first.
  const auto shipped = std::distance(std::filesystem::directory_iterator(schema.dir / d),
                                     std::filesystem::directory_iterator());
  schema.write(d + "/9999_broken.sql",
               "CREATE TABLE half_done (id INTEGER);\nCREATE TABLE oops (;\n");

  auto result = migrate(*db, schema.dir.string());
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.error().message, Catch::Contains("9999_broken.sql"));
  auto rows = applied_migrations(*db);
  REQUIRE(rows.ok());
  REQUIRE(static_cast<long>(rows->size()) == shipped);  // the shipped ones went in, 9999 did not
  auto half = db->run("test.half", [](soci::session& s) { s << "SELECT count(*) FROM half_done"; });
  CHECK_FALSE(half.ok());

  // Fixed (a file that never applied may still change), it goes in.
  schema.write(d + "/9999_broken.sql", "CREATE TABLE half_done (id INTEGER);\n");
  auto fixed = migrate(*db, schema.dir.string());
  REQUIRE(fixed.ok());
  CHECK(fixed->applied.size() == 1);
  CHECK(fixed->schema_version == 9999);
}

TEST_CASE("a new migration numbered below an applied one is refused", "[store][migrations]") {
  auto test_db = make_test_database("sqlite");
  auto db = open_or_fail(test_db.config(1));
  SchemaCopy schema;
  // Numbered past every shipped migration, so neither shares a version with one of them.
  schema.write("sqlite/9005_later.sql", "CREATE TABLE later (id INTEGER);");
  REQUIRE(migrate(*db, schema.dir.string()).ok());
  schema.write("sqlite/9003_forgotten.sql", "CREATE TABLE forgotten (id INTEGER);");
  auto result = migrate(*db, schema.dir.string());
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.error().message, Catch::Contains("9003_forgotten.sql"));
  CHECK_THAT(result.error().message, Catch::Contains("was never applied"));
}

TEST_CASE("load_migrations names badly named, duplicate or missing files", "[store][migrations]") {
  SchemaCopy schema;
  REQUIRE(load_migrations(schema.dir.string(), Backend::kSqlite).ok());

  schema.write("sqlite/0002-bad name.sql", "SELECT 1;");
  auto bad_name = load_migrations(schema.dir.string(), Backend::kSqlite);
  REQUIRE_FALSE(bad_name.ok());
  CHECK_THAT(bad_name.error().message, Catch::Contains("0002-bad name.sql"));
  fs::remove(schema.dir / "sqlite/0002-bad name.sql");

  schema.write("sqlite/0001_again.sql", "SELECT 1;");
  auto duplicate = load_migrations(schema.dir.string(), Backend::kSqlite);
  REQUIRE_FALSE(duplicate.ok());
  CHECK_THAT(duplicate.error().message, Catch::Contains("share version 0001"));

  auto missing = load_migrations((schema.dir / "nope").string(), Backend::kPostgres);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("MOODGATE_SCHEMA_DIR"));
}

TEST_CASE("concurrent migrate calls on one fresh database apply each migration once",
          "[store][migrations]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  auto test_db = make_test_database(backend);
  INFO(backend);
  // Two Database objects stand in for two gateway instances starting at the same moment.
  auto db_a = open_or_fail(test_db.config(1));
  auto db_b = open_or_fail(test_db.config(1));
  moodgate::Result<moodgate::store::MigrationReport> report_a = moodgate::Error::internal();
  moodgate::Result<moodgate::store::MigrationReport> report_b = moodgate::Error::internal();
  std::thread a([&] { report_a = migrate(*db_a, default_schema_dir()); });
  std::thread b([&] { report_b = migrate(*db_b, default_schema_dir()); });
  a.join();
  b.join();
  if (!report_a) FAIL("first migrate failed: " << report_a.error().message);
  if (!report_b) FAIL("second migrate failed: " << report_b.error().message);
  auto rows = applied_migrations(*db_a);
  REQUIRE(rows.ok());
  CHECK(report_a->applied.size() + report_b->applied.size() == rows->size());
  CHECK(report_a->schema_version == report_b->schema_version);
}

TEST_CASE("default_schema_dir honours MOODGATE_SCHEMA_DIR", "[store][migrations]") {
  const char* previous = std::getenv("MOODGATE_SCHEMA_DIR");
  const std::string saved = previous != nullptr ? previous : "";
  ::setenv("MOODGATE_SCHEMA_DIR", "/opt/elsewhere/schema", 1);
  CHECK(default_schema_dir() == "/opt/elsewhere/schema");
  ::unsetenv("MOODGATE_SCHEMA_DIR");
  CHECK(fs::is_directory(fs::path(default_schema_dir()) / "sqlite"));
  if (previous != nullptr) ::setenv("MOODGATE_SCHEMA_DIR", saved.c_str(), 1);
}
