// QuotaRepository under concurrency, on both backends: reservations racing for the last calls of
// a limit (from one Database, and from two, as two gateway processes would), a spend cap crossed
// mid-burst, refunds racing reservations, and sweepers racing each other and settlements. Every
// race is started together (a latch) and judged by what the tables hold afterwards.
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "core/store/quota_repository.h"
#include "tests/store/quota_test_support.h"
#include "tests/support/test_databases.h"

using moodgate::config::Capability;
using moodgate::store::Database;
using moodgate::store::QuotaRefusal;
using moodgate::store::QuotaReservation;
using namespace moodgate::testing;

namespace {

// Runs work(i) for i in 0..n-1, each on a thread of its own, all released at once; returns
// their results in order. `work` must not use Catch assertions (they are not thread-safe).
template <typename Work>
auto all_at_once(int n, Work work) {
  using Out = decltype(work(0));
  std::latch start(n);
  std::vector<std::optional<Out>> results(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[static_cast<std::size_t>(i)].emplace(work(i));
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<Out> out;
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

// What a burst of reservations came to.
struct Tally {
  int granted = 0;
  int refused_calls = 0;
  int refused_spend = 0;
  long long granted_estimates = 0;
  long long largest_estimate = 0;
};

Tally tally(const std::vector<moodgate::Result<QuotaReservation>>& results,
            const std::vector<long long>& estimates = {}) {
  Tally t;
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO("reservation " << i);
    REQUIRE(results[i].ok());  // never an error, however many race
    const long long estimate = estimates.empty() ? 0 : estimates[i];
    t.largest_estimate = std::max(t.largest_estimate, estimate);
    if (results[i]->granted()) {
      ++t.granted;
      t.granted_estimates += estimate;
    } else if (results[i]->refusal->limit == QuotaRefusal::Limit::kCalls) {
      ++t.refused_calls;
    } else {
      ++t.refused_spend;
    }
  }
  return t;
}

}  // namespace

TEST_CASE("50 reservations at once with 10 calls left: exactly 10 are granted",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend, 8, 1);
  Database& db = *q.db;
  const Ask ask = asking("10/1d", "off");

  const auto results = all_at_once(50, [&](int) { return try_reserve(db, ask); });
  const Tally t = tally(results);
  CHECK(t.granted == 10);
  CHECK(t.refused_calls == 40);
  CHECK(count_rows(db, "quota_reservations") == 10);
  CHECK(usage(db, "u-1", analysis_limits("10/1d", "off"), kNow)
            .calls.at(Capability::kAnalysis)
            .used == 10);
}

TEST_CASE("Two gateways on one database, 25 reservations each at once: exactly 10 are granted",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // Two pools of their own, as two processes have: nothing is shared but the database.
  QuotaDb q(backend, 8, 1);
  Database& first = *q.db;
  auto second_pool = open_or_fail(q.test_db.config(8));
  Database& second = *second_pool;
  const Ask ask = asking("10/1d", "off");

  const auto results =
      all_at_once(50, [&](int i) { return try_reserve(i % 2 == 0 ? first : second, ask); });
  const Tally t = tally(results);
  CHECK(t.granted == 10);
  CHECK(t.refused_calls == 40);
  CHECK(count_rows(second, "quota_reservations") == 10);
}

TEST_CASE("A spend cap crossed mid-burst overshoots by at most one reservation's estimate",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend, 8, 1);
  Database& db = *q.db;
  constexpr long long kCap = 1'000'000;  // 1.00 USD
  std::vector<long long> estimates;
  for (int i = 0; i < 30; ++i) estimates.push_back(90'000 + 10'000 * (i % 7));  // 0.09..0.15

  std::vector<Ask> asks(estimates.size());
  for (std::size_t i = 0; i < asks.size(); ++i) {
    asks[i].spend = spend_cap("1.00/1d");
    asks[i].estimate = estimates[i];
  }

  const auto results =
      all_at_once(30, [&](int i) { return try_reserve(db, asks[static_cast<std::size_t>(i)]); });
  const Tally t = tally(results, estimates);
  CHECK(t.refused_calls == 0);
  CHECK(t.refused_spend == 30 - t.granted);
  // Every granted reservation saw the spend under the cap, so the last one took it past the cap
  // by less than its own estimate; the estimates of all 30 add up to far more than the cap.
  CHECK(t.granted_estimates >= kCap);
  CHECK(t.granted_estimates < kCap + t.largest_estimate);
  const auto seen = usage(db, "u-1", analysis_limits("off", "1.00/1d"), kNow);
  CHECK(seen.spend.used == t.granted_estimates);
  CHECK(seen.spend.remaining == 0);
}

