// GET /api/v1/insights and POST /api/v1/insights/summary over real HTTP, on both backends: the
// picture is the caller's alone, periods are validated, an empty period costs no provider
// call, and the summary comes from the `summary` chain (the mock here; a failing Gemini gives
// API.md's error envelope).
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;

namespace {

std::string one_emotion_entry(const std::string& situation, const std::string& emotion,
                              double v) {
  return R"({"situation": ")" + situation + R"(", "emotions": [{"name": ")" + emotion +
         R"(", "intensity": )" + std::to_string(v) + "}]}";
}

void add_entry(std::uint16_t port, const Account& who, const std::string& body) {
  const HttpReply r = api_call(port, "POST", "/api/v1/entries", body, who.access_token);
  REQUIRE(r.status == 201);
}

}  // namespace

TEST_CASE("Insights show the caller's own entries of the period, computed without AI",
          "[api][insights]") {
  auto backend = GENERATE(from_range(test_backend_names()));
  auto tdb = make_test_database(backend);
  TestServer server(test_config(tdb.url()));
  const auto port = server.port();
  const Account ann = register_account(port, "ann@example.com");
  const Account bob = register_account(port, "bob@example.com");
  add_entry(port, ann, one_emotion_entry("I passed the exam and feel great", "Proud", 0.9));
  add_entry(port, ann, one_emotion_entry("Still proud today", "proud", 0.5));
  add_entry(port, ann, one_emotion_entry("A quiet evening", "calm", 0.4));
  add_entry(port, bob, one_emotion_entry("Someone else's day", "angry", 1.0));

  const HttpReply r = api_call(port, "GET", "/api/v1/insights", "", ann.access_token);
  REQUIRE(r.status == 200);
  const auto doc = r.json();
  CHECK(doc["entry_count"].GetInt() == 3);
  REQUIRE(doc["top_emotions"].Size() == 2);
  CHECK(std::string(doc["top_emotions"][0]["name"].GetString()) == "proud");
  CHECK(doc["top_emotions"][0]["count"].GetInt() == 2);
  CHECK(doc["top_emotions"][0]["avg_intensity"].GetDouble() == Approx(0.7));
  REQUIRE(doc["sentiment_by_day"].Size() == 1);  // all written today
  CHECK(doc["sentiment_by_day"][0]["entries"].GetInt() == 3);
  CHECK(doc["sentiment_by_day"][0]["avg_score"].IsNumber());  // the mock analysed them
  CHECK(doc["streak_days"].GetInt() == 1);
  const std::string from = doc["from"].GetString(), to = doc["to"].GetString();
  CHECK(to.substr(11) == "00:00:00.000Z");  // the default: whole UTC days, today included
  CHECK(from < to);

  const HttpReply past =
      api_call(port, "GET", "/api/v1/insights?from=2020-01-01&to=2020-01-31", "", ann.access_token);
  REQUIRE(past.status == 200);
  CHECK(past.json()["entry_count"].GetInt() == 0);
  CHECK(std::string(past.json()["to"].GetString()) == "2020-02-01T00:00:00.000Z");
  CHECK(past.json()["streak_days"].GetInt() == 1);  // the streak is today's, whatever the period
}

TEST_CASE("Insight periods are validated and need a token", "[api][insights]") {
  auto tdb = make_test_database("sqlite");
  TestServer server(test_config(tdb.url()));
  const auto port = server.port();
  const Account ann = register_account(port, "ann@example.com");
  for (const std::string query : {"?from=2026-12-01&to=2026-11-01", "?from=yesterday",
                                  "?to=2026-02-30", "?from=2026-11-22T10:00:00"}) {
    const HttpReply r = api_call(port, "GET", "/api/v1/insights" + query, "", ann.access_token);
    INFO(query);
    CHECK(r.status == 400);
    CHECK(error_code(r) == "INVALID_INPUT");
    CHECK((error_field(r) == "from" || error_field(r) == "to"));
  }
  const HttpReply body =
      api_call(port, "POST", "/api/v1/insights/summary", R"({"from": 5})", ann.access_token);
  CHECK(body.status == 400);
  CHECK(error_field(body) == "from");
  CHECK(api_call(port, "GET", "/api/v1/insights").status == 401);
  CHECK(api_call(port, "POST", "/api/v1/insights/summary", "{}").status == 401);
}

TEST_CASE("A period summary comes from the summary chain and an empty period asks no provider",
          "[api][insights]") {
  auto backend = GENERATE(from_range(test_backend_names()));
  auto tdb = make_test_database(backend);
  TestServer server(test_config(tdb.url()));
  const auto port = server.port();
  const Account ann = register_account(port, "ann@example.com");
  add_entry(port, ann, one_emotion_entry("I walked by the sea and felt grateful", "grateful", 0.8));

  const HttpReply r = api_call(port, "POST", "/api/v1/insights/summary", "", ann.access_token);
  REQUIRE(r.status == 200);
  const auto doc = r.json();
  CHECK(doc["entry_count"].GetInt() == 1);
  CHECK(std::string(doc["summary"].GetString()).size() > 0);
  CHECK(doc["highlights"].IsArray());
  CHECK(std::string(doc["provider"].GetString()) == "mock");
  CHECK(std::string(doc["model"].GetString()) == "mock-1");

  const HttpReply empty =
      api_call(port, "POST", "/api/v1/insights/summary",
               R"({"from": "2020-01-01", "to": "2020-01-31"})", ann.access_token);
  REQUIRE(empty.status == 200);
  CHECK(empty.json()["entry_count"].GetInt() == 0);
  CHECK(std::string(empty.json()["summary"].GetString()).empty());
  CHECK(empty.json()["provider"].IsNull());
}

TEST_CASE("A failing summary provider answers the error envelope", "[api][insights]") {
  FakeGemini fake("test-key");
  fake.set_fallback([](const FakeGeminiRequest&) {
    return error_reply(503, "UNAVAILABLE", "The model is overloaded.");
  });
  auto tdb = make_test_database("sqlite");
  config::Config cfg = test_config(tdb.url());
  cfg.providers.instances.push_back(gemini_text_instance("gemini", fake));
  cfg.providers.chains[config::Capability::kSummary] = {"gemini"};
  TestServer server(cfg);
  const auto port = server.port();
  const Account ann = register_account(port, "ann@example.com");
  add_entry(port, ann, one_emotion_entry("A long day", "tired", 0.7));

  const HttpReply r = api_call(port, "POST", "/api/v1/insights/summary", "{}", ann.access_token);
  CHECK(r.status == 502);
  CHECK(error_code(r) == "UPSTREAM_ERROR");
  CHECK(fake.request_count() == 3);  // retried max_attempts times
}
