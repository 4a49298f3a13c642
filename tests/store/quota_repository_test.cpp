// QuotaRepository, one operation at a time, on both backends: reservations counted up to each
// limit and refused past it with the limit and its reset, windows that roll over, settling,
// refunding and expiry, usage as GET /usage shows it, and operator overrides. Concurrency is in
// quota_concurrency_test.cpp.
#include "core/store/quota_repository.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "core/store/database.h"
#include "core/store/users_repository.h"
#include "tests/store/quota_test_support.h"
#include "tests/support/test_databases.h"

using moodgate::config::Capability;
using moodgate::config::QuotaLimits;
using moodgate::store::QuotaRefusal;
using moodgate::store::QuotaRepository;
using moodgate::store::QuotaReservation;
using namespace moodgate::testing;

TEST_CASE("Calls are counted up to the limit, then refused until the window resets",
          "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("3/1d", "off");

  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const QuotaReservation r = reserve(*q.db, ask);
    REQUIRE(r.granted());
    CHECK_FALSE(r.id.empty());
    ids.insert(r.id);
  }
  CHECK(ids.size() == 3);

  ask.now = kDayStart + kDay - 1;  // the window's last second
  const QuotaReservation refused = reserve(*q.db, ask);
  REQUIRE_FALSE(refused.granted());
  CHECK(refused.id.empty());
  CHECK(refused.refusal->limit == QuotaRefusal::Limit::kCalls);
  CHECK(refused.refusal->allowed == 3);
  CHECK(refused.refusal->used == 3);
  CHECK(refused.refusal->resets_at == kDayStart + kDay);
  CHECK(count_rows(*q.db, "quota_reservations") == 3);

  // Other capabilities and other users count on their own.
  Ask image = ask;
  image.capability = Capability::kImage;
  CHECK(reserve(*q.db, image).granted());
  Ask other = ask;
  other.user = "u-2";
  CHECK(reserve(*q.db, other).granted());

  // The next window starts from zero.
  ask.now = kDayStart + kDay;
  CHECK(reserve(*q.db, ask).granted());
  CHECK(usage(*q.db, "u-1", analysis_limits("3/1d", "off"), ask.now)
            .calls.at(Capability::kAnalysis)
            .used == 1);
}

