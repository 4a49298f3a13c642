// VisualizationsRepository on both backends: jobs only for the owner's entries, newest-first
// pages, the claim protocol (turns across users, leases, take-over, conditional completion), the
// count of a user's unfinished jobs, and image bytes that come back exactly as stored. On
// PostgreSQL, concurrent claimers never share a job. A status the core does not know is an error,
// never a guess.
#include "core/store/visualizations_repository.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include "core/common/digest.h"

#include "core/common/time_format.h"
#include "core/store/database.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;
using store::ClaimedJob;
using store::Database;
using store::FinishedImage;
using store::VisualizationRow;
using Repo = store::VisualizationsRepository;

namespace {

// Runs fn(Repo&) in a transaction and returns its value (FAILs on a database error).
template <typename F>
auto in_tx(Database& db, F&& fn) {
  auto out = db.transaction("test.visualizations", [&](soci::session& sql) {
    Repo repo(sql);
    return fn(repo);
  });
  if (!out.ok()) FAIL("database error: " << out.error().message);
  return std::move(out).value();
}

// Queues a job. Rows of one millisecond are ordered by id, not by insertion: this waits for the
// clock to pass the row's millisecond, so tests can expect insertion order.
VisualizationRow queue(Database& db, const std::string& user, const std::string& entry,
                       const std::string& style = "abstract") {
  auto row = in_tx(db, [&](Repo& r) { return r.insert_for_entry(user, entry, style, "1:1"); });
  REQUIRE(row.has_value());
  while (format_rfc3339_ms(WallClock::now()) <= row->created_at) {
    std::this_thread::sleep_for(1ms);
  }
  return *row;
}

std::optional<ClaimedJob> claim(Database& db, const std::string& owner,
                                std::chrono::milliseconds lease = 60s) {
  return in_tx(db, [&](Repo& r) { return r.claim_due(owner, lease); });
}

// Claims until a job comes back (its lease expiring, say), for at most 10 s.
std::optional<ClaimedJob> claim_eventually(Database& db, const std::string& owner) {
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(5ms)) {
    if (auto job = claim(db, owner)) return job;
  }
  return std::nullopt;
}

FinishedImage image_of(std::string bytes) {
  return FinishedImage{"mock", "mock-1", "image/png", 256, 256, std::move(bytes)};
}

// Every byte value, NULs and high bytes included, several times over.
std::string all_bytes() {
  std::string bytes;
  for (int round = 0; round < 40; ++round) {
    for (int b = 0; b < 256; ++b) bytes += static_cast<char>((b + round) % 256);
  }
  return bytes;
}

struct Fixture {
  explicit Fixture(const std::string& backend) : test_db(make_test_database(backend)) {
    db = open_migrated(test_db, 6);
    create_test_user(*db, "u1");
    create_test_user(*db, "u2");
    entry = create_test_entry(*db, "u1");
  }
  TestDatabase test_db;
  std::unique_ptr<Database> db;
  std::string entry;
};

}  // namespace

TEST_CASE("a visualization is queued only for an entry of the same user", "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;

  const VisualizationRow row = queue(db, "u1", f.entry, "watercolor");
  CHECK(row.entry_id == f.entry);
  CHECK(row.user_id == "u1");
  CHECK(row.style == "watercolor");
  CHECK(row.aspect_ratio == "1:1");
  CHECK(row.status == store::VisualizationStatus::kQueued);
  CHECK(row.attempts == 0);
  CHECK_FALSE(row.provider);
  CHECK_FALSE(row.model);
  CHECK_FALSE(row.mime_type);
  CHECK_FALSE(row.completed_at);
  CHECK(parse_rfc3339_ms(row.created_at).has_value());

  CHECK_FALSE(
      in_tx(db, [&](Repo& r) { return r.insert_for_entry("u2", f.entry, "abstract", "1:1"); }));
  CHECK_FALSE(in_tx(
      db, [&](Repo& r) { return r.insert_for_entry("u1", "no-such-entry", "abstract", "1:1"); }));
  CHECK(count_rows(db, "visualizations", "entry_id", f.entry) == 1);

  CHECK(in_tx(db, [&](Repo& r) { return r.find("u1", row.id); })->id == row.id);
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.find("u2", row.id); }));
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.remove("u2", row.id); }));
  CHECK(in_tx(db, [&](Repo& r) { return r.remove("u1", row.id); }));
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.find("u1", row.id); }));
}

