// InsightsRepository computes a user's picture of a period in SQL, the same on both backends:
// entry counts, the emotions named most, the average analysed sentiment per UTC day, and the
// streak of consecutive days with an entry that ends today or yesterday.
#include "core/store/insights_repository.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/common/uuid.h"
#include "core/store/database.h"
#include "core/store/entries_repository.h"
#include "tests/support/test_databases.h"

using namespace moodgate;
using moodgate::store::Database;
using moodgate::store::InsightsRepository;
using moodgate::testing::create_test_user;
using moodgate::testing::make_test_database;
using moodgate::testing::open_migrated;
using moodgate::testing::test_backend_names;

namespace {

// Adds an entry written at `at` with `emotions`, analysed with `score` when given.
void add_entry(Database& db, const std::string& user, const std::string& at,
               std::vector<store::Emotion> emotions, std::optional<double> score = {}) {
  store::EntryRow e;
  e.id = new_uuid();
  e.user_id = user;
  e.situation = "something happened";
  e.emotions = std::move(emotions);
  e.analysis.status = store::AnalysisStatus::kPending;
  e.created_at = at;
  auto done = db.transaction("test.entries", [&](soci::session& sql) {
    store::EntriesRepository entries(sql);
    entries.insert(e);
    if (score) {
      store::Analysis a;
      a.status = store::AnalysisStatus::kReady;
      a.summary = "s";
      a.sentiment = *score >= 0 ? "positive" : "negative";
      a.score = *score;
      a.provider = "mock";
      a.model = "mock-1";
      entries.set_analysis(e.id, 1, a, at);
    }
  });
  if (!done) FAIL("insert failed: " << done.error().message);
}

template <typename F>
auto read(Database& db, F&& f) {
  auto out = db.run("test.insights", [&](soci::session& sql) {
    InsightsRepository insights(sql);
    return f(insights);
  });
  if (!out) FAIL("query failed: " << out.error().message);
  return std::move(out).value();
}

}  // namespace

TEST_CASE("Insights count entries, rank emotions and average analysed sentiment per day",
          "[store][insights]") {
  auto backend = GENERATE(from_range(test_backend_names()));
  auto tdb = make_test_database(backend);
  auto db = open_migrated(tdb);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");
  add_entry(*db, "u1", "2026-11-20T08:00:00.000Z", {{"anxious", 0.8}, {"hopeful", 0.2}}, -0.5);
  add_entry(*db, "u1", "2026-11-20T23:59:59.999Z", {{"anxious", 0.4}}, 0.1);
  add_entry(*db, "u1", "2026-11-21T00:00:00.000Z", {{"calm", 0.9}});  // not analysed
  add_entry(*db, "u1", "2026-11-22T10:00:00.000Z", {{"hopeful", 0.6}}, 0.6);
  add_entry(*db, "u1", "2026-10-01T10:00:00.000Z", {{"angry", 1.0}}, -1.0);    // before the period
  add_entry(*db, "u2", "2026-11-20T09:00:00.000Z", {{"anxious", 1.0}}, -1.0);  // someone else

  const std::string from = "2026-11-01T00:00:00.000Z", to = "2026-11-23T00:00:00.000Z";
  CHECK(read(*db, [&](auto& i) { return i.entry_count("u1", from, to); }) == 4);

  const auto top = read(*db, [&](auto& i) { return i.top_emotions("u1", from, to, 10); });
  REQUIRE(top.size() == 3);
  CHECK(top[0].name == "anxious");
  CHECK(top[0].count == 2);
  CHECK(top[0].avg_intensity == Approx(0.6));
  CHECK(top[1].name == "hopeful");  // two entries too: the lower average intensity second
  CHECK(top[1].count == 2);
  CHECK(top[1].avg_intensity == Approx(0.4));
  CHECK(top[2].name == "calm");
  CHECK(top[2].count == 1);
  CHECK(read(*db, [&](auto& i) { return i.top_emotions("u1", from, to, 1); }).size() == 1);

  const auto days = read(*db, [&](auto& i) { return i.sentiment_by_day("u1", from, to); });
  REQUIRE(days.size() == 3);
  CHECK(days[0].date == "2026-11-20");
  CHECK(days[0].entries == 2);
  REQUIRE(days[0].avg_score);
  CHECK(*days[0].avg_score == Approx(-0.2));
  CHECK(days[1].date == "2026-11-21");
  CHECK(days[1].entries == 1);
  CHECK_FALSE(days[1].avg_score);  // nothing analysed that day
  CHECK(days[2].date == "2026-11-22");
  CHECK(*days[2].avg_score == Approx(0.6));
}

TEST_CASE("The streak counts consecutive days with an entry up to today or yesterday",
          "[store][insights]") {
  auto backend = GENERATE(from_range(test_backend_names()));
  auto tdb = make_test_database(backend);
  auto db = open_migrated(tdb);
  create_test_user(*db, "u1");
  auto streak = [&](const std::string& today) {
    return read(*db, [&](auto& i) { return i.streak_days("u1", today); });
  };
  CHECK(streak("2026-11-22") == 0);  // no entries at all

  // 2026-11-17, then a gap, then 19, 20 (twice), 21 -- across a month end too.
  add_entry(*db, "u1", "2026-11-17T12:00:00.000Z", {{"calm", 0.5}});
  add_entry(*db, "u1", "2026-11-19T12:00:00.000Z", {{"calm", 0.5}});
  add_entry(*db, "u1", "2026-11-20T01:00:00.000Z", {{"calm", 0.5}});
  add_entry(*db, "u1", "2026-11-20T22:00:00.000Z", {{"calm", 0.5}});
  add_entry(*db, "u1", "2026-11-21T12:00:00.000Z", {{"calm", 0.5}});
  CHECK(streak("2026-11-21") == 3);  // today counts
  CHECK(streak("2026-11-22") == 3);  // nothing yet today: the streak is still alive
  CHECK(streak("2026-11-23") == 0);  // a whole day missed
  CHECK(streak("2026-11-19") == 1);  // later days are not counted

  add_entry(*db, "u1", "2026-11-22T00:00:00.000Z", {{"calm", 0.5}});
  CHECK(streak("2026-11-22") == 4);

  create_test_user(*db, "u2");
  add_entry(*db, "u2", "2026-11-30T12:00:00.000Z", {{"calm", 0.5}});
  add_entry(*db, "u2", "2026-12-01T12:00:00.000Z", {{"calm", 0.5}});
  CHECK(read(*db, [&](auto& i) { return i.streak_days("u2", "2026-12-01"); }) == 2);
}