TEST_CASE("A spend cap lets calls through while the spend is under it", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("off", "1.00/1d", 300'000);

  for (int i = 0; i < 4; ++i) CHECK(reserve(*q.db, ask).granted());  // 0, 0.3, 0.6, 0.9 < 1.0
  const QuotaReservation refused = reserve(*q.db, ask);              // 1.2 spent
  REQUIRE_FALSE(refused.granted());
  CHECK(refused.refusal->limit == QuotaRefusal::Limit::kSpend);
  CHECK(refused.refusal->allowed == 1'000'000);
  CHECK(refused.refusal->used == 1'200'000);
  CHECK(refused.refusal->resets_at == kDayStart + kDay);
  // A call without a calls limit is not counted as a call.
  const auto seen = usage(*q.db, "u-1", analysis_limits("off", "1.00/1d"), kNow);
  CHECK(seen.spend.used == 1'200'000);
  CHECK(seen.spend.remaining == 0);
  CHECK(seen.calls.at(Capability::kAnalysis).used == 0);
  CHECK_FALSE(seen.calls.at(Capability::kAnalysis).limit.has_value());
}

TEST_CASE("A refusal names the limit in the way, the later-resetting one when both are",
          "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("1/1h", "0.000001/1d", 1);
  REQUIRE(reserve(*q.db, ask).granted());
  QuotaReservation refused = reserve(*q.db, ask);
  REQUIRE_FALSE(refused.granted());
  CHECK(refused.refusal->limit == QuotaRefusal::Limit::kSpend);
  CHECK(refused.refusal->resets_at == kDayStart + kDay);

  // Next hour the calls window has room, the spend window has not.
  ask.now += 3600;
  refused = reserve(*q.db, ask);
  REQUIRE_FALSE(refused.granted());
  CHECK(refused.refusal->limit == QuotaRefusal::Limit::kSpend);

  // Calls used up under a spend cap with room: the calls limit is named.
  ask.user = "u-2";
  ask.spend = spend_cap("1.00/1d");
  REQUIRE(reserve(*q.db, ask).granted());
  refused = reserve(*q.db, ask);
  REQUIRE_FALSE(refused.granted());
  CHECK(refused.refusal->limit == QuotaRefusal::Limit::kCalls);
  CHECK(refused.refusal->resets_at == kDayStart + 3 * 3600);
}

TEST_CASE("With every limit off a reservation counts nothing and stores nothing",
          "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask;
  ask.estimate = 5'000'000;
  for (int i = 0; i < 3; ++i) {
    const QuotaReservation r = reserve(*q.db, ask);
    CHECK(r.granted());
    CHECK(r.id.empty());
  }
  CHECK(count_rows(*q.db, "quota_counters") == 0);
  CHECK(count_rows(*q.db, "quota_reservations") == 0);
  CHECK_FALSE(settle(*q.db, "", 0));
  CHECK_FALSE(refund(*q.db, ""));
}

TEST_CASE("Settling makes the spend the real cost and keeps the call counted", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("5/1d", "1.00/1d", 400'000);
  const QuotaReservation first = reserve(*q.db, ask);
  const QuotaReservation second = reserve(*q.db, ask);
  REQUIRE(first.granted());
  REQUIRE(second.granted());

  CHECK(settle(*q.db, first.id, 150'000));   // cheaper than estimated
  CHECK(settle(*q.db, second.id, 650'000));  // dearer
  const auto seen = usage(*q.db, "u-1", analysis_limits("5/1d", "1.00/1d"), kNow);
  CHECK(seen.spend.used == 800'000);
  CHECK(seen.calls.at(Capability::kAnalysis).used == 2);
  CHECK(count_rows(*q.db, "quota_reservations") == 0);

  // Settled once: settling again, or refunding, changes nothing.
  CHECK_FALSE(settle(*q.db, first.id, 0));
  CHECK_FALSE(refund(*q.db, first.id));
  CHECK_FALSE(settle(*q.db, "no-such-reservation", 1));
  const auto after = usage(*q.db, "u-1", analysis_limits("5/1d", "1.00/1d"), kNow);
  CHECK(after.spend.used == 800'000);
  CHECK(after.calls.at(Capability::kAnalysis).used == 2);
}

TEST_CASE("Refunding gives back the call and its estimate", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("2/1d", "1.00/1d", 100'000);
  const QuotaReservation first = reserve(*q.db, ask);
  REQUIRE(first.granted());
  REQUIRE(reserve(*q.db, ask).granted());
  REQUIRE_FALSE(reserve(*q.db, ask).granted());

  CHECK(refund(*q.db, first.id));
  const auto seen = usage(*q.db, "u-1", analysis_limits("2/1d", "1.00/1d"), kNow);
  CHECK(seen.calls.at(Capability::kAnalysis).used == 1);
  CHECK(seen.spend.used == 100'000);
  CHECK(reserve(*q.db, ask).granted());  // the call given back is used again
  CHECK_FALSE(refund(*q.db, first.id));  // once only
  CHECK_FALSE(settle(*q.db, first.id, 100'000));
  CHECK(usage(*q.db, "u-1", analysis_limits("2/1d", "1.00/1d"), kNow)
            .calls.at(Capability::kAnalysis)
            .used == 2);
}

TEST_CASE("Settling or refunding after the window ended leaves the new window alone",
          "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("2/1h", "1.00/1h", 300'000);
  ask.now = kDayStart + 3599;
  const QuotaReservation late = reserve(*q.db, ask);
  const QuotaReservation later = reserve(*q.db, ask);
  REQUIRE(late.granted());
  REQUIRE(later.granted());

  ask.now = kDayStart + 3600;  // the next window
  REQUIRE(reserve(*q.db, ask).granted());
  CHECK(refund(*q.db, late.id));
  CHECK(settle(*q.db, later.id, 900'000));
  const auto seen = usage(*q.db, "u-1", analysis_limits("2/1h", "1.00/1h"), ask.now);
  CHECK(seen.calls.at(Capability::kAnalysis).used == 1);
  CHECK(seen.spend.used == 300'000);
  CHECK(seen.calls.at(Capability::kAnalysis).resets_at == kDayStart + 7200);
}

TEST_CASE("Expiry refunds the reservations past their TTL, and only those", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("2/1d", "1.00/1d", 250'000);
  const QuotaReservation early = reserve(*q.db, ask);  // expires at kNow + 600
  ask.now = kNow + 300;
  const QuotaReservation late = reserve(*q.db, ask);  // expires at kNow + 900
  REQUIRE(early.granted());
  REQUIRE(late.granted());
  REQUIRE_FALSE(reserve(*q.db, ask).granted());

  CHECK(expire(*q.db, kNow + kTtl) == 0);  // due, not yet past
  CHECK(expire(*q.db, kNow + kTtl + 1) == 1);
  const auto seen = usage(*q.db, "u-1", analysis_limits("2/1d", "1.00/1d"), kNow + kTtl + 1);
  CHECK(seen.calls.at(Capability::kAnalysis).used == 1);
  CHECK(seen.spend.used == 250'000);
  CHECK_FALSE(settle(*q.db, early.id, 250'000));  // its instance came back too late
  CHECK(settle(*q.db, late.id, 100'000));
  CHECK(expire(*q.db, kNow + 3600) == 0);
  CHECK(usage(*q.db, "u-1", analysis_limits("2/1d", "1.00/1d"), kNow + 3600).spend.used == 100'000);
}

TEST_CASE("Usage shows used, limit, remaining and reset of every limit", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  QuotaLimits l;
  l.analysis = calls_limit("3/1d");
  l.image = calls_limit("2/1h");
  l.scenarios = calls_limit("off");
  l.spend_usd = spend_cap("2.00/1d");
  for (const Capability c : {Capability::kAnalysis, Capability::kImage, Capability::kImage}) {
    Ask ask;
    ask.capability = c;
    ask.calls = l.calls(c);
    ask.spend = l.spend_usd;
    ask.estimate = 40'000;
    REQUIRE(reserve(*q.db, ask).granted());
  }
  const auto seen = usage(*q.db, "u-1", l, kNow + 60);
  const auto& analysis = seen.calls.at(Capability::kAnalysis);
  CHECK(analysis.used == 1);
  CHECK(analysis.limit == 3);
  CHECK(analysis.remaining == 2);
  CHECK(analysis.resets_at == kDayStart + kDay);
  const auto& image = seen.calls.at(Capability::kImage);
  CHECK(image.used == 2);
  CHECK(image.remaining == 0);
  CHECK(image.resets_at == kNow + 3600);
  const auto& scenarios = seen.calls.at(Capability::kScenarios);
  CHECK(scenarios.used == 0);
  CHECK_FALSE(scenarios.limit.has_value());
  CHECK_FALSE(scenarios.remaining.has_value());
  CHECK_FALSE(scenarios.resets_at.has_value());
  CHECK(seen.calls.at(Capability::kSummary).used == 0);
  CHECK(seen.calls.at(Capability::kSummary).remaining == 20);
  CHECK(seen.spend.used == 120'000);
  CHECK(seen.spend.remaining == 1'880'000);
  // A user who never reserved, and the same user in a later window, have used nothing.
  CHECK(usage(*q.db, "u-2", l, kNow).calls.at(Capability::kAnalysis).remaining == 3);
  const auto next_hour = usage(*q.db, "u-1", l, kNow + 3600);
  CHECK(next_hour.calls.at(Capability::kImage).used == 0);
  CHECK(next_hour.calls.at(Capability::kAnalysis).used == 1);
}

TEST_CASE("Overrides are set, replaced, read, listed and cleared per user and scope",
          "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  auto run = [&](auto work) {
    auto out = q.db->run("test.quota.overrides", [&](soci::session& sql) {
      QuotaRepository repo(sql);
      return work(repo);
    });
    if (!out.ok()) FAIL(out.error().message);
    return std::move(out).value();
  };
  run([](QuotaRepository& r) {
    r.set_override("u-1", "image", "100/1d");
    r.set_override("u-1", "spend_usd", "5.00/1d");
    r.set_override("u-2", "image", "off");
    r.set_override("u-1", "image", "50/1d");  // replaces
    return 0;
  });
  const auto listed = run([](QuotaRepository& r) { return r.overrides("u-1"); });
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].scope == "image");
  CHECK(listed[0].limit == "50/1d");
  CHECK(listed[0].updated_at.size() == 24);
  CHECK(listed[1].scope == "spend_usd");
  CHECK(listed[1].limit == "5.00/1d");
  const auto found = run([](QuotaRepository& r) { return r.find_override("u-2", "image"); });
  REQUIRE(found.has_value());
  CHECK(found->limit == "off");
  CHECK_FALSE(
      run([](QuotaRepository& r) { return r.find_override("u-2", "summary"); }).has_value());

  CHECK(run([](QuotaRepository& r) { return r.clear_override("u-1", "image"); }));
  CHECK_FALSE(run([](QuotaRepository& r) { return r.clear_override("u-1", "image"); }));
  CHECK(run([](QuotaRepository& r) { return r.overrides("u-1"); }).size() == 1);
  CHECK(run([](QuotaRepository& r) { return r.clear_overrides("u-1"); }) == 1);
  CHECK(run([](QuotaRepository& r) { return r.overrides("u-1"); }).empty());
  CHECK(run([](QuotaRepository& r) { return r.overrides("u-2"); }).size() == 1);
}

TEST_CASE("An override of a scope that is no quota is refused by the table", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  auto set = q.db->run("test.quota.bad_scope", [](soci::session& sql) {
    QuotaRepository(sql).set_override("u-1", "video", "1/1d");
  });
  CHECK_FALSE(set.ok());
  CHECK(count_rows(*q.db, "quota_overrides") == 0);
}

TEST_CASE("Deleting a user deletes their counters, reservations and overrides", "[store][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend);
  Ask ask = asking("5/1d", "off");
  REQUIRE(reserve(*q.db, ask).granted());
  auto done = q.db->run("test.quota.delete_user", [](soci::session& sql) {
    QuotaRepository(sql).set_override("u-1", "image", "1/1d");
    moodgate::store::UsersRepository(sql).remove("u-1");
  });
  REQUIRE(done.ok());
  CHECK(count_rows(*q.db, "quota_counters") == 0);
  CHECK(count_rows(*q.db, "quota_reservations") == 0);
  CHECK(count_rows(*q.db, "quota_overrides") == 0);
}

TEST_CASE("Quota statements leave no prepared statements behind on PostgreSQL", "[store][quota]") {
  QuotaDb q("postgresql");
  Ask ask = asking("1/1d", "1.00/1d");
  const QuotaReservation r = reserve(*q.db, ask);
  REQUIRE(r.granted());
  REQUIRE_FALSE(reserve(*q.db, ask).granted());
  settle(*q.db, r.id, 1);
  refund(*q.db, r.id);
  expire(*q.db, kNow + kDay);
  usage(*q.db, "u-1", analysis_limits("1/1d", "1.00/1d"), kNow);
  auto prepared = q.db->run("test.prepared", [](soci::session& sql) {
    QuotaRepository(sql).overrides("u-1");
    int count = -1;
    sql << "SELECT count(*) FROM pg_prepared_statements", soci::into(count);
    return count;
  });
  REQUIRE(prepared.ok());
  CHECK(*prepared == 0);
}
