// UsageRecorder queues usage records without touching the database and writes them in the
// background: nothing is lost while the database is away and the queue has room, and whatever
// is lost is counted.
#include "core/services/usage_recorder.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "core/store/migrations.h"
#include "core/store/quota_repository.h"
#include "core/store/usage_repository.h"
#include "core/store/users_repository.h"
#include "tests/support/postgres_instance.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"

using moodgate::ErrorCode;
using moodgate::Status;
using moodgate::ai::UsageRecord;
using moodgate::services::UsageRecorder;
using moodgate::services::UsageRecorderOptions;
using moodgate::store::Database;
using moodgate::testing::count_rows;
using moodgate::testing::create_test_user;
using moodgate::testing::make_test_database;
using moodgate::testing::open_migrated;
using moodgate::testing::open_or_fail;
using moodgate::testing::test_backend_names;
using namespace std::chrono_literals;

namespace {

// Options under which the writer never wakes by itself: only flush() and stop() write.
UsageRecorderOptions manual_options(std::size_t queue_limit = 10000) {
  UsageRecorderOptions options;
  options.queue_limit = queue_limit;
  options.batch_size = 1000;
  options.flush_interval = std::chrono::hours(1);
  return options;
}

UsageRecord call(const std::string& request_id, std::optional<std::string> user_id = std::nullopt) {
  UsageRecord r;
  r.user_id = std::move(user_id);
  r.request_id = request_id;
  r.capability = moodgate::config::Capability::kScenarios;
  r.provider = "gemini-main";
  r.model = "gemini-2.5-flash";
  r.tokens_in = 100;
  r.tokens_out = 40;
  r.cost_usd = 0.0025;
  r.latency = 350ms;
  r.outcome = "ok";
  r.attempts = 1;
  return r;
}

long long rows(Database& db) {
  auto count = db.run("test.ai_usage.count", [](soci::session& sql) {
    long long n = -1;
    sql << "SELECT count(*) FROM ai_usage", soci::into(n);
    return n;
  });
  if (!count.ok()) FAIL("counting rows failed: " << count.error().message);
  return *count;
}

// Request ids of the stored rows, oldest first.
std::vector<std::string> stored_request_ids(Database& db) {
  auto recent = db.run("test.ai_usage.recent", [](soci::session& sql) {
    return moodgate::store::UsageRepository(sql).recent(1000);
  });
  if (!recent.ok()) FAIL("reading rows failed: " << recent.error().message);
  std::vector<std::string> ids;
  for (auto it = recent->rbegin(); it != recent->rend(); ++it) ids.push_back(it->request_id);
  return ids;
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds within = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A SQLite database whose writers give up after `busy_timeout_ms`, and a second connection to the
// same file that can hold the write lock (BEGIN IMMEDIATE) to make every write fail as busy.
struct BusySqlite {
  explicit BusySqlite(int busy_timeout_ms) : test_db(make_test_database("sqlite")) {
    auto config = test_db.config(2);
    config.busy_timeout_ms = busy_timeout_ms;
    db = open_or_fail(config);
    auto migrated = moodgate::store::migrate(*db, moodgate::store::default_schema_dir());
    if (!migrated) FAIL("migrate failed: " << migrated.error().message);
    blocker = open_or_fail(test_db.config(1));
  }
  void block() {
    auto acquired = blocker->acquire();
    if (!acquired) FAIL("acquire failed: " << acquired.error().message);
    lease.emplace(std::move(acquired).value());
    lease->session() << "BEGIN IMMEDIATE";
  }
  void unblock() {
    lease->session() << "ROLLBACK";
    lease.reset();
  }

  moodgate::testing::TestDatabase test_db;
  std::unique_ptr<Database> db;
  std::unique_ptr<Database> blocker;
  std::optional<moodgate::store::SessionLease> lease;
};

}  // namespace

TEST_CASE("usage recorded from many threads at once is all in the table after flush()",
          "[services][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u-1");

