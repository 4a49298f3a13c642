// UsageRepository stores one ai_usage row per AI call and reads it back unchanged, on both
// backends; rows outlive the user they belonged to; a capability the core does not know reads
// as an error.
#include "core/store/usage_repository.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/store/database.h"
#include "core/store/users_repository.h"
#include "tests/support/test_databases.h"

using moodgate::ai::UsageRecord;
using moodgate::config::Capability;
using moodgate::store::Database;
using moodgate::store::UsageRepository;
using moodgate::store::UsageTotals;
using moodgate::testing::create_test_user;
using moodgate::testing::make_test_database;
using moodgate::testing::open_migrated;
using moodgate::testing::test_backend_names;
using moodgate::testing::write_unchecked;

namespace {

void insert(Database& db, const std::vector<UsageRecord>& records) {
  auto inserted = db.transaction("test.ai_usage.insert",
                                 [&](soci::session& sql) { UsageRepository(sql).insert(records); });
  if (!inserted.ok()) FAIL("insert failed: " << inserted.error().message);
}

std::vector<UsageRecord> recent(Database& db, int limit) {
  auto rows = db.run("test.ai_usage.recent",
                     [&](soci::session& sql) { return UsageRepository(sql).recent(limit); });
  if (!rows.ok()) FAIL("recent failed: " << rows.error().message);
  return std::move(rows).value();
}

UsageTotals totals(Database& db, const std::string& user_id) {
  auto sums = db.run("test.ai_usage.totals", [&](soci::session& sql) {
    return UsageRepository(sql).totals_for_user(user_id);
  });
  if (!sums.ok()) FAIL("totals_for_user failed: " << sums.error().message);
  return *sums;
}

UsageRecord analysis_by(const std::string& user_id) {
  UsageRecord r;
  r.user_id = user_id;
  r.request_id = "req-0001";
  r.capability = Capability::kAnalysis;
  r.provider = "gemini-main";
  r.model = "gemini-2.5-flash";
  r.tokens_in = 1234;
  r.tokens_out = 567;
  r.cost_usd = 0.000731;
  r.latency = std::chrono::milliseconds(1842);
  r.outcome = "ok";
  r.attempts = 2;
  return r;
}

UsageRecord anonymous_image() {
  UsageRecord r;
  r.capability = Capability::kImage;
  r.provider = "nano-banana";
  r.model = "gemini-2.5-flash-image";
  r.tokens_in = 10;
  r.tokens_out = 0;
  r.cost_usd = 0.039;
  r.latency = std::chrono::milliseconds(30001);
  r.outcome = "timeout";
  r.attempts = 3;
  return r;
}

void check_same(const UsageRecord& got, const UsageRecord& want) {
  CHECK(got.user_id == want.user_id);
  CHECK(got.request_id == want.request_id);
  CHECK(got.capability == want.capability);
  CHECK(got.provider == want.provider);
  CHECK(got.model == want.model);
  CHECK(got.tokens_in == want.tokens_in);
  CHECK(got.tokens_out == want.tokens_out);
  CHECK(got.cost_usd == Approx(want.cost_usd).epsilon(1e-12));
  CHECK(got.latency == want.latency);
  CHECK(got.outcome == want.outcome);
  CHECK(got.attempts == want.attempts);
}

}  // namespace

TEST_CASE("usage records read back field for field, newest first, with or without a user",
          "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u-1");

  const UsageRecord first = analysis_by("u-1");
  const UsageRecord second = anonymous_image();
  UsageRecord third = analysis_by("u-1");
  third.capability = Capability::kSummary;
  third.request_id = "req-0002";
  insert(*db, {first, second});
  insert(*db, {third});

  const auto rows = recent(*db, 10);
  REQUIRE(rows.size() == 3);
  check_same(rows[0], third);
  check_same(rows[1], second);
  check_same(rows[2], first);
  CHECK_FALSE(rows[1].user_id.has_value());
  CHECK(rows[1].request_id.empty());

  const auto newest = recent(*db, 2);
  REQUIRE(newest.size() == 2);
  CHECK(newest[0].request_id == "req-0002");
  CHECK(newest[1].capability == Capability::kImage);
  CHECK(recent(*db, 0).empty());
}

