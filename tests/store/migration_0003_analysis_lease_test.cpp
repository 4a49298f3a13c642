// Migration 0003 (analysis_pending_until) on a database that already holds entries, on both
// backends: it applies, the entries keep their analyses, pending ones have no bound (the sweep
// then counts from their updated_at), and only a pending analysis may carry a bound.
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/store/entries_repository.h"
#include "core/store/migrations.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"

using namespace moodgate;
using namespace moodgate::testing;
namespace fs = std::filesystem;

TEST_CASE("migration 0003 upgrades a database with entries, and only pending ones may have a bound",
          "[store][migrations][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_or_fail(test_db.config(1));
  const std::string dialect = backend == "sqlite" ? "sqlite" : "postgresql";

  // The schema as released before 0003: without it and every later migration.
  TempDir old_schema;
  fs::copy(store::default_schema_dir(), old_schema.path(), fs::copy_options::recursive);
  for (const auto& file : fs::directory_iterator(old_schema.path() / dialect)) {
    if (file.path().filename().string() >= "0003") fs::remove(file.path());
  }
  auto before = store::migrate(*db, old_schema.path().string());
  if (!before) FAIL(before.error().message);
  create_test_user(*db, "u1");
  const std::string pending = create_test_entry(*db, "u1");
  TestEntry done;
  done.analysis_status = "ready";
  done.analysis_summary = "You sound calm.";
  done.analysis_sentiment = "positive";
  const std::string ready = create_test_entry(*db, "u1", done);

  auto upgrade = store::migrate(*db, store::default_schema_dir());
  if (!upgrade) FAIL(upgrade.error().message);
  REQUIRE_FALSE(upgrade->applied.empty());
  CHECK(upgrade->applied[0].name == "0003_analysis_lease.sql");

  auto rows = db->run("test.find", [&](soci::session& sql) {
    store::EntriesRepository entries(sql);
    return std::make_pair(entries.find("u1", pending), entries.find("u1", ready));
  });
  REQUIRE(rows.ok());
  REQUIRE(rows->first.has_value());
  REQUIRE(rows->second.has_value());
  CHECK(rows->first->analysis.status == store::AnalysisStatus::kPending);
  CHECK(rows->first->analysis.pending_until.empty());
  CHECK(rows->second->analysis.status == store::AnalysisStatus::kReady);
  CHECK(rows->second->analysis.summary == "You sound calm.");

  // The schema refuses a bound on an analysis that is not pending.
  auto bound_on_ready = db->run("test.bound", [&](soci::session& sql) {
    sql << "UPDATE entries SET analysis_pending_until = '2030-01-01T00:00:00.000Z'"
           " WHERE id = :id",
        soci::use(ready, "id");
  });
  CHECK_FALSE(bound_on_ready.ok());
  auto bound_on_pending = db->run("test.bound", [&](soci::session& sql) {
    sql << "UPDATE entries SET analysis_pending_until = '2030-01-01T00:00:00.000Z'"
           " WHERE id = :id",
        soci::use(pending, "id");
  });
  CHECK(bound_on_pending.ok());
}