  UsageRecorderOptions options;
  options.batch_size = 64;
  UsageRecorder recorder(*db, options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&recorder, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::optional<std::string> user;
        if (i % 2 == 0) user = "u-1";
        recorder.record(call("t" + std::to_string(t) + "-" + std::to_string(i), user));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const Status flushed = recorder.flush();
  REQUIRE(flushed.ok());
  CHECK(recorder.written() == kThreads * kPerThread);
  CHECK(recorder.dropped() == 0);
  CHECK(recorder.queued() == 0);
  CHECK(rows(*db) == kThreads * kPerThread);

  auto distinct = db->run("test.ai_usage.distinct", [](soci::session& sql) {
    long long n = -1;
    sql << "SELECT count(DISTINCT request_id) FROM ai_usage", soci::into(n);
    return n;
  });
  REQUIRE(distinct.ok());
  CHECK(*distinct == kThreads * kPerThread);

  auto totals = db->run("test.ai_usage.totals", [](soci::session& sql) {
    return moodgate::store::UsageRepository(sql).totals_for_user("u-1");
  });
  REQUIRE(totals.ok());
  constexpr long long kUserCalls = kThreads * kPerThread / 2;
  CHECK(totals->calls == kUserCalls);
  CHECK(totals->tokens_in == kUserCalls * 100);
  CHECK(totals->tokens_out == kUserCalls * 40);
  CHECK(totals->cost_usd == Approx(kUserCalls * 0.0025));
}

TEST_CASE("queued usage is written within the flush interval without a flush()",
          "[services][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  UsageRecorderOptions options;
  options.flush_interval = 20ms;
  UsageRecorder recorder(*db, options);
  recorder.record(call("r-1"));
  recorder.record(call("r-2"));
  recorder.record(call("r-3"));
  CHECK(eventually([&] { return recorder.written() == 3; }));
  CHECK(rows(*db) == 3);
  CHECK(stored_request_ids(*db) == std::vector<std::string>{"r-1", "r-2", "r-3"});
}

TEST_CASE("flushing a usage recorder with nothing queued returns at once", "[services][usage]") {
  auto test_db = make_test_database("sqlite");
  auto db = open_migrated(test_db);
  UsageRecorder recorder(*db, manual_options());
  CHECK(recorder.flush().ok());
  CHECK(recorder.written() == 0);
}

TEST_CASE("stopping the usage recorder writes what is queued and drops what comes later",
          "[services][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  UsageRecorder recorder(*db, manual_options());
  for (int i = 0; i < 50; ++i) recorder.record(call("r-" + std::to_string(i)));
  CHECK(recorder.queued() == 50);
  CHECK(recorder.written() == 0);
  CHECK(rows(*db) == 0);

  recorder.stop();
  CHECK(recorder.written() == 50);
  CHECK(recorder.queued() == 0);
  CHECK(rows(*db) == 50);

  recorder.stop();  // idempotent
  recorder.record(call("late"));
  CHECK(recorder.dropped() == 1);
  CHECK(recorder.queued() == 0);
  CHECK(recorder.flush().ok());
  CHECK(rows(*db) == 50);
}

TEST_CASE("destroying the usage recorder writes what is queued", "[services][usage]") {
  auto test_db = make_test_database("sqlite");
  auto db = open_migrated(test_db);
  {
    UsageRecorder recorder(*db, manual_options());
    recorder.record(call("r-1"));
    recorder.record(call("r-2"));
  }
  CHECK(rows(*db) == 2);
}

TEST_CASE("a full usage queue drops new records and counts them", "[services][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  UsageRecorder recorder(*db, manual_options(4));
  for (int i = 0; i < 10; ++i) recorder.record(call("r-" + std::to_string(i)));
  CHECK(recorder.queued() == 4);
  CHECK(recorder.dropped() == 6);

  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 4);
  CHECK(recorder.dropped() == 6);
  CHECK(stored_request_ids(*db) == std::vector<std::string>{"r-0", "r-1", "r-2", "r-3"});

  // Room again once written.
  recorder.record(call("r-10"));
  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 5);
  CHECK(recorder.dropped() == 6);
}

TEST_CASE("a usage record the table refuses is dropped alone, the rest of its batch is written",
          "[services][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  UsageRecorder recorder(*db, manual_options());
  UsageRecord bad = call("r-bad");
  bad.tokens_in = -1;  // the CHECK allows no negative count
  recorder.record(call("r-1"));
  recorder.record(bad);
  recorder.record(call("r-2"));
  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 2);
  CHECK(recorder.dropped() == 1);
  CHECK(stored_request_ids(*db) == std::vector<std::string>{"r-1", "r-2"});

  // The queue is not stuck behind it.
  recorder.record(call("r-3"));
  REQUIRE(recorder.flush().ok());
  CHECK(stored_request_ids(*db) == std::vector<std::string>{"r-1", "r-2", "r-3"});
}