TEST_CASE("an empty request id is stored as NULL", "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  insert(*db, {anonymous_image()});
  auto nulls = db->run("test.ai_usage.nulls", [](soci::session& sql) {
    int count = -1;
    sql << "SELECT count(*) FROM ai_usage WHERE request_id IS NULL AND user_id IS NULL",
        soci::into(count);
    return count;
  });
  REQUIRE(nulls.ok());
  CHECK(*nulls == 1);
}

TEST_CASE("inserting no usage records does nothing", "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  insert(*db, {});
  CHECK(recent(*db, 10).empty());
}

TEST_CASE("a usage batch with a row the table refuses leaves no rows", "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);

  UsageRecord bad = anonymous_image();
  bad.tokens_in = -1;  // the CHECK allows no negative count
  auto inserted = db->transaction("test.ai_usage.insert", [&](soci::session& sql) {
    UsageRepository(sql).insert({anonymous_image(), bad});
  });
  CHECK_FALSE(inserted.ok());
  CHECK(recent(*db, 10).empty());
}

TEST_CASE("a usage row whose capability the core does not know reads as an error",
          "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  insert(*db, {anonymous_image()});
  write_unchecked(*db, "ai_usage", "capability", "poetry", "capability = 'image'");

  auto rows = db->run("test.ai_usage.recent",
                      [](soci::session& sql) { return UsageRepository(sql).recent(10); });
  REQUIRE_FALSE(rows.ok());
  CHECK(rows.error().code == moodgate::ErrorCode::kInternal);
}

TEST_CASE("usage totals add up one user's calls, tokens and cost", "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u-1");
  create_test_user(*db, "u-2");

  const UsageTotals none = totals(*db, "u-1");
  CHECK(none.calls == 0);
  CHECK(none.tokens_in == 0);
  CHECK(none.tokens_out == 0);
  CHECK(none.cost_usd == 0);

  UsageRecord other = analysis_by("u-2");
  other.tokens_in = 99999;
  insert(*db, {analysis_by("u-1"), analysis_by("u-1"), anonymous_image(), other});
  UsageRecord failed = analysis_by("u-1");
  failed.tokens_in = 6;
  failed.tokens_out = 0;
  failed.cost_usd = 0;
  failed.outcome = "upstream_error";
  insert(*db, {failed});

  const UsageTotals u1 = totals(*db, "u-1");
  CHECK(u1.calls == 3);
  CHECK(u1.tokens_in == 2 * 1234 + 6);
  CHECK(u1.tokens_out == 2 * 567);
  CHECK(u1.cost_usd == Approx(2 * 0.000731).epsilon(1e-12));
  const UsageTotals u2 = totals(*db, "u-2");
  CHECK(u2.calls == 1);
  CHECK(u2.tokens_in == 99999);
}

TEST_CASE("deleting a user keeps their usage rows, without the user", "[store][usage]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  auto db = open_migrated(test_db);
  create_test_user(*db, "u-1");
  insert(*db, {analysis_by("u-1"), analysis_by("u-1")});

  auto removed = db->transaction("test.users.remove", [](soci::session& sql) {
    return moodgate::store::UsersRepository(sql).remove("u-1");
  });
  REQUIRE(removed.ok());
  REQUIRE(*removed);

  const auto rows = recent(*db, 10);
  REQUIRE(rows.size() == 2);
  for (const UsageRecord& row : rows) {
    CHECK_FALSE(row.user_id.has_value());
    CHECK(row.tokens_in == 1234);
    CHECK(row.cost_usd == Approx(0.000731).epsilon(1e-12));
    CHECK(row.request_id == "req-0001");
  }
  CHECK(totals(*db, "u-1").calls == 0);
}

TEST_CASE("usage statements leave no prepared statements behind on PostgreSQL", "[store][usage]") {
  auto test_db = make_test_database("postgresql");
  auto db = open_migrated(test_db, 1);
  create_test_user(*db, "u-1");
  insert(*db, {analysis_by("u-1"), anonymous_image()});
  CHECK(recent(*db, 5).size() == 2);
  CHECK(totals(*db, "u-1").calls == 1);
  auto prepared = db->run("test.prepared", [](soci::session& sql) {
    int count = -1;
    sql << "SELECT count(*) FROM pg_prepared_statements", soci::into(count);
    return count;
  });
  REQUIRE(prepared.ok());
  CHECK(*prepared == 0);
}
