// EntriesRepository on both backends: entries with their emotions read back as written and only
// by their owner; lists are newest first (ties by id) and filtered by from/to/emotion; an
// analysis is stored only for the entry's current revision; a content change bumps the revision
// and clears the analysis; scenarios are replaced as a whole; removing an entry takes its
// emotions and scenarios; paging by cursor sees every entry once while others are inserted; and
// an analysis status the core does not know is an error, never a guess.
#include "core/store/entries_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/common/time_format.h"
#include "core/store/database.h"
#include "tests/support/test_databases.h"

using moodgate::WallClock;
using moodgate::store::Analysis;
using moodgate::store::AnalysisStatus;
using moodgate::store::Database;
using moodgate::store::EntriesRepository;
using moodgate::store::EntryContentChange;
using moodgate::store::EntryFilter;
using moodgate::store::EntryRow;
using moodgate::store::PageCursor;
using moodgate::store::Scenario;
using moodgate::testing::create_test_user;
using moodgate::testing::open_migrated;
using moodgate::testing::test_backend_names;
using moodgate::testing::write_unchecked;

namespace {

EntryRow entry(const std::string& id, const std::string& user, const std::string& at,
               std::vector<moodgate::store::Emotion> emotions = {{"calm", 0.5}}) {
  EntryRow e;
  e.id = id;
  e.user_id = user;
  e.situation = "Situation of " + id;
  e.thoughts = "Thoughts of " + id;
  e.emotions = std::move(emotions);
  e.created_at = at;
  e.updated_at = at;
  return e;
}

// Runs fn(EntriesRepository&) in a transaction; fails the test on a database error.
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

void insert(Database& db, const EntryRow& e) {
  with_entries(db, [&](EntriesRepository& r) { r.insert(e); });
}

std::vector<std::string> ids_of(const std::vector<EntryRow>& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

std::vector<std::string> list(Database& db, const std::string& user, const EntryFilter& f = {}) {
  return ids_of(
      with_entries(db, [&](EntriesRepository& r) { return r.list(user, f, 1000, std::nullopt); }));
}

long long count_rows(Database& db, const std::string& table, const std::string& entry_id) {
  long long n = -1;
  auto ok = db.run("test.count", [&](soci::session& sql) {
    sql << "SELECT COUNT(*) FROM " + table + " WHERE entry_id = :id", soci::use(entry_id, "id"),
        soci::into(n);
  });
  REQUIRE(ok.ok());
  return n;
}

Analysis ready_analysis() {
  Analysis a;
  a.status = AnalysisStatus::kReady;
  a.summary = "You sound calm.";
  a.sentiment = "positive";
  a.score = 0.75;
  a.highlights = {{"calm", "positive"}, {"a \"quoted\" bit", "neutral"}};
  a.positive_count = 2;
  a.negative_count = 0;
  a.provider = "gemini";
  a.model = "gemini-2.5-flash";
  return a;
}

}  // namespace

TEST_CASE("an entry reads back as written, emotions in order, and only for its owner",
          "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");
  auto e = entry("e1", "u1", "2030-01-01T08:00:00.123Z",
                 {{"tired", 0.25}, {"anxious", 0.8}, {"hopeful", 0}, {"relieved", 1}});
  e.situation = "Caf\xc3\xa9 with \"quotes\" and 'apostrophes'";
  e.analysis.status = AnalysisStatus::kSkipped;
  insert(*db, e);

  const auto found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  REQUIRE(found.has_value());
  CHECK(found->situation == e.situation);
  CHECK(found->thoughts == e.thoughts);
  REQUIRE(found->emotions.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(found->emotions[i].name == e.emotions[i].name);
    CHECK(found->emotions[i].intensity == e.emotions[i].intensity);
  }
  CHECK(found->revision == 1);
  CHECK(found->analysis.status == AnalysisStatus::kSkipped);
  CHECK(found->scenarios.empty());
  CHECK(found->created_at == "2030-01-01T08:00:00.123Z");
  CHECK(found->updated_at == "2030-01-01T08:00:00.123Z");
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) { return r.find("u2", "e1"); }));
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "nope"); }));
  CHECK(list(*db, "u2").empty());
}

