// EntriesRepository::fail_overdue_analyses on both backends: only pending analyses past their
// bound (or, without one, unchanged for as long) turn failed, with the code and message given;
// ready, failed, skipped and not yet overdue analyses are left as they are; running it again
// changes nothing; an answer still coming for the same revision may replace the failure, one
// for an older revision may not; and instances running it at the same moment fail each
// analysis once.
#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "core/store/entries_repository.h"
#include "tests/support/test_databases.h"

using moodgate::store::Analysis;
using moodgate::store::AnalysisStatus;
using moodgate::store::Database;
using moodgate::store::EntriesRepository;
using moodgate::store::EntryContentChange;
using moodgate::store::EntryRow;
using moodgate::testing::create_test_user;
using moodgate::testing::open_migrated;
using moodgate::testing::test_backend_names;

namespace {

constexpr const char* kNow = "2030-01-01T08:10:00.000Z";
// kNow less the bound: a pending row without pending_until last changed before this is overdue.
constexpr const char* kUnboundedBefore = "2030-01-01T08:07:30.000Z";
constexpr const char* kMessage =
    "The analysis was interrupted; ask for it again with POST /entries/{id}/analysis";

template <typename F>
auto with_entries(Database& db, F&& fn) {
  auto result = db.transaction("test.entries", [&](soci::session& sql) {
    EntriesRepository entries(sql);
    return fn(entries);
  });
  if (!result.ok()) FAIL("database error: " << result.error().message);
  if constexpr (!std::is_same_v<decltype(result), moodgate::Status>) {
    return std::move(result).value();
  }
}

// A pending entry of `user` written at `at`, overdue after `pending_until` ("" = no bound, as
// rows written before the bound existed).
void insert_pending(Database& db, const std::string& id, const std::string& user,
                    const std::string& at, const std::string& pending_until) {
  EntryRow e;
  e.id = id;
  e.user_id = user;
  e.situation = "Situation of " + id;
  e.emotions = {{"calm", 0.5}};
  e.analysis.status = AnalysisStatus::kPending;
  e.analysis.pending_until = pending_until;
  e.created_at = at;
  e.updated_at = at;
  with_entries(db, [&](EntriesRepository& r) { r.insert(e); });
}

Analysis analysis_with_status(AnalysisStatus status) {
  Analysis a;
  a.status = status;
  if (status == AnalysisStatus::kReady) {
    a.summary = "You sound calm.";
    a.sentiment = "positive";
    a.score = 0.5;
    a.provider = "mock";
    a.model = "mock-1";
  } else if (status == AnalysisStatus::kFailed) {
    a.error_code = "UPSTREAM_TIMEOUT";
    a.error_message = "The AI provider did not answer in time";
  }
  return a;
}

EntryRow find(Database& db, const std::string& user, const std::string& id) {
  auto found = with_entries(db, [&](EntriesRepository& r) { return r.find(user, id); });
  REQUIRE(found.has_value());
  return std::move(*found);
}

long long fail_overdue(Database& db) {
  return with_entries(db, [](EntriesRepository& r) {
    return r.fail_overdue_analyses(kNow, kUnboundedBefore, "INTERRUPTED", kMessage);
  });
}

}  // namespace

TEST_CASE("only pending analyses past their bound are failed, and only once",
          "[store][entries][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");

  insert_pending(*db, "overdue", "u1", "2030-01-01T08:00:00.000Z", "2030-01-01T08:09:59.999Z");
  insert_pending(*db, "other-user", "u2", "2030-01-01T08:00:00.000Z", "2030-01-01T08:02:30.000Z");
  insert_pending(*db, "due-now", "u1", "2030-01-01T08:07:30.000Z", kNow);  // not yet past it
  insert_pending(*db, "running", "u1", "2030-01-01T08:09:00.000Z", "2030-01-01T08:11:30.000Z");
  insert_pending(*db, "unbounded-old", "u1", "2030-01-01T08:07:29.999Z", "");
  insert_pending(*db, "unbounded-new", "u1", kUnboundedBefore, "");
  // Long past any bound, but finished one way or another.
  for (const AnalysisStatus status :
       {AnalysisStatus::kReady, AnalysisStatus::kFailed, AnalysisStatus::kSkipped}) {
    const std::string id = to_string(status);  // "ready", "failed", "skipped"
    insert_pending(*db, id, "u1", "2030-01-01T07:00:00.000Z", "2030-01-01T07:02:30.000Z");
    REQUIRE(with_entries(*db, [&](EntriesRepository& r) {
      return r.set_analysis(id, 1, analysis_with_status(status), "2030-01-01T07:00:01.000Z");
    }));
  }

  CHECK(fail_overdue(*db) == 3);

  for (const auto& [user, id] : std::vector<std::pair<std::string, std::string>>{
           {"u1", "overdue"}, {"u2", "other-user"}, {"u1", "unbounded-old"}}) {
    INFO(id);
    const EntryRow e = find(*db, user, id);
    CHECK(e.analysis.status == AnalysisStatus::kFailed);
    CHECK(e.analysis.error_code == "INTERRUPTED");
    CHECK(e.analysis.error_message == kMessage);
    CHECK(e.analysis.pending_until.empty());
    CHECK(e.updated_at == kNow);
    CHECK(e.revision == 1);  // an answer still coming for it may be stored
    CHECK(e.emotions.size() == 1);
  }
  for (const std::string id : {"due-now", "running", "unbounded-new"}) {
    INFO(id);
    const EntryRow e = find(*db, "u1", id);
    CHECK(e.analysis.status == AnalysisStatus::kPending);
    CHECK(e.analysis.error_code.empty());
    CHECK(e.updated_at != kNow);
  }
  CHECK(find(*db, "u1", "running").analysis.pending_until == "2030-01-01T08:11:30.000Z");
  const EntryRow ready = find(*db, "u1", "ready");
  CHECK(ready.analysis.status == AnalysisStatus::kReady);
  CHECK(ready.analysis.summary == "You sound calm.");
  CHECK(ready.updated_at == "2030-01-01T07:00:01.000Z");
  const EntryRow failed = find(*db, "u1", "failed");
  CHECK(failed.analysis.error_code == "UPSTREAM_TIMEOUT");
  CHECK(failed.updated_at == "2030-01-01T07:00:01.000Z");
  CHECK(find(*db, "u1", "skipped").analysis.status == AnalysisStatus::kSkipped);

  // Again: nothing left to do.
  CHECK(fail_overdue(*db) == 0);
  CHECK(find(*db, "u1", "overdue").updated_at == kNow);
}

