// What the quota repository's tests share: limits written as in the config file, each operation
// run through Database::run() (as the service does; FAILs the test on a database error), and
// counts read straight from the tables.
#pragma once

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "core/config/config.h"
#include "core/config/value_syntax.h"
#include "core/store/database.h"
#include "core/store/quota_repository.h"
#include "tests/support/test_databases.h"

namespace moodgate::testing {

// 2030-01-01T00:00:00Z: a day, hour and minute boundary, so windows start here.
inline constexpr std::int64_t kDayStart = 1893456000;
inline constexpr std::int64_t kDay = 86400;
inline constexpr int kTtl = 600;
// An hour into that day: when a test's reservations are made unless it says otherwise.
inline constexpr std::int64_t kNow = kDayStart + 3600;

// "10/1d" or "off", as the config file writes a calls limit.
inline config::RateLimitRule calls_limit(const std::string& text) {
  const auto rate = config::parse_rate(text);
  REQUIRE(rate.has_value());
  return {rate->first, rate->second};
}

// "2.00/1d" or "off", as the config file writes a spend cap.
inline config::SpendLimitRule spend_cap(const std::string& text) {
  const auto spend = config::parse_spend(text);
  REQUIRE(spend.has_value());
  return {spend->first, spend->second};
}

// A migrated database of `backend` (a pool of `pool_size`) with the users u-1 .. u-<users>.
struct QuotaDb {
  explicit QuotaDb(const std::string& backend, int pool_size = 4, int users = 2)
      : test_db(make_test_database(backend)), db(open_migrated(test_db, pool_size)) {
    for (int u = 1; u <= users; ++u) create_test_user(*db, "u-" + std::to_string(u));
  }
  TestDatabase test_db;
  std::unique_ptr<store::Database> db;
};

// What one reservation asks for; the defaults make any field the test leaves out harmless.
struct Ask {
  std::string user = "u-1";
  config::Capability capability = config::Capability::kAnalysis;
  config::RateLimitRule calls = calls_limit("off");
  config::SpendLimitRule spend = spend_cap("off");
  long long estimate = 0;
  std::int64_t now = kNow;
  int ttl = kTtl;
};

// An analysis call by u-1 under `calls` and `spend` (as the config file writes them) estimated
// at `estimate` micro-USD.
inline Ask asking(const std::string& calls, const std::string& spend, long long estimate = 0) {
  Ask ask;
  ask.calls = calls_limit(calls);
  ask.spend = spend_cap(spend);
  ask.estimate = estimate;
  return ask;
}

// Limits with `analysis` and `spend_usd` as given (config text), the rest quotas.per_user's.
inline config::QuotaLimits analysis_limits(const std::string& analysis, const std::string& spend) {
  config::QuotaLimits limits;
  limits.analysis = calls_limit(analysis);
  limits.spend_usd = spend_cap(spend);
  return limits;
}

inline Result<store::QuotaReservation> try_reserve(store::Database& db, const Ask& ask) {
  return db.run("test.quota.reserve", [&](soci::session& sql) {
    return store::QuotaRepository(sql).reserve(ask.user, ask.capability, ask.calls, ask.spend,
                                               ask.estimate, ask.now, ask.ttl);
  });
}

inline store::QuotaReservation reserve(store::Database& db, const Ask& ask) {
  auto reserved = try_reserve(db, ask);
  if (!reserved.ok()) FAIL("reserve failed: " << reserved.error().message);
  return *reserved;
}

inline bool settle(store::Database& db, const std::string& id, long long actual) {
  auto settled = db.run("test.quota.settle", [&](soci::session& sql) {
    return store::QuotaRepository(sql).settle(id, actual);
  });
  if (!settled.ok()) FAIL("settle failed: " << settled.error().message);
  return *settled;
}

inline bool refund(store::Database& db, const std::string& id) {
  auto refunded = db.run("test.quota.refund", [&](soci::session& sql) {
    return store::QuotaRepository(sql).refund(id);
  });
  if (!refunded.ok()) FAIL("refund failed: " << refunded.error().message);
  return *refunded;
}

inline long long expire(store::Database& db, std::int64_t now) {
  auto expired = db.run("test.quota.expire", [&](soci::session& sql) {
    return store::QuotaRepository(sql).expire(now);
  });
  if (!expired.ok()) FAIL("expire failed: " << expired.error().message);
  return *expired;
}

inline store::QuotaUsage usage(store::Database& db, const std::string& user,
                               const config::QuotaLimits& limits, std::int64_t now) {
  auto read = db.run("test.quota.usage", [&](soci::session& sql) {
    return store::QuotaRepository(sql).usage(user, limits, now);
  });
  if (!read.ok()) FAIL("usage failed: " << read.error().message);
  return *read;
}

// SELECT count(*) FROM `table`, a literal of the test's.
inline long long count_rows(store::Database& db, const std::string& table) {
  auto counted = db.run("test.quota.count", [&](soci::session& sql) {
    long long n = 0;
    sql << "SELECT count(*) FROM " + table, soci::into(n);
    return n;
  });
  if (!counted.ok()) FAIL("count failed: " << counted.error().message);
  return *counted;
}

}  // namespace moodgate::testing