TEST_CASE("a list is newest first with ties broken by id, and filtered by from, to and emotion",
          "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");
  insert(*db, entry("a", "u1", "2030-01-01T10:00:00.000Z", {{"calm", 0.5}}));
  insert(*db, entry("c", "u1", "2030-01-02T10:00:00.000Z", {{"sad", 0.5}, {"calm", 0.2}}));
  insert(*db, entry("b", "u1", "2030-01-02T10:00:00.000Z", {{"sad", 0.5}}));
  insert(*db, entry("d", "u1", "2030-01-02T10:00:00.001Z", {{"joy", 0.5}}));
  insert(*db, entry("e", "u1", "2030-01-03T00:00:00.000Z", {{"calm", 0.5}}));
  insert(*db, entry("x", "u2", "2030-01-02T10:00:00.000Z", {{"calm", 0.5}}));

  CHECK(list(*db, "u1") == std::vector<std::string>{"e", "d", "c", "b", "a"});
  EntryFilter day;
  day.from = "2030-01-02T00:00:00.000Z";
  day.to = "2030-01-03T00:00:00.000Z";  // exclusive
  CHECK(list(*db, "u1", day) == std::vector<std::string>{"d", "c", "b"});
  EntryFilter from_exact;
  from_exact.from = "2030-01-02T10:00:00.001Z";  // inclusive
  CHECK(list(*db, "u1", from_exact) == std::vector<std::string>{"e", "d"});
  EntryFilter calm;
  calm.emotion = "calm";
  CHECK(list(*db, "u1", calm) == std::vector<std::string>{"e", "c", "a"});
  calm.to = "2030-01-02T10:00:00.001Z";
  CHECK(list(*db, "u1", calm) == std::vector<std::string>{"c", "a"});

  // Emotions and scenarios of every listed entry come along.
  const auto rows = with_entries(
      *db, [](EntriesRepository& r) { return r.list("u1", EntryFilter{}, 2, std::nullopt); });
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].emotions.size() == 1);
  CHECK(rows[1].emotions[0].name == "joy");
  // After a cursor: strictly older, or as old with a smaller id.
  const auto after = with_entries(*db, [](EntriesRepository& r) {
    return r.list("u1", EntryFilter{}, 10, PageCursor{"2030-01-02T10:00:00.000Z", "c"});
  });
  CHECK(ids_of(after) == std::vector<std::string>{"b", "a"});
}

TEST_CASE("an analysis is stored only for the entry's current revision", "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  insert(*db, entry("e1", "u1", "2030-01-01T08:00:00.000Z"));

  CHECK(with_entries(*db, [](EntriesRepository& r) {
    return r.set_analysis("e1", 1, ready_analysis(), "2030-01-01T08:00:01.000Z");
  }));
  auto found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  REQUIRE(found);
  const Analysis& a = found->analysis;
  CHECK(a.status == AnalysisStatus::kReady);
  CHECK(a.summary == "You sound calm.");
  CHECK(a.sentiment == "positive");
  CHECK(a.score == 0.75);
  REQUIRE(a.highlights.size() == 2);
  CHECK(a.highlights[1].text == "a \"quoted\" bit");
  CHECK(a.highlights[1].polarity == "neutral");
  CHECK(a.positive_count == 2);
  CHECK(a.provider == "gemini");
  CHECK(a.model == "gemini-2.5-flash");
  CHECK(found->updated_at == "2030-01-01T08:00:01.000Z");

  // An edit: revision 2, the analysis cleared (it described the old words).
  EntryContentChange change;
  change.thoughts = "New thoughts";
  const auto revision = with_entries(*db, [&](EntriesRepository& r) {
    return r.change_content("u1", "e1", change, AnalysisStatus::kPending,
                            "2030-01-01T08:02:32.000Z", "2030-01-01T08:00:02.000Z");
  });
  CHECK(revision == 2);
  found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  CHECK(found->analysis.status == AnalysisStatus::kPending);
  CHECK(found->analysis.pending_until == "2030-01-01T08:02:32.000Z");
  CHECK(found->analysis.summary.empty());
  CHECK(found->analysis.highlights.empty());
  CHECK(found->analysis.provider.empty());

  // A slow answer for revision 1 is dropped; one for revision 2 is stored.
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) {
    return r.set_analysis("e1", 1, ready_analysis(), "2030-01-01T08:00:03.000Z");
  }));
  found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  CHECK(found->analysis.status == AnalysisStatus::kPending);
  CHECK(found->updated_at == "2030-01-01T08:00:02.000Z");
  Analysis failed;
  failed.status = AnalysisStatus::kFailed;
  failed.error_code = "UPSTREAM_TIMEOUT";
  failed.error_message = "The AI provider did not answer in time";
  CHECK(with_entries(*db, [&](EntriesRepository& r) {
    return r.set_analysis("e1", 2, failed, "2030-01-01T08:00:04.000Z");
  }));
  found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  CHECK(found->analysis.status == AnalysisStatus::kFailed);
  CHECK(found->analysis.error_code == "UPSTREAM_TIMEOUT");
  CHECK(found->analysis.error_message == failed.error_message);
  CHECK(found->analysis.summary.empty());
  CHECK(found->analysis.pending_until.empty());  // only a pending analysis has a bound
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) {
    return r.set_analysis("gone", 1, ready_analysis(), "2030-01-01T08:00:05.000Z");
  }));
}

