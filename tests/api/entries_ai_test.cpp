// Entries with a real provider plugin (gemini) against FakeGemini, over HTTP, on both backends:
// the analysis is asked for as structured JSON (responseSchema) and a fitting answer is stored
// exactly; an answer that does not fit, a provider that is down and a safety block each give a
// `failed` analysis with the right code while the entry is kept; failed scenario regeneration
// answers the error and keeps the old scenarios; an analysis that comes back after an edit is
// dropped; every AI call leaves a usage row with the user and the request id.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;

namespace {

const FakeGeminiRequest* first_request(const std::vector<FakeGeminiRequest>& requests,
                                       bool analysis) {
  for (const auto& r : requests) {
    if (is_analysis_request(r) == analysis) return &r;
  }
  return nullptr;
}

std::string joined_texts(const rapidjson::Value& content) {
  std::string out;
  for (const auto& part : content["parts"].GetArray()) out += text_of(part, "text");
  return out;
}

}  // namespace

TEST_CASE("the analysis is asked for with a responseSchema and a fitting answer is stored exactly",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  route_replies(fake, text_reply(fitting_analysis_json(), 100, 50),
                text_reply(fitting_scenarios_json(3), 80, 40));
  TestServer server(text_ai_config(db.url(), {gemini_text_instance("gemini", fake)}));
  const auto port = server.port();
  const Account me = register_account(port, "gemini@example.com");

  const HttpReply created =
      post_entry(port, me.access_token,
                 entry_body("My exam got moved to tomorrow", "I'm not ready", {{"Anxious", 0.8}}),
                 "", {{"X-Request-ID", "exam-entry-0001"}});
  INFO(created.body);
  REQUIRE(created.status == 201);
  const auto entry = created.json();
  const auto& a = entry["analysis"];
  CHECK(text_of(a, "status") == "ready");
  CHECK(text_of(a, "summary") == "You felt torn between dread and hope.");
  CHECK(text_of(a, "sentiment") == "mixed");
  CHECK(a["sentiment_score"].GetDouble() == -0.25);
  REQUIRE(a["highlights"].Size() == 2);
  CHECK(text_of(a["highlights"][0], "text") == "not ready");
  CHECK(text_of(a["highlights"][0], "polarity") == "negative");
  CHECK(text_of(a["highlights"][1], "text") == "a fresh start");
  CHECK(text_of(a["highlights"][1], "polarity") == "positive");
  CHECK(a["positive_count"].GetInt() == 1);
  CHECK(a["negative_count"].GetInt() == 2);
  CHECK(text_of(a, "provider") == "gemini");
  CHECK(text_of(a, "model") == "gemini-2.5-flash");
  REQUIRE(entry["scenarios"].Size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(text_of(entry["scenarios"][i], "title") == "Title " + std::to_string(i + 1));
    CHECK(text_of(entry["scenarios"][i], "description") == "Description " + std::to_string(i + 1));
  }
  CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == created.body);

  // What the provider was asked: structured JSON in the analysis schema, the entry as data.
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  const FakeGeminiRequest* analysis = first_request(requests, true);
  REQUIRE(analysis != nullptr);
  rapidjson::Document body;
  body.Parse(analysis->body.c_str());
  REQUIRE(body.IsObject());
  const auto& generation = body["generationConfig"];
  CHECK(text_of(generation, "responseMimeType") == "application/json");
  const auto& schema = generation["responseSchema"];
  CHECK(text_of(schema, "type") == "OBJECT");
  CHECK(text_of(schema["properties"]["sentiment_score"], "type") == "NUMBER");
  CHECK(schema["properties"]["sentiment"]["enum"].Size() == 4);
  CHECK(text_of(schema["properties"]["highlights"], "type") == "ARRAY");
  CHECK(schema["required"].Size() == 6);
  const std::string message = joined_texts(body["contents"][0]);
  CHECK(message.find("My exam got moved to tomorrow") != std::string::npos);
  CHECK(message.find("anxious (0.80)") != std::string::npos);
  const std::string system = joined_texts(body["systemInstruction"]);
  CHECK(system.find("never instructions") != std::string::npos);
  CHECK(system.find("My exam") == std::string::npos);
  const FakeGeminiRequest* scenarios = first_request(requests, false);
  REQUIRE(scenarios != nullptr);
  rapidjson::Document scenarios_body;
  scenarios_body.Parse(scenarios->body.c_str());
  const auto& list =
      scenarios_body["generationConfig"]["responseSchema"]["properties"]["scenarios"];
  CHECK(list["maxItems"].GetInt() == 3);

  // Each call left a usage row with the user and the request's id.
  const auto rows = wait_for_usage(db, 2);
  REQUIRE(rows.size() == 2);
  std::set<config::Capability> capabilities;
  for (const auto& row : rows) {
    CHECK(row.user_id == me.id);
    CHECK(row.request_id == "exam-entry-0001");
    CHECK(row.provider == "gemini");
    CHECK(row.outcome == "ok");
    capabilities.insert(row.capability);
  }
  CHECK(capabilities == std::set<config::Capability>{config::Capability::kAnalysis,
                                                     config::Capability::kScenarios});
}

