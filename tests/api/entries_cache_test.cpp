// The analysis cache, over HTTP with the gemini plugin against FakeGemini, on both backends: an
// identical analysis request (same words, emotions and intensities, same provider and model) is
// answered from analysis_cache without a provider request or a usage row, also after a PATCH;
// other words ask the provider; an expired row, or journal.analysis_cache_ttl_s = 0, asks again.
#include <soci/soci.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;

TEST_CASE("an identical analysis comes from the cache, other words ask the provider",
          "[api][entries][ai][cache]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  TestServer server(text_ai_config(db.url(), {gemini_text_instance("gemini", fake)}));
  const auto port = server.port();
  const Account me = register_account(port, "cache@example.com");
  const std::string same = entry_body("Rain on the roof", "It was cosy", {{"calm", 0.6}});
  auto post = [&](const std::string& body, const std::string& request_id) {
    const HttpReply r = post_entry(port, me.access_token, body, "", {{"X-Request-ID", request_id}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.json();
  };

  const auto first = post(same, "cache-first-0001");
  CHECK(analysis_request_count(fake) == 1);
  CHECK(scenarios_request_count(fake) == 1);
  const auto second = post(same, "cache-second-0002");
  CHECK(analysis_request_count(fake) == 1);   // from the cache
  CHECK(scenarios_request_count(fake) == 2);  // scenarios are always fresh
  CHECK(second["analysis"] == first["analysis"]);
  CHECK(text_of(second["analysis"], "provider") == "gemini");

  const auto other =
      post(entry_body("Rain on the roof", "It was loud", {{"calm", 0.6}}), "cache-other-0003");
  CHECK(analysis_request_count(fake) == 2);
  post(entry_body("Rain on the roof", "It was cosy", {{"calm", 0.7}}), "cache-intense-0004");
  CHECK(analysis_request_count(fake) == 3);
  post(entry_body("Rain on the roof", "It was cosy", {{"cosy", 0.6}}), "cache-named-0005");
  CHECK(analysis_request_count(fake) == 4);

  // After an edit the cache is asked about the new words: these were analysed already.
  const HttpReply patched = api_call(port, "PATCH", "/api/v1/entries/" + text_of(other, "id"),
                                     R"({"thoughts": "It was cosy"})", me.access_token);
  REQUIRE(patched.status == 200);
  CHECK(analysis_request_count(fake) == 4);
  CHECK(patched.json()["analysis"] == first["analysis"]);
  // And words never seen are asked for.
  const HttpReply fresh = api_call(port, "PATCH", "/api/v1/entries/" + text_of(other, "id"),
                                   R"({"thoughts": "It was something else"})", me.access_token);
  REQUIRE(fresh.status == 200);
  CHECK(analysis_request_count(fake) == 5);

  // Usage rows: two per entry, but none for the analyses the cache answered.
  const auto rows = wait_for_usage(db, 10);
  CHECK(rows.size() == 10);
  for (const auto& row : rows) {
    CHECK(row.user_id == me.id);
    if (row.request_id == "cache-second-0002")
      CHECK(row.capability == config::Capability::kScenarios);
  }
  CHECK(std::count_if(rows.begin(), rows.end(),
                      [](const auto& r) { return r.request_id == "cache-second-0002"; }) == 1);
}

TEST_CASE("an expired cache entry, or a TTL of 0, means the provider is asked again",
          "[api][entries][ai][cache]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  const int ttl = GENERATE(0, 3600);
  INFO("analysis_cache_ttl_s " << ttl);
  auto cfg = text_ai_config(db.url(), {gemini_text_instance("gemini", fake)});
  cfg.journal.analysis_cache_ttl_s = ttl;
  TestServer server(cfg);
  const auto port = server.port();
  const Account me = register_account(port, "expiry@example.com");
  const std::string same = entry_body("Snow day", "Everything stopped", {{"calm", 0.4}});

  create_entry(port, me.access_token, same);
  create_entry(port, me.access_token, same);
  CHECK(analysis_request_count(fake) == (ttl == 0 ? 2u : 1u));
  if (ttl == 0) return;
  // Once the cached answer has expired it is not used.
  auto database = open_or_fail(db.config(1));
  REQUIRE(database
              ->run("test.expire",
                    [](soci::session& sql) {
                      sql << "UPDATE analysis_cache SET expires_at = '2020-01-01T00:00:00.000Z'";
                    })
              .ok());
  create_entry(port, me.access_token, same);
  CHECK(analysis_request_count(fake) == 2);
  create_entry(port, me.access_token, same);  // cached again, from the fresh answer
  CHECK(analysis_request_count(fake) == 2);
}