TEST_CASE("a content change touches only the fields given and bumps the revision",
          "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");
  insert(*db, entry("e1", "u1", "2030-01-01T08:00:00.000Z", {{"calm", 0.5}, {"sad", 0.1}}));

  EntryContentChange emotions_only;
  emotions_only.emotions = std::vector<moodgate::store::Emotion>{{"joy", 0.9}};
  CHECK(with_entries(*db, [&](EntriesRepository& r) {
          return r.change_content("u1", "e1", emotions_only, AnalysisStatus::kSkipped, std::nullopt,
                                  "2030-01-01T09:00:00.000Z");
        }) == 2);
  EntryContentChange both;
  both.situation = "New situation";
  both.thoughts = "";
  CHECK(with_entries(*db, [&](EntriesRepository& r) {
          return r.change_content("u1", "e1", both, AnalysisStatus::kPending,
                                  "2030-01-01T10:02:30.000Z", "2030-01-01T10:00:00.000Z");
        }) == 3);
  // Another user's entry (or none) is not changed.
  CHECK_FALSE(with_entries(*db, [&](EntriesRepository& r) {
    return r.change_content("u2", "e1", both, AnalysisStatus::kPending, "2030-01-01T11:02:30.000Z",
                            "2030-01-01T11:00:00.000Z");
  }));
  const auto found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  REQUIRE(found);
  CHECK(found->situation == "New situation");
  CHECK(found->thoughts.empty());
  REQUIRE(found->emotions.size() == 1);
  CHECK(found->emotions[0].name == "joy");
  CHECK(found->revision == 3);
  CHECK(found->analysis.status == AnalysisStatus::kPending);
  CHECK(found->analysis.pending_until == "2030-01-01T10:02:30.000Z");
  CHECK(found->created_at == "2030-01-01T08:00:00.000Z");
  CHECK(found->updated_at == "2030-01-01T10:00:00.000Z");
}

TEST_CASE("scenarios are replaced as a whole, in order", "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  insert(*db, entry("e1", "u1", "2030-01-01T08:00:00.000Z"));
  const std::vector<Scenario> first = {
      {"s1", "One", "First"}, {"s2", "Two", "Second"}, {"s3", "Three", "Third"}};
  with_entries(*db, [&](EntriesRepository& r) {
    r.replace_scenarios("e1", first, "2030-01-01T08:00:01.000Z");
  });
  const std::vector<Scenario> second = {{"s5", "Five", "Fifth"}, {"s4", "Four", "Fourth"}};
  with_entries(*db, [&](EntriesRepository& r) {
    r.replace_scenarios("e1", second, "2030-01-01T08:00:02.000Z");
  });
  const auto found = with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e1"); });
  REQUIRE(found);
  REQUIRE(found->scenarios.size() == 2);
  CHECK(found->scenarios[0].id == "s5");
  CHECK(found->scenarios[0].title == "Five");
  CHECK(found->scenarios[1].description == "Fourth");
  CHECK(found->updated_at == "2030-01-01T08:00:02.000Z");
  CHECK(count_rows(*db, "scenarios", "e1") == 2);
}