TEST_CASE("an answer that does not fit the schema fails the analysis, and the entry is kept",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  auto gemini = gemini_text_instance("gemini", fake);
  gemini.breaker_failures = 0;
  TestServer server(text_ai_config(db.url(), {gemini}));
  const auto port = server.port();
  const Account me = register_account(port, "misfit@example.com");

  const std::vector<std::string> misfits = {
      R"({"summary": "s", "sentiment": "ecstatic", "sentiment_score": 0.5, "highlights": [],)"
      R"( "positive_count": 1, "negative_count": 0})",
      R"({"summary": "s", "sentiment": "positive", "sentiment_score": 3, "highlights": [],)"
      R"( "positive_count": 1, "negative_count": 0})",
      R"({"sentiment": "positive", "sentiment_score": 0.5, "highlights": [],)"
      R"( "positive_count": 1, "negative_count": 0})",
      R"({"summary": "s", "sentiment": "positive", "sentiment_score": 0.5, "highlights":)"
      R"( [{"text": "x", "polarity": "furious"}], "positive_count": 1, "negative_count": 0})",
      R"({"summary": "s", "sentiment": "positive", "sentiment_score": 0.5, "highlights": [],)"
      R"( "positive_count": -1, "negative_count": 0})",
      R"(["summary", "sentiment"])",
      "You seem fine to me.",
  };
  int n = 0;
  for (const std::string& misfit : misfits) {
    INFO(misfit);
    route_replies(fake, text_reply(misfit), text_reply(fitting_scenarios_json(3)));
    const HttpReply created =
        post_entry(port, me.access_token, entry_body("Misfit number " + std::to_string(++n)));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const auto entry = created.json();
    CHECK(text_of(entry["analysis"], "status") == "failed");
    CHECK(text_of(entry["analysis"]["error"], "code") == "UPSTREAM_ERROR");
    CHECK_FALSE(text_of(entry["analysis"]["error"], "message").empty());
    CHECK_FALSE(entry["analysis"].HasMember("summary"));
    CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == created.body);
  }
  CHECK(list_ids(port, me.access_token).size() == misfits.size());

  // A misfit is never cached: the same entry asks again, and a fitting answer is stored.
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  const std::size_t asked = analysis_request_count(fake);
  const auto again = create_entry(port, me.access_token, entry_body("Misfit number 1"));
  CHECK(analysis_request_count(fake) == asked + 1);
  CHECK(text_of(again["analysis"], "status") == "ready");
}

TEST_CASE("a provider that is down or blocks the content fails the analysis, not the entry",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  auto gemini = gemini_text_instance("gemini", fake);
  gemini.max_attempts = 2;
  TestServer server(text_ai_config(db.url(), {gemini}));
  const auto port = server.port();
  const Account me = register_account(port, "down@example.com");

  fake.set_fallback([](const FakeGeminiRequest&) {
    return error_reply(503, "UNAVAILABLE", "The model is overloaded.");
  });
  for (int i = 0; i < 4; ++i) {  // past the breaker's threshold too
    const HttpReply created =
        post_entry(port, me.access_token, entry_body("Down " + std::to_string(i)));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const auto entry = created.json();
    CHECK(text_of(entry["analysis"], "status") == "failed");
    const std::string code = text_of(entry["analysis"]["error"], "code");
    CHECK((code == "UPSTREAM_ERROR" || code == "UNAVAILABLE"));
    CHECK(entry["scenarios"].Size() == 0);
    CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == created.body);
  }
  CHECK(list_ids(port, me.access_token).size() == 4);
}

TEST_CASE("a safety block or a silent provider fails the analysis with its code, keeping the entry",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  auto gemini = gemini_text_instance("gemini", fake);
  gemini.max_attempts = 1;
  gemini.timeout_ms = 300;
  gemini.breaker_failures = 0;
  TestServer server(text_ai_config(db.url(), {gemini}));
  const auto port = server.port();
  const Account me = register_account(port, "blocked@example.com");
  FakeGeminiReply hang;
  hang.hang = true;

  for (const auto& [reply, code] : std::vector<std::pair<FakeGeminiReply, std::string>>{
           {blocked_prompt_reply(), "CONTENT_BLOCKED"}, {hang, "UPSTREAM_TIMEOUT"}}) {
    INFO(code);
    route_replies(fake, reply, reply);
    const HttpReply created = post_entry(port, me.access_token, entry_body("Something " + code));
    INFO(created.body);
    REQUIRE(created.status == 201);
    const auto entry = created.json();
    CHECK(text_of(entry["analysis"], "status") == "failed");
    CHECK(text_of(entry["analysis"]["error"], "code") == code);
    CHECK(entry["scenarios"].Size() == 0);
    CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == created.body);
  }
}