TEST_CASE("Refunds racing reservations keep the count equal to the calls still held",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotaDb q(backend, 8, 1);
  Database& db = *q.db;

  const Ask ask = asking("1000/1d", "100.00/1d", 1'000);

  // Each thread reserves 20 times and refunds every other reservation at once.
  const auto held = all_at_once(8, [&](int) {
    long long kept = 0;
    for (int i = 0; i < 20; ++i) {
      auto r = try_reserve(db, ask);
      if (!r.ok() || !r->granted()) return -1LL;
      if (i % 2 == 1) {
        auto refunded = db.run("test.quota.refund", [&](soci::session& sql) {
          return moodgate::store::QuotaRepository(sql).refund(r->id);
        });
        if (!refunded.ok() || !*refunded) return -1LL;
      } else {
        ++kept;
      }
    }
    return kept;
  });
  long long kept = 0;
  for (const long long k : held) {
    REQUIRE(k == 10);
    kept += k;
  }
  const auto seen = usage(db, "u-1", analysis_limits("1000/1d", "100.00/1d"), kNow);
  CHECK(seen.calls.at(Capability::kAnalysis).used == kept);
  CHECK(seen.spend.used == kept * 1'000);
  CHECK(count_rows(db, "quota_reservations") == kept);
}

TEST_CASE("Two sweepers at once refund every expired reservation exactly once",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  constexpr int kUsers = 12;
  constexpr int kEach = 4;
  QuotaDb q(backend, 4, kUsers);
  Database& first = *q.db;
  auto second_pool = open_or_fail(q.test_db.config(4));
  Database& second = *second_pool;

  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    const std::int64_t now = kNow + round * 1000;
    Ask ask = asking("4/1d", "1.00/1d", 50'000);
    ask.now = now;
    for (int u = 1; u <= kUsers; ++u) {
      ask.user = "u-" + std::to_string(u);
      for (int i = 0; i < kEach; ++i) REQUIRE(reserve(first, ask).granted());
    }
    // Both instances sweep at the same moment, past every TTL.
    const auto swept = all_at_once(2, [&](int i) {
      auto expired = (i == 0 ? first : second).run("test.quota.expire", [&](soci::session& sql) {
        return moodgate::store::QuotaRepository(sql).expire(now + kTtl + 1);
      });
      return expired.ok() ? *expired : -1LL;
    });
    REQUIRE(swept[0] >= 0);
    REQUIRE(swept[1] >= 0);
    CHECK(swept[0] + swept[1] == kUsers * kEach);
    CHECK(count_rows(first, "quota_reservations") == 0);
    for (int u = 1; u <= kUsers; ++u) {
      const auto seen =
          usage(first, "u-" + std::to_string(u), analysis_limits("4/1d", "1.00/1d"), now);
      CHECK(seen.calls.at(Capability::kAnalysis).used == 0);
      CHECK(seen.spend.used == 0);
    }
    CHECK(expire(second, now + kTtl + 1) == 0);
  }
}

TEST_CASE("Settlements racing a sweep: each reservation is settled or expired, never both",
          "[store][quota][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // Spread over users, so the sweep (one statement per user) and the settlements interleave.
  constexpr int kUsers = 20;
  constexpr int kReservations = 2 * kUsers;
  QuotaDb q(backend, 4, kUsers);
  Database& db = *q.db;
  std::vector<std::string> ids;
  Ask ask = asking("100/1d", "10.00/1d", 20'000);
  for (int i = 0; i < kReservations; ++i) {
    ask.user = "u-" + std::to_string(1 + i % kUsers);
    const QuotaReservation r = reserve(db, ask);
    REQUIRE(r.granted());
    ids.push_back(r.id);
  }

  // A late instance settles each (at 5000 micro-USD) while another sweeps them as expired.
  const auto acted = all_at_once(2, [&](int role) -> long long {
    long long n = 0;
    if (role == 0) {
      for (const std::string& id : ids) {
        auto settled = db.run("test.quota.settle", [&](soci::session& sql) {
          return moodgate::store::QuotaRepository(sql).settle(id, 5'000);
        });
        if (!settled.ok()) return -1;
        n += *settled ? 1 : 0;
      }
      return n;
    }
    // Sweeps until no reservation is left, however the two interleave.
    for (long long left = 1; left > 0;) {
      auto expired = db.run("test.quota.expire", [&](soci::session& sql) {
        const long long swept = moodgate::store::QuotaRepository(sql).expire(kNow + kTtl + 1);
        sql << "SELECT count(*) FROM quota_reservations", soci::into(left);
        return swept;
      });
      if (!expired.ok()) return -1;
      n += *expired;
    }
    return n;
  });
  const long long settled = acted[0];
  const long long expired = acted[1];
  REQUIRE(settled >= 0);
  REQUIRE(expired >= 0);
  CHECK(settled + expired == kReservations);
  CHECK(count_rows(db, "quota_reservations") == 0);
  // A settled call stays counted at its real cost; an expired one is given back whole.
  long long calls = 0;
  long long spend = 0;
  for (int u = 1; u <= kUsers; ++u) {
    const auto seen =
        usage(db, "u-" + std::to_string(u), analysis_limits("100/1d", "10.00/1d"), kNow);
    calls += seen.calls.at(Capability::kAnalysis).used;
    spend += seen.spend.used;
  }
  CHECK(calls == settled);
  CHECK(spend == settled * 5'000);
}