TEST_CASE("visualizations list newest first, page by page, per entry", "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  const std::string other_entry = create_test_entry(db, "u1");
  std::vector<std::string> made;  // oldest first
  for (int i = 0; i < 5; ++i)
    made.push_back(queue(db, "u1", i % 2 == 0 ? f.entry : other_entry).id);
  const std::string u2_entry = create_test_entry(db, "u2");
  queue(db, "u2", u2_entry);

  std::vector<std::string> seen;
  std::optional<store::PageCursor> after;
  for (int page = 0; page < 10; ++page) {
    auto rows = in_tx(db, [&](Repo& r) { return r.list("u1", std::nullopt, 2, after); });
    for (const auto& row : rows) seen.push_back(row.id);
    if (rows.size() < 2) break;
    after = store::PageCursor{rows.back().created_at, rows.back().id};
    // A row inserted between pages is newer than the cursor: it never shows up later.
    if (page == 0) queue(db, "u1", f.entry);
  }
  CHECK(seen == std::vector<std::string>(made.rbegin(), made.rend()));

  auto of_entry = in_tx(db, [&](Repo& r) { return r.list("u1", other_entry, 10, std::nullopt); });
  REQUIRE(of_entry.size() == 2);
  CHECK(of_entry[0].id == made[3]);
  CHECK(of_entry[1].id == made[1]);
  CHECK(in_tx(db, [&](Repo& r) { return r.list("u2", other_entry, 10, std::nullopt); }).empty());
}

TEST_CASE("jobs are claimed oldest first with the entry the prompt needs", "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  CHECK_FALSE(claim(db, "w:0"));

  TestEntry rich;
  rich.situation = "A long walk by the sea";
  rich.thoughts = "I should do this more often";
  rich.emotions = {{"calm", 0.9}, {"grateful", 0.6}, {"tired", 0.2}};
  rich.analysis_status = "ready";
  rich.analysis_summary = "A restful day.";
  rich.analysis_sentiment = "positive";
  const std::string rich_entry = create_test_entry(db, "u1", rich);
  const VisualizationRow first = queue(db, "u1", rich_entry);
  const VisualizationRow second = queue(db, "u1", f.entry);

  auto job = claim(db, "w:0");
  REQUIRE(job);
  CHECK(job->job.id == first.id);
  CHECK(job->job.status == store::VisualizationStatus::kRunning);
  CHECK(job->job.attempts == 1);
  CHECK(job->entry.situation == rich.situation);
  CHECK(job->entry.thoughts == rich.thoughts);
  REQUIRE(job->entry.emotions.size() == 3);
  CHECK(job->entry.emotions[0].name == "calm");
  CHECK(job->entry.emotions[0].intensity == Approx(0.9));
  CHECK(job->entry.emotions[2].name == "tired");
  CHECK(job->entry.analysis_status == store::AnalysisStatus::kReady);
  CHECK(job->entry.analysis_summary == std::optional<std::string>("A restful day."));
  CHECK(job->entry.analysis_sentiment == std::optional<std::string>("positive"));

  auto next = claim(db, "w:1");
  REQUIRE(next);
  CHECK(next->job.id == second.id);
  CHECK_FALSE(next->entry.analysis_summary);
  CHECK_FALSE(claim(db, "w:2"));  // both are leased now
}

TEST_CASE("a user's unfinished jobs are the queued and running ones, not finished or others'",
          "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  auto unfinished = [&db](const std::string& user) {
    return in_tx(db, [&](Repo& r) { return r.lock_and_count_unfinished(user); });
  };
  CHECK(unfinished("u1") == 0);
  const std::string done = queue(db, "u1", f.entry).id;
  const std::string failed = queue(db, "u1", f.entry).id;
  queue(db, "u1", f.entry);
  queue(db, "u1", f.entry);
  CHECK(unfinished("u1") == 4);
  REQUIRE(claim(db, "w:0"));  // `done`, now running: still unfinished
  CHECK(unfinished("u1") == 4);
  CHECK(in_tx(db, [&](Repo& r) { return r.complete_success(done, "w:0", image_of("png")); }));
  REQUIRE(claim(db, "w:0"));
  CHECK(in_tx(db, [&](Repo& r) { return r.fail(failed, "w:0", "CONTENT_BLOCKED", "no"); }));
  queue(db, "u2", create_test_entry(db, "u2"));
  CHECK(unfinished("u1") == 2);
  CHECK(unfinished("u2") == 1);
  CHECK(unfinished("nobody") == 0);
}

