// The bound on pending analyses, in process and on both backends: an analysis that runs to the
// end is stored ready with no bound left behind, and the sweep never touches it; an instance
// that starts fails the analyses left pending past their bound at once, without waiting for
// its first interval, and leaves those still within it alone.
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "core/common/time_format.h"
#include "core/store/entries_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

store::EntryRow stored(store::Database& db, const std::string& user_id, const std::string& id) {
  auto row = db.run("test.entry", [&](soci::session& sql) {
    return store::EntriesRepository(sql).find(user_id, id);
  });
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  return **row;
}

void insert_pending(store::Database& db, const std::string& user_id, const std::string& id,
                    WallClock::time_point pending_until) {
  store::EntryRow e;
  e.id = id;
  e.user_id = user_id;
  e.situation = "Situation of " + id;
  e.emotions = {{"calm", 0.5}};
  e.analysis.pending_until = format_rfc3339_ms(pending_until);
  e.created_at = format_rfc3339_ms(WallClock::now() - 10min);
  e.updated_at = e.created_at;
  auto ok = db.transaction("test.insert",
                           [&](soci::session& sql) { store::EntriesRepository(sql).insert(e); });
  REQUIRE(ok.ok());
}

}  // namespace

TEST_CASE("an analysis that runs to the end is ready, keeps no bound, and the sweep leaves it",
          "[api][entries][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  config::Config cfg = test_config(test_db.url());
  cfg.server.request_timeout_ms = 2000;
  cfg.journal.analysis_lease_margin_ms = 100;
  cfg.journal.analysis_sweep_interval_ms = 50;
  TestServer server(cfg);
  auto db = open_or_fail(test_db.config(1));
  const Account user = register_account(server.port(), "finished@example.com");

  const auto created =
      create_entry(server.port(), user.access_token, entry_body("I passed the exam"));
  const std::string id = text_of(created, "id");
  CHECK(text_of(created["analysis"], "status") == "ready");
  CHECK(stored(*db, user.id, id).analysis.pending_until.empty());
  const auto skipped = create_entry(server.port(), user.access_token,
                                    entry_body("Nothing to analyse"), "?analyze=false");
  CHECK(text_of(skipped["analysis"], "status") == "skipped");
  CHECK(stored(*db, user.id, text_of(skipped, "id")).analysis.pending_until.empty());
  // An edit runs it again, and it ends ready again.
  const HttpReply edited = api_call(server.port(), "PATCH", "/api/v1/entries/" + id,
                                    R"({"thoughts": "And I celebrated"})", user.access_token);
  INFO(edited.body);
  REQUIRE(edited.status == 200);
  CHECK(text_of(edited.json()["analysis"], "status") == "ready");
  const store::EntryRow before = stored(*db, user.id, id);
  CHECK(before.analysis.pending_until.empty());

  // Well past the bound (2 s + 0.1 s) and many sweeps later, nothing changed.
  std::this_thread::sleep_for(2500ms);
  const store::EntryRow after = stored(*db, user.id, id);
  CHECK(after.analysis.status == store::AnalysisStatus::kReady);
  CHECK(after.updated_at == before.updated_at);
  CHECK(stored(*db, user.id, text_of(skipped, "id")).analysis.status ==
        store::AnalysisStatus::kSkipped);
}

TEST_CASE("an instance that starts fails the analyses left pending past their bound at once",
          "[api][entries][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db, 1);
  create_test_user(*db, "u1");
  insert_pending(*db, "u1", "left-behind", WallClock::now() - 1min);
  insert_pending(*db, "u1", "in-flight", WallClock::now() + 10min);

  config::Config cfg = test_config(test_db.url());
  cfg.journal.analysis_sweep_interval_ms = 3'600'000;  // only the sweep at start can do it
  TestServer server(cfg);
  store::EntryRow left = stored(*db, "u1", "left-behind");
  for (int i = 0; i < 500 && left.analysis.status == store::AnalysisStatus::kPending; ++i) {
    std::this_thread::sleep_for(10ms);
    left = stored(*db, "u1", "left-behind");
  }
  CHECK(left.analysis.status == store::AnalysisStatus::kFailed);
  CHECK(left.analysis.error_code == "INTERRUPTED");
  const store::EntryRow in_flight = stored(*db, "u1", "in-flight");
  CHECK(in_flight.analysis.status == store::AnalysisStatus::kPending);
  CHECK_FALSE(in_flight.analysis.pending_until.empty());
}