TEST_CASE("removing an entry takes its emotions and scenarios with it", "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  create_test_user(*db, "u2");
  insert(*db, entry("e1", "u1", "2030-01-01T08:00:00.000Z", {{"calm", 0.5}, {"sad", 0.2}}));
  insert(*db, entry("e2", "u1", "2030-01-01T09:00:00.000Z"));
  with_entries(*db, [](EntriesRepository& r) {
    r.replace_scenarios("e1", {{"s1", "One", "First"}}, "2030-01-01T08:00:01.000Z");
  });

  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) { return r.remove("u2", "e1"); }));
  CHECK(count_rows(*db, "entry_emotions", "e1") == 2);
  CHECK(with_entries(*db, [](EntriesRepository& r) { return r.remove("u1", "e1"); }));
  CHECK(count_rows(*db, "entry_emotions", "e1") == 0);
  CHECK(count_rows(*db, "scenarios", "e1") == 0);
  CHECK_FALSE(with_entries(*db, [](EntriesRepository& r) { return r.remove("u1", "e1"); }));
  CHECK(list(*db, "u1") == std::vector<std::string>{"e2"});
  CHECK(count_rows(*db, "entry_emotions", "e2") == 1);
}

TEST_CASE("paging by cursor sees every entry exactly once while others are being inserted",
          "[store][entries][paging]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  // 50 entries over 10 instants, five sharing each (ties are ordered by id).
  std::vector<std::string> originals;
  for (int i = 0; i < 50; ++i) {
    char id[16], at[32];
    std::snprintf(id, sizeof id, "orig-%02d", (i * 37) % 50);
    std::snprintf(at, sizeof at, "2020-06-01T10:00:%02d.000Z", i % 10);
    insert(*db, entry(id, "u1", at));
    originals.push_back(id);
  }

  // Between every two pages another thread writes two entries: one now (ahead of every page)
  // and one, as a lagging clock would, among the entries being paged through.
  std::atomic<int> asked{0}, written{0}, failed{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int n = 0; !stop; ++n) {
      while (written.load() >= asked.load() && !stop) std::this_thread::yield();
      if (stop) break;
      char old[32];
      std::snprintf(old, sizeof old, "2020-06-01T10:00:%02d.500Z", n % 10);
      const std::vector<EntryRow> rows = {
          entry("new-" + std::to_string(n), "u1", moodgate::format_rfc3339_ms(WallClock::now())),
          entry("old-" + std::to_string(n), "u1", old)};
      for (const EntryRow& e : rows) {
        const auto ok = db->transaction(
            "test.insert", [&](soci::session& sql) { EntriesRepository(sql).insert(e); });
        if (!ok.ok()) ++failed;
      }
      ++written;
    }
  });
  std::vector<std::pair<std::string, std::string>> seen;  // (created_at, id)
  std::optional<PageCursor> cursor;
  int pages = 0;
  for (; pages < 100; ++pages) {
    const auto page = with_entries(
        *db, [&](EntriesRepository& r) { return r.list("u1", EntryFilter{}, 7, cursor); });
    for (const auto& row : page) seen.emplace_back(row.created_at, row.id);
    if (page.size() < 7) break;
    cursor = PageCursor{page.back().created_at, page.back().id};
    ++asked;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (written.load() < asked.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
  }
  stop = true;
  writer.join();

  INFO("pages " << pages << ", seen " << seen.size() << ", written " << written.load());
  CHECK(failed.load() == 0);
  CHECK(written.load() == asked.load());
  CHECK(written.load() >= 7);  // 50 entries, 7 a page: at least 7 pages before the last
  // One strictly descending sequence across all pages: nothing twice, nothing out of order.
  CHECK(std::adjacent_find(seen.begin(), seen.end(),
                           [](const auto& a, const auto& b) { return !(b < a); }) == seen.end());
  for (const std::string& id : originals) {
    INFO(id);
    CHECK(std::count_if(seen.begin(), seen.end(), [&](const auto& s) { return s.second == id; }) ==
          1);
  }
}

TEST_CASE("an entry whose analysis status the core does not know reads as an error",
          "[store][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = moodgate::testing::make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u1");
  insert(*db, entry("e1", "u1", "2030-01-01T08:00:00.000Z"));
  insert(*db, entry("e2", "u1", "2030-01-01T09:00:00.000Z"));
  write_unchecked(*db, "entries", "analysis_status", "archived", "id = 'e1'");

  auto found = db->run("test.entries.find",
                       [](soci::session& sql) { return EntriesRepository(sql).find("u1", "e1"); });
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == moodgate::ErrorCode::kInternal);
  auto listed = db->run("test.entries.list", [](soci::session& sql) {
    return EntriesRepository(sql).list("u1", {}, 10, std::nullopt);
  });
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.error().code == moodgate::ErrorCode::kInternal);
  // The other entry is unaffected.
  CHECK(with_entries(*db, [](EntriesRepository& r) { return r.find("u1", "e2"); }).has_value());
}