TEST_CASE("usage records outlast a locked database and are written once it frees up",
          "[services][usage]") {
  BusySqlite sqlite(100);
  UsageRecorder recorder(*sqlite.db, manual_options());
  recorder.record(call("before-1"));
  REQUIRE(recorder.flush().ok());

  sqlite.block();
  for (int i = 0; i < 5; ++i) recorder.record(call("r-" + std::to_string(i)));
  const Status failed = recorder.flush();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ErrorCode::kUnavailable);
  CHECK(recorder.written() == 1);
  CHECK(recorder.dropped() == 0);

  for (int i = 5; i < 10; ++i) recorder.record(call("r-" + std::to_string(i)));
  CHECK_FALSE(recorder.flush().ok());
  CHECK(recorder.dropped() == 0);

  sqlite.unblock();
  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 11);
  CHECK(recorder.dropped() == 0);
  CHECK(recorder.queued() == 0);
  std::vector<std::string> expected{"before-1"};
  for (int i = 0; i < 10; ++i) expected.push_back("r-" + std::to_string(i));
  CHECK(stored_request_ids(*sqlite.db) == expected);
}

TEST_CASE("usage that cannot be written gives way to newer usage when the queue overflows",
          "[services][usage]") {
  // Writers wait 2 s for the lock: long enough to queue newer records while a batch is out.
  BusySqlite sqlite(2000);
  UsageRecorderOptions options = manual_options(4);
  options.batch_size = 4;
  UsageRecorder recorder(*sqlite.db, options);

  sqlite.block();
  for (int i = 0; i < 4; ++i) recorder.record(call("old-" + std::to_string(i)));
  auto failing_flush = std::async(std::launch::async, [&] { return recorder.flush(); });
  REQUIRE(eventually([&] { return recorder.queued() == 0; }));  // the batch is being written
  for (int i = 0; i < 4; ++i) recorder.record(call("new-" + std::to_string(i)));
  CHECK(recorder.dropped() == 0);  // the queue had room for them

  CHECK_FALSE(failing_flush.get().ok());
  CHECK(recorder.dropped() == 4);

  sqlite.unblock();
  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 4);
  CHECK(stored_request_ids(*sqlite.db) ==
        std::vector<std::string>{"new-0", "new-1", "new-2", "new-3"});
}

TEST_CASE("a flush() that finds its records already being written returns once they are",
          "[services][usage]") {
  BusySqlite sqlite(5000);
  UsageRecorderOptions options = manual_options();
  options.batch_size = 1;  // the first record wakes the writer at once
  UsageRecorder recorder(*sqlite.db, options);

  sqlite.block();
  recorder.record(call("r-1"));
  REQUIRE(eventually([&] { return recorder.queued() == 0; }));  // r-1 is waiting for the lock
  // Freed while flush() waits (the timing only decides whether flush() starts before or after
  // the write; it must return OK either way).
  std::thread unblocker([&] {
    std::this_thread::sleep_for(200ms);
    sqlite.unblock();
  });
  const Status flushed = recorder.flush();
  unblocker.join();
  REQUIRE(flushed.ok());
  CHECK(recorder.written() == 1);

  // The writer is idle again, not spinning on the answered request.
  recorder.record(call("r-2"));
  REQUIRE(recorder.flush().ok());
  CHECK(recorder.written() == 2);
  CHECK(stored_request_ids(*sqlite.db) == std::vector<std::string>{"r-1", "r-2"});
}

TEST_CASE("stopping the usage recorder while the database is locked counts what is lost",
          "[services][usage]") {
  BusySqlite sqlite(100);
  UsageRecorder recorder(*sqlite.db, manual_options());
  sqlite.block();
  recorder.record(call("r-1"));
  recorder.record(call("r-2"));
  recorder.stop();
  CHECK(recorder.written() == 0);
  CHECK(recorder.dropped() == 2);
  CHECK(recorder.queued() == 0);
  sqlite.unblock();
  CHECK(rows(*sqlite.db) == 0);
}