TEST_CASE("due jobs are claimed in turns: fewest running, then longest since a turn, then oldest",
          "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  create_test_user(db, "u3");
  const std::string u2_entry = create_test_entry(db, "u2");
  const std::string u3_entry = create_test_entry(db, "u3");
  const std::string a1 = queue(db, "u1", f.entry).id;
  const std::string a2 = queue(db, "u1", f.entry).id;
  const std::string a3 = queue(db, "u1", f.entry).id;
  const std::string b1 = queue(db, "u2", u2_entry).id;
  const std::string b2 = queue(db, "u2", u2_entry).id;
  const std::string b3 = queue(db, "u2", u2_entry).id;

  // The claimed job's id. Each turn gets a millisecond of its own, so turns are ordered.
  auto turn = [&db] {
    auto job = claim(db, "w:0");
    REQUIRE(job);
    std::this_thread::sleep_for(2ms);
    return job->job.id;
  };
  CHECK(turn() == a1);  // nobody has had a turn or has a job running: the oldest job
  CHECK(turn() == b1);  // u2 has none running, u1 has one
  CHECK(turn() == a2);  // one running each: u1's turn is the older
  CHECK(turn() == b2);  // u2 has one running, u1 two
  for (const auto& id : {a1, a2, b1, b2}) {
    CHECK(in_tx(db, [&](Repo& r) { return r.complete_success(id, "w:0", image_of("png")); }));
  }

  // None running now. u3, who never had a turn, comes first although their job is the newest;
  // then u1, whose last turn (a2) is older than u2's (b2); then u2, with none running.
  const std::string c1 = queue(db, "u3", u3_entry).id;
  CHECK(turn() == c1);
  CHECK(turn() == a3);
  CHECK(turn() == b3);
  CHECK_FALSE(claim(db, "w:0"));
}

TEST_CASE("an expired lease makes a job claimable again, and the old owner loses it",
          "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  const VisualizationRow row = queue(db, "u1", f.entry);

  auto first = claim(db, "dead:0", 1ms);
  REQUIRE(first);
  auto second = claim_eventually(db, "alive:0");
  REQUIRE(second);
  CHECK(second->job.id == row.id);
  CHECK(second->job.attempts == 2);

  // The first owner can no longer touch it.
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.renew_lease(row.id, "dead:0", 60s); }));
  CHECK_FALSE(
      in_tx(db, [&](Repo& r) { return r.complete_success(row.id, "dead:0", image_of("x")); }));
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.fail(row.id, "dead:0", "UPSTREAM_ERROR", "m"); }));
  CHECK_FALSE(in_tx(db, [&](Repo& r) {
    return r.retry_later(row.id, "dead:0", format_rfc3339_ms(WallClock::now()), "E", "m");
  }));
  CHECK(count_rows(db, "visualization_images", "visualization_id", row.id) == 0);

  // The new owner can, once.
  CHECK(in_tx(db, [&](Repo& r) { return r.renew_lease(row.id, "alive:0", 60s); }));
  CHECK(in_tx(db, [&](Repo& r) { return r.complete_success(row.id, "alive:0", image_of("png")); }));
  CHECK_FALSE(
      in_tx(db, [&](Repo& r) { return r.complete_success(row.id, "alive:0", image_of("png2")); }));
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.renew_lease(row.id, "alive:0", 60s); }));
  CHECK(count_rows(db, "visualization_images", "visualization_id", row.id) == 1);
  CHECK_FALSE(claim(db, "late:0"));
}

TEST_CASE("a retried job waits for its next attempt; a failed one is final", "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  const VisualizationRow row = queue(db, "u1", f.entry);
  REQUIRE(claim(db, "w:0"));
  const std::string later = format_rfc3339_ms(WallClock::now() + 1h);
  CHECK(in_tx(
      db, [&](Repo& r) { return r.retry_later(row.id, "w:0", later, "UPSTREAM_ERROR", "503"); }));
  auto queued = in_tx(db, [&](Repo& r) { return r.find("u1", row.id); });
  CHECK(queued->status == store::VisualizationStatus::kQueued);
  CHECK(queued->error_code == std::optional<std::string>("UPSTREAM_ERROR"));
  CHECK_FALSE(claim(db, "w:1"));  // not due for an hour

  const VisualizationRow other = queue(db, "u1", f.entry);
  REQUIRE(claim(db, "w:1"));
  CHECK(in_tx(db, [&](Repo& r) { return r.fail(other.id, "w:1", "CONTENT_BLOCKED", "refused"); }));
  auto failed = in_tx(db, [&](Repo& r) { return r.find("u1", other.id); });
  CHECK(failed->status == store::VisualizationStatus::kFailed);
  CHECK(failed->error_code == std::optional<std::string>("CONTENT_BLOCKED"));
  CHECK(failed->error_message == std::optional<std::string>("refused"));
  CHECK(failed->completed_at.has_value());
  CHECK_FALSE(claim(db, "w:2"));
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.image("u1", other.id); }));
}

