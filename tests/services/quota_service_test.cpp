// QuotaService: the limits a user runs under (quotas.per_user with their overrides), the checks
// on an override before it is stored, reservations under those limits, and quotas turned off.
// On both backends; the reservation mechanics themselves are specified in tests/store/quota_*.
#include "core/services/quota_service.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/store/quota_repository.h"
#include "tests/store/quota_test_support.h"
#include "tests/support/test_databases.h"

using moodgate::ErrorCode;
using moodgate::config::Capability;
using moodgate::config::QuotaLimits;
using moodgate::config::QuotasConfig;
using moodgate::services::apply_quota_overrides;
using moodgate::services::canonical_quota_limit;
using moodgate::services::QuotaService;
using moodgate::store::QuotaOverride;
using namespace moodgate::testing;

namespace {

// A database with user u-1 and a QuotaService on it.
struct ServiceDb : QuotaDb {
  explicit ServiceDb(const std::string& backend, const QuotasConfig& config = {})
      : QuotaDb(backend, 4, 1), quotas(*db, config) {}
  QuotaService quotas;
};

}  // namespace

TEST_CASE("Override limits are written as in the config file and stored canonically",
          "[services][quota]") {
  CHECK(canonical_quota_limit("image", "100/24h") == "100/1d");
  CHECK(canonical_quota_limit("analysis", "off") == "off");
  CHECK(canonical_quota_limit("spend_usd", "5/1d") == "5.00/1d");
  CHECK(canonical_quota_limit("spend_usd", "0.125/60m") == "0.125/1h");
  CHECK_FALSE(canonical_quota_limit("image", "5.00/1d").has_value());
  CHECK_FALSE(canonical_quota_limit("spend_usd", "100/1w").has_value());
  CHECK_FALSE(canonical_quota_limit("video", "1/1d").has_value());
  CHECK(moodgate::services::quota_scopes() ==
        std::vector<std::string>{"analysis", "scenarios", "summary", "image", "spend_usd"});
}

TEST_CASE("A user's overrides replace the defaults they name, and only those",
          "[services][quota]") {
  QuotaLimits defaults;
  auto applied = apply_quota_overrides(
      defaults, {QuotaOverride{"image", "100/1d", ""}, QuotaOverride{"spend_usd", "5.00/1h", ""},
                 QuotaOverride{"summary", "off", ""}});
  REQUIRE(applied.ok());
  CHECK(applied->image.limit == 100);
  CHECK(applied->spend_usd.micros == 5'000'000);
  CHECK(applied->spend_usd.window_s == 3600);
  CHECK_FALSE(applied->summary.enabled());
  CHECK(applied->analysis.limit == defaults.analysis.limit);

  auto broken = apply_quota_overrides(defaults, {QuotaOverride{"image", "lots", ""}});
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().code == ErrorCode::kInternal);
  CHECK(broken.error().message.find("image") != std::string::npos);
}

TEST_CASE("Reservations run under the user's override once it is set", "[services][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  ServiceDb s(backend);
  REQUIRE(s.quotas.set_override("u-1", "image", "2/1d").ok());
  for (int i = 0; i < 2; ++i) {
    auto r = s.quotas.reserve("u-1", Capability::kImage, 40'000, kNow);
    REQUIRE(r.ok());
    CHECK(r->granted());
  }
  auto refused = s.quotas.reserve("u-1", Capability::kImage, 40'000, kNow);
  REQUIRE(refused.ok());
  REQUIRE_FALSE(refused->granted());
  CHECK(refused->refusal->allowed == 2);

  // Lifted: the image calls are no longer limited, the spend cap (2.00/1d) still is.
  REQUIRE(s.quotas.set_override("u-1", "image", "off").ok());
  auto granted = s.quotas.reserve("u-1", Capability::kImage, 40'000, kNow);
  REQUIRE(granted.ok());
  CHECK(granted->granted());
  auto seen = s.quotas.usage("u-1", kNow);
  REQUIRE(seen.ok());
  CHECK_FALSE(seen->calls.at(Capability::kImage).limit.has_value());
  CHECK(seen->spend.used == 120'000);
  CHECK(seen->calls.at(Capability::kAnalysis).limit == 200);

  auto settled = s.quotas.settle(granted->id, 10'000);
  REQUIRE(settled.ok());
  CHECK(*settled);
  auto refunded = s.quotas.refund(granted->id);
  REQUIRE(refunded.ok());
  CHECK_FALSE(*refunded);
}

TEST_CASE("An override with an unknown scope or a malformed limit is refused, not stored",
          "[services][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  ServiceDb s(backend);
  const auto scope = s.quotas.set_override("u-1", "video", "1/1d");
  REQUIRE_FALSE(scope.ok());
  CHECK(scope.error().code == ErrorCode::kInvalidInput);
  CHECK(scope.error().message == "unknown quota scope 'video'");
  const auto limit = s.quotas.set_override("u-1", "spend_usd", "five dollars");
  REQUIRE_FALSE(limit.ok());
  CHECK(limit.error().code == ErrorCode::kInvalidInput);
  CHECK_THAT(limit.error().message, Catch::StartsWith("the limit of spend_usd must be <usd>/"));
  CHECK(count_rows(*s.db, "quota_overrides") == 0);

  REQUIRE(s.quotas.set_override("u-1", "spend_usd", "5/1d").ok());
  auto stored = s.quotas.overrides("u-1");
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 1);
  CHECK(stored->front().limit == "5.00/1d");
}

TEST_CASE("An override stored by hand that does not parse stops reservations with an error",
          "[services][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  ServiceDb s(backend);
  REQUIRE(s.db->run("test.quota.hand_written",
                    [](soci::session& sql) {
                      moodgate::store::QuotaRepository(sql).set_override("u-1", "image", "lots");
                    })
              .ok());
  auto limits = s.quotas.limits_for("u-1");
  REQUIRE_FALSE(limits.ok());
  CHECK(limits.error().code == ErrorCode::kInternal);
  auto r = s.quotas.reserve("u-1", Capability::kImage, 0, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK(count_rows(*s.db, "quota_reservations") == 0);
}

TEST_CASE("With quotas off nothing is counted or refused and usage shows no limit",
          "[services][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotasConfig off;
  off.enabled = false;
  off.per_user.analysis = calls_limit("1/1d");
  ServiceDb s(backend, off);
  for (int i = 0; i < 3; ++i) {
    auto r = s.quotas.reserve("u-1", Capability::kAnalysis, 1'000'000, kNow);
    REQUIRE(r.ok());
    CHECK(r->granted());
    CHECK(r->id.empty());
  }
  CHECK(count_rows(*s.db, "quota_counters") == 0);
  auto seen = s.quotas.usage("u-1", kNow);
  REQUIRE(seen.ok());
  CHECK_FALSE(seen->calls.at(Capability::kAnalysis).limit.has_value());
  CHECK_FALSE(seen->spend.limit.has_value());
}

TEST_CASE("The service's sweep refunds reservations past quotas.reservation_ttl_s",
          "[services][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  QuotasConfig config;
  config.reservation_ttl_s = 300;
  ServiceDb s(backend, config);
  auto r = s.quotas.reserve("u-1", Capability::kSummary, 0, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->granted());
  auto early = s.quotas.expire(kNow + 300);
  REQUIRE(early.ok());
  CHECK(*early == 0);
  auto due = s.quotas.expire(kNow + 301);
  REQUIRE(due.ok());
  CHECK(*due == 1);
  auto seen = s.quotas.usage("u-1", kNow + 301);
  REQUIRE(seen.ok());
  CHECK(seen->calls.at(Capability::kSummary).used == 0);
}