TEST_CASE("an answer for the same revision may replace an interrupted analysis, an older one not",
          "[store][entries][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  insert_pending(*db, "late", "u1", "2030-01-01T08:00:00.000Z", "2030-01-01T08:02:30.000Z");
  insert_pending(*db, "edited", "u1", "2030-01-01T08:00:00.000Z", "2030-01-01T08:02:30.000Z");
  REQUIRE(fail_overdue(*db) == 2);

  // The instance was alive after all (a slow database, say): its answer wins.
  CHECK(with_entries(*db, [](EntriesRepository& r) {
    return r.set_analysis("late", 1, analysis_with_status(AnalysisStatus::kReady),
                          "2030-01-01T08:10:01.000Z");
  }));
  const EntryRow late = find(*db, "u1", "late");
  CHECK(late.analysis.status == AnalysisStatus::kReady);
  CHECK(late.analysis.error_code.empty());
  CHECK(late.analysis.summary == "You sound calm.");

  // The user edited the entry after the failure: a new pending analysis with a new bound, and
  // the old revision's answer is dropped.
  EntryContentChange change;
  change.thoughts = "Second thoughts";
  CHECK(with_entries(*db, [&](EntriesRepository& r) {
          return r.change_content("u1", "edited", change, AnalysisStatus::kPending,
                                  "2030-01-01T08:13:00.000Z", "2030-01-01T08:10:30.000Z");
        }) == 2);
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) {
    return r.set_analysis("edited", 1, analysis_with_status(AnalysisStatus::kReady),
                          "2030-01-01T08:10:31.000Z");
  }));
  const EntryRow edited = find(*db, "u1", "edited");
  CHECK(edited.analysis.status == AnalysisStatus::kPending);
  CHECK(edited.analysis.error_code.empty());
  CHECK(edited.analysis.pending_until == "2030-01-01T08:13:00.000Z");
  CHECK(fail_overdue(*db) == 0);  // its new bound has not passed
}

TEST_CASE("instances failing overdue analyses at the same moment fail each one once",
          "[store][entries][analysis]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  constexpr int kEntries = 60;
  for (int i = 0; i < kEntries; ++i) {
    insert_pending(*db, "e" + std::to_string(i), "u1", "2030-01-01T08:00:00.000Z",
                   i % 2 == 0 ? "2030-01-01T08:02:30.000Z" : "");
  }

  // Two instances: a database handle (its own connection pool) each, three rounds each.
  constexpr int kInstances = 2;
  std::vector<std::unique_ptr<Database>> instances;
  for (int i = 0; i < kInstances; ++i) instances.push_back(open_migrated(test_db, 2));
  std::atomic<long long> failed{0};
  std::atomic<int> errors{0};
  std::latch start(kInstances);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (int round = 0; round < 3; ++round) {
        auto n = instances[i]->run("test.sweep", [](soci::session& sql) {
          return EntriesRepository(sql).fail_overdue_analyses(kNow, kUnboundedBefore, "INTERRUPTED",
                                                              kMessage);
        });
        if (n.ok()) {
          failed += *n;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  CHECK(errors.load() == 0);
  CHECK(failed.load() == kEntries);
  for (int i = 0; i < kEntries; ++i) {
    const EntryRow e = find(*db, "u1", "e" + std::to_string(i));
    CHECK(e.analysis.status == AnalysisStatus::kFailed);
    CHECK(e.analysis.error_code == "INTERRUPTED");
  }
}