TEST_CASE("image bytes come back exactly as stored, with their SHA-256", "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  const VisualizationRow row = queue(db, "u1", f.entry);
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.image("u1", row.id); }));
  REQUIRE(claim(db, "w:0"));
  const std::string bytes = all_bytes();
  CHECK(in_tx(db, [&](Repo& r) { return r.complete_success(row.id, "w:0", image_of(bytes)); }));

  auto stored = in_tx(db, [&](Repo& r) { return r.image("u1", row.id); });
  REQUIRE(stored);
  CHECK(stored->bytes.size() == bytes.size());
  CHECK(stored->bytes == bytes);
  CHECK(stored->mime_type == "image/png");
  CHECK(stored->sha256 == digest::sha256_hex(bytes));
  CHECK(digest::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_FALSE(in_tx(db, [&](Repo& r) { return r.image("u2", row.id); }));

  auto done = in_tx(db, [&](Repo& r) { return r.find("u1", row.id); });
  CHECK(done->status == store::VisualizationStatus::kSucceeded);
  CHECK(done->provider == std::optional<std::string>("mock"));
  CHECK(done->model == std::optional<std::string>("mock-1"));
  CHECK(done->width == std::optional<int>(256));
  CHECK(done->height == std::optional<int>(256));
  CHECK(done->image_size == std::optional<long long>(static_cast<long long>(bytes.size())));
  CHECK(done->image_sha256 == stored->sha256);
  CHECK(done->completed_at.has_value());

  // Deleting the entry takes the visualization and its image with it.
  delete_test_entry(db, f.entry);
  CHECK(count_rows(db, "visualizations", "id", row.id) == 0);
  CHECK(count_rows(db, "visualization_images", "visualization_id", row.id) == 0);
}

TEST_CASE("a job or an entry whose status the core does not know reads as an error",
          "[store][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Database& db = *f.db;
  const VisualizationRow odd = queue(db, "u1", f.entry);
  const VisualizationRow fine = queue(db, "u1", create_test_entry(db, "u1"));
  write_unchecked(db, "visualizations", "status", "archived", "id = '" + odd.id + "'");

  auto found =
      db.run("test.viz.find", [&](soci::session& sql) { return Repo(sql).find("u1", odd.id); });
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == ErrorCode::kInternal);
  CHECK(in_tx(db, [&](Repo& r) { return r.find("u1", fine.id); }).has_value());

  // A claim reads the job's entry too: its analysis status is checked the same way.
  write_unchecked(db, "entries", "analysis_status", "archived", "id = '" + fine.entry_id + "'");
  auto claimed = db.transaction("test.viz.claim",
                                [](soci::session& sql) { return Repo(sql).claim_due("w:0", 60s); });
  REQUIRE_FALSE(claimed.ok());
  CHECK(claimed.error().code == ErrorCode::kInternal);
}

TEST_CASE("concurrent claimers on PostgreSQL never get the same job", "[store][viz][postgres]") {
  Fixture f("postgresql");
  Database& db = *f.db;
  constexpr int kJobs = 40;
  std::set<std::string> queued;
  for (int i = 0; i < kJobs; ++i) queued.insert(queue(db, "u1", f.entry).id);

  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::string> errors;
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&, t] {
      const std::string owner = "w:" + std::to_string(t);
      for (;;) {
        auto job = db.transaction(
            "test.claim", [&](soci::session& sql) { return Repo(sql).claim_due(owner, 60s); });
        std::lock_guard lock(mu);
        if (!job.ok()) {
          errors.push_back(job.error().message);
          return;
        }
        if (!*job) return;
        claimed.push_back((*job)->job.id);
      }
    });
  }
  for (auto& t : claimers) t.join();
  CHECK(errors.empty());
  CHECK(claimed.size() == kJobs);
  CHECK(std::set<std::string>(claimed.begin(), claimed.end()) == queued);
}