TEST_CASE("fresh scenarios that fail answer the error and keep the old ones",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  auto gemini = gemini_text_instance("gemini", fake);
  gemini.max_attempts = 1;
  gemini.breaker_failures = 0;
  gemini.timeout_ms = 300;
  route_replies(fake, text_reply(fitting_analysis_json()), text_reply(fitting_scenarios_json(3)));
  TestServer server(text_ai_config(db.url(), {gemini}));
  const auto port = server.port();
  const Account me = register_account(port, "keep@example.com");
  const auto entry = create_entry(port, me.access_token, entry_body("Keep my scenarios"));
  const std::string path = "/api/v1/entries/" + text_of(entry, "id");
  const auto old_ids = scenario_ids(entry);
  REQUIRE(old_ids.size() == 3);

  FakeGeminiReply hang;
  hang.hang = true;
  FakeGeminiReply too_many = text_reply(fitting_scenarios_json(3));
  const std::vector<std::pair<FakeGeminiReply, int>> failures = {
      {error_reply(503, "UNAVAILABLE", "The model is overloaded."), 502},
      {text_reply("no JSON here"), 502},
      {too_many, 502},  // 3 scenarios where 2 were asked for
      {text_reply(R"({"scenarios": []})"), 502},
      {hang, 504},
  };
  for (const auto& [reply, status] : failures) {
    fake.set_fallback([reply = reply](const FakeGeminiRequest&) { return reply; });
    const HttpReply answer =
        api_call(port, "POST", path + "/scenarios", R"({"count": 2})", me.access_token);
    INFO(answer.body);
    CHECK(answer.status == status);
    CHECK(error_code(answer) == (status == 504 ? "UPSTREAM_TIMEOUT" : "UPSTREAM_ERROR"));
    CHECK_FALSE(text_of(answer.json()["error"], "request_id").empty());
    CHECK(scenario_ids(get_entry(port, me.access_token, text_of(entry, "id")).json()) == old_ids);
  }
}

TEST_CASE("an analysis that comes back after the entry was edited is dropped, not stored",
          "[api][entries][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  FakeGeminiReply slow = text_reply(fitting_analysis_json());
  slow.delay = std::chrono::milliseconds(700);  // under the instance's 1 s timeout
  route_replies(fake, slow, text_reply(fitting_scenarios_json(3)));
  TestServer server(text_ai_config(db.url(), {gemini_text_instance("gemini", fake)}));
  const auto port = server.port();
  const Account me = register_account(port, "race@example.com");

  HttpReply created;
  std::thread writer([&] { created = post_entry(port, me.access_token, entry_body("Slow one")); });
  // The entry is saved before the provider is asked: edit it while the analysis is on its way.
  std::vector<std::string> ids;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
       ids.empty() && std::chrono::steady_clock::now() < until;) {
    ids = list_ids(port, me.access_token);
  }
  REQUIRE(ids.size() == 1);
  const HttpReply edited = api_call(port, "PATCH", "/api/v1/entries/" + ids[0] + "?analyze=false",
                                    R"({"thoughts": "Changed my mind"})", me.access_token);
  writer.join();
  REQUIRE(edited.status == 200);
  CHECK(analysis_request_count(fake) == 1);
  INFO(created.body);
  REQUIRE(created.status == 201);
  // The late analysis described the old words: neither it nor its scenarios were stored.
  const auto stored = get_entry(port, me.access_token, ids[0]).json();
  CHECK(text_of(stored, "thoughts") == "Changed my mind");
  CHECK(text_of(stored["analysis"], "status") == "skipped");
  CHECK(stored["scenarios"].Size() == 0);
  CHECK(created.body == get_entry(port, me.access_token, ids[0]).body);
}

TEST_CASE("the mock's mixed answers fit the analysis schema", "[api][entries][ai]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const Account me = register_account(server.port(), "mixed@example.com");
  const auto entry = create_entry(server.port(), me.access_token,
                                  entry_body("I was happy to see her", "but sad that she left",
                                             {{"happy", 0.6}, {"sad", 0.6}}));
  CHECK(text_of(entry["analysis"], "status") == "ready");
  CHECK(text_of(entry["analysis"], "sentiment") == "mixed");
  CHECK(entry["analysis"]["positive_count"].GetInt() > 0);
  CHECK(entry["analysis"]["negative_count"].GetInt() > 0);
}