TEST_CASE("usage records outlast a PostgreSQL outage and are written once it is back",
          "[services][usage][postgres]") {
  moodgate::testing::PostgresInstance server;
  moodgate::config::DatabaseConfig config;
  config.url = server.admin_url();
  config.pool_size = 2;
  config.acquire_timeout_ms = 1000;
  config.connect_timeout_s = 2;
  auto db = open_or_fail(config);
  REQUIRE(moodgate::store::migrate(*db, moodgate::store::default_schema_dir()).ok());

  UsageRecorder recorder(*db, manual_options());
  for (int i = 0; i < 5; ++i) recorder.record(call("before-" + std::to_string(i)));
  REQUIRE(recorder.flush().ok());

  server.stop();
  for (int i = 0; i < 5; ++i) recorder.record(call("during-" + std::to_string(i)));
  const Status failed = recorder.flush();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ErrorCode::kUnavailable);
  CHECK(recorder.dropped() == 0);

  server.start();
  // The first write after the restart may still meet a session that has to reconnect.
  CHECK(eventually([&] { return recorder.flush().ok(); }, 30s));
  CHECK(recorder.written() == 10);
  CHECK(recorder.dropped() == 0);
  CHECK(rows(*db) == 10);
}

TEST_CASE("a usage record settles its quota reservation when billed, refunds it when not, and "
          "adds to its instance's budget",
          "[services][usage][quota]") {
  using moodgate::config::Capability;
  using moodgate::config::RateLimitRule;
  using moodgate::config::SpendLimitRule;
  using moodgate::store::QuotaRepository;
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u-1");
  moodgate::ai::ProviderBudgets budgets;
  UsageRecorder recorder(*db, manual_options(), &budgets);
  const std::int64_t now = std::time(nullptr);
  const RateLimitRule calls{5, 86400};
  const SpendLimitRule spend{1'000'000, 86400};
  const auto reserve = [&] {
    auto held = db->run("test.reserve", [&](soci::session& sql) {
      return QuotaRepository(sql).reserve("u-1", Capability::kScenarios, calls, spend, 10'000,
                                          now, 600);
    });
    REQUIRE(held.ok());
    REQUIRE(held->granted());
    return held->id;
  };
  const auto usage = [&] {
    moodgate::config::QuotaLimits limits;
    limits.scenarios = calls;
    limits.spend_usd = spend;
    auto u = db->run("test.usage", [&](soci::session& sql) {
      return QuotaRepository(sql).usage("u-1", limits, now);
    });
    REQUIRE(u.ok());
    return *u;
  };

  UsageRecord billed = call("billed", "u-1");
  billed.reservation_id = reserve();
  billed.budget_window_s = 86400;  // gemini-main has a daily budget
  UsageRecord failed = call("failed", "u-1");
  failed.reservation_id = reserve();
  failed.outcome = "unavailable";
  failed.cost_usd = 0;
  UsageRecord unsent;  // no instance was tried: nothing to store, the reservation comes back
  unsent.user_id = "u-1";
  unsent.reservation_id = reserve();
  unsent.outcome = "invalid_request";
  unsent.stored = false;
  CHECK(usage().calls.at(Capability::kScenarios).used == 3);
  CHECK(usage().spend.used == 30'000);

  recorder.record(billed);
  recorder.record(failed);
  recorder.record(unsent);
  REQUIRE(recorder.flush().ok());

  CHECK(count_rows(*db, "ai_usage", "user_id", "u-1") == 2);  // billed and failed, not unsent
  CHECK(count_rows(*db, "quota_reservations", "user_id", "u-1") == 0);
  const auto after = usage();
  CHECK(after.calls.at(Capability::kScenarios).used == 1);  // only the billed call stays
  CHECK(after.spend.used == 2'500);                          // at its real cost, 0.0025 USD
  // Its instance's budget window has the cost, in the table and in the budgets at once.
  moodgate::config::ProviderInstanceConfig gemini;
  gemini.name = "gemini-main";
  gemini.budget_usd = SpendLimitRule{5'000, 86400};
  const auto standing = budgets.standing(gemini, now);
  REQUIRE(standing.has_value());
  CHECK(standing->spent_micros == 2'500);
  REQUIRE(moodgate::services::refresh_provider_budgets(*db, budgets).ok());
  CHECK(budgets.standing(gemini, now)->spent_micros == 2'500);
  CHECK(count_rows(*db, "provider_spend", "instance", "gemini-main") == 1);

  // Another batch adds to the same window's row.
  UsageRecord again = call("again", "u-1");
  again.budget_window_s = 86400;
  recorder.record(again);
  REQUIRE(recorder.flush().ok());
  REQUIRE(moodgate::services::refresh_provider_budgets(*db, budgets).ok());
  CHECK(budgets.standing(gemini, now)->spent_micros == 5'000);
  CHECK(budgets.standing(gemini, now)->exhausted());
  CHECK(count_rows(*db, "provider_spend", "instance", "gemini-main") == 1);
}
