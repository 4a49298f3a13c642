// Specification of the quotas section: its defaults, how limits are written, and its refusals.
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"

namespace moodgate::config {
namespace {

const std::string kUrl = "database:\n  url: sqlite:///test.db\n";

Config loaded(const std::string& yaml) {
  Result<Config> config = load_config_text(kUrl + yaml, "test.yaml");
  if (!config.ok()) FAIL(config.error().message);
  return *config;
}

// The message load_config_text() fails with; the test fails if loading succeeds.
std::string error_of(const std::string& yaml) {
  Result<Config> config = load_config_text(kUrl + yaml, "test.yaml");
  REQUIRE_FALSE(config.ok());
  return config.error().message;
}

}  // namespace

TEST_CASE("Quotas protect a fresh deployment: on, 200/20 calls a day and 2 USD a day per user",
          "[config][quota]") {
  const QuotasConfig q = loaded("").quotas;
  CHECK(q.enabled);
  CHECK(q.per_user.analysis.limit == 200);
  CHECK(q.per_user.analysis.window_s == 86400);
  CHECK(q.per_user.scenarios.limit == 200);
  CHECK(q.per_user.scenarios.window_s == 86400);
  CHECK(q.per_user.summary.limit == 20);
  CHECK(q.per_user.summary.window_s == 86400);
  CHECK(q.per_user.image.limit == 20);
  CHECK(q.per_user.image.window_s == 86400);
  CHECK(q.per_user.spend_usd.micros == 2'000'000);
  CHECK(q.per_user.spend_usd.window_s == 86400);
  CHECK(q.reservation_ttl_s == 600);
}

TEST_CASE("Quota limits are written like rate limits, spend in dollars, and may be off",
          "[config][quota]") {
  const QuotasConfig q = loaded(
                             "quotas:\n"
                             "  enabled: false\n"
                             "  per_user:\n"
                             "    analysis: 10/1h\n"
                             "    scenarios: \"off\"\n"
                             "    summary: 1/7d\n"
                             "    image: 1000000/30s\n"
                             "    spend_usd: 0.25/12h\n"
                             "  reservation_ttl_s: 121\n")
                             .quotas;
  CHECK_FALSE(q.enabled);
  CHECK(q.per_user.analysis.limit == 10);
  CHECK(q.per_user.analysis.window_s == 3600);
  CHECK_FALSE(q.per_user.scenarios.enabled());
  CHECK(q.per_user.summary.limit == 1);
  CHECK(q.per_user.summary.window_s == 7 * 86400);
  CHECK(q.per_user.image.limit == 1'000'000);
  CHECK(q.per_user.image.window_s == 30);
  CHECK(q.per_user.spend_usd.micros == 250'000);
  CHECK(q.per_user.spend_usd.window_s == 12 * 3600);
  CHECK(q.reservation_ttl_s == 121);
  CHECK(loaded("quotas:\n  per_user:\n    spend_usd: \"off\"\n").quotas.per_user.spend_usd.micros ==
        0);
}

TEST_CASE("A per-user limit left out keeps its default", "[config][quota]") {
  const QuotaLimits limits = loaded("quotas:\n  per_user:\n    image: 5/1d\n").quotas.per_user;
  CHECK(limits.image.limit == 5);
  CHECK(limits.analysis.limit == 200);
  CHECK(limits.spend_usd.micros == 2'000'000);
  CHECK(loaded("quotas:\n  per_user:\n").quotas.per_user.summary.limit == 20);
}

TEST_CASE("A capability's calls limit is found by the capability", "[config][quota]") {
  QuotaLimits limits;
  limits.calls(Capability::kSummary).limit = 7;
  CHECK(limits.summary.limit == 7);
  CHECK(limits.calls(Capability::kAnalysis).limit == 200);
  CHECK(&limits.calls(Capability::kImage) == &limits.image);
  CHECK(&limits.calls(Capability::kScenarios) == &limits.scenarios);
}

TEST_CASE("Malformed quota limits are refused with the syntax they must have", "[config][quota]") {
  CHECK(error_of("quotas:\n  per_user:\n    image: lots\n") ==
        "test.yaml: quotas.per_user.image: expected <count>/<window> such as 5/1h or 10/15m "
        "(units s, m, h, d; a count up to 1000000, a window up to 7d), or off, got \"lots\"");
  CHECK(error_of("quotas:\n  per_user:\n    analysis: 0/1d\n") ==
        "test.yaml: quotas.per_user.analysis: expected <count>/<window> such as 5/1h or 10/15m "
        "(units s, m, h, d; a count up to 1000000, a window up to 7d), or off, got \"0/1d\"");
  CHECK(error_of("quotas:\n  per_user:\n    spend_usd: 2,00/1d\n") ==
        "test.yaml: quotas.per_user.spend_usd: expected <usd>/<window> such as 2.00/1d or 0.50/1h "
        "(US dollars with up to 6 decimals, more than 0 and at most 1000000; units s, m, h, d; a "
        "window up to 7d), or off, got \"2,00/1d\"");
  CHECK_THAT(error_of("quotas:\n  per_user:\n    spend_usd: $2/1d\n"),
             Catch::StartsWith("test.yaml: quotas.per_user.spend_usd: expected <usd>/<window>"));
}

TEST_CASE("Unknown quota keys and shapes are refused, naming the known ones", "[config][quota]") {
  CHECK(error_of("quotas:\n  per_user:\n    video: 1/1d\n") ==
        "test.yaml: quotas.per_user.video: unknown key (known: analysis, scenarios, summary, "
        "image, spend_usd)");
  CHECK(error_of("quotas:\n  per_user: 20/1d\n") ==
        "test.yaml: quotas.per_user: expected a map with the keys analysis, scenarios, summary, "
        "image, spend_usd, got \"20/1d\"");
  CHECK(error_of("quotas:\n  image: 20/1d\n") ==
        "test.yaml: quotas.image: unknown key (known: enabled, per_user, reservation_ttl_s)");
  CHECK(error_of("quotas:\n  enabled: yes\n") ==
        "test.yaml: quotas.enabled: expected true or false, got \"yes\"");
}

TEST_CASE("A reservation must outlive every request, or running calls would be refunded",
          "[config][quota]") {
  CHECK(error_of("quotas:\n  reservation_ttl_s: 0\n") ==
        "test.yaml: quotas.reservation_ttl_s: expected an integer 1..604800, got \"0\"");
  CHECK(error_of("quotas:\n  reservation_ttl_s: 120\n") ==
        "test.yaml: quotas.reservation_ttl_s: must be longer than server.request_timeout_ms "
        "(120000 ms), or the reservation of a call still running is refunded; got 120");
  // Judged once every section is read, whichever comes first in the file.
  CHECK(error_of("quotas:\n  reservation_ttl_s: 600\nserver:\n  request_timeout_ms: 600000\n") ==
        "test.yaml: quotas.reservation_ttl_s: must be longer than server.request_timeout_ms "
        "(600000 ms), or the reservation of a call still running is refunded; got 600");
  CHECK(loaded("server:\n  request_timeout_ms: 599999\n").quotas.reservation_ttl_s == 600);
}

}  // namespace moodgate::config
