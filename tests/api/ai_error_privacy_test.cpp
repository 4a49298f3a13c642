// Provider and transport failures reach clients without the provider's host, port, URLs or API
// key, through every route that shows them: the error envelope of /debug/ai (message and
// details), an entry's failed analysis (as answered and as stored), and a failed visualization
// job. The log line of the failed call still names the host, never the key.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/log_capture.h"
#include "tests/support/ports.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "AIzaTestKey-do-NOT-leak-0123456789";

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// `shown` (an error's message and details, as JSON) names neither host, port, URL nor key.
void check_private(const std::string& shown, const std::string& host, std::uint16_t port) {
  INFO("shown to the client: " << shown);
  CHECK(shown.find(host) == std::string::npos);
  CHECK(shown.find("127.0.0.1") == std::string::npos);
  CHECK(shown.find(std::to_string(port)) == std::string::npos);
  CHECK(shown.find("http") == std::string::npos);
  CHECK(shown.find(kKey) == std::string::npos);
  CHECK(shown.find("AIza") == std::string::npos);
}

// The log names the host of the failed call and never the key.
void check_log(const LogCapture& log, const std::string& authority) {
  const std::string text = log.text();
  INFO("log: " << text);
  CHECK(text.find(authority) != std::string::npos);
  CHECK(text.find(kKey) == std::string::npos);
}

config::ProviderInstanceConfig gemini_at(const std::string& base_url) {
  config::ProviderInstanceConfig c;
  c.name = "gemini";
  c.plugin = "gemini";
  c.settings = {{"model", "gemini-2.5-flash"}, {"api_key", kKey}, {"base_url", base_url}};
  c.timeout_ms = 1000;
  c.deadline_ms = 3000;
  c.max_attempts = 1;
  c.breaker_failures = 0;
  return c;
}

config::Config debug_config(const std::string& db_url, const config::ProviderInstanceConfig& text) {
  config::Config cfg = text_ai_config(db_url, {text});
  cfg.server.debug_endpoints = true;
  return cfg;
}

struct Trouble {
  std::string name;
  std::string expected_code;
};

}  // namespace

TEST_CASE("transport failures reach /debug/ai clients without host, port, URL or key",
          "[api][ai][privacy]") {
  const auto trouble =
      GENERATE(values<Trouble>({{"connection refused", "UPSTREAM_ERROR"},
                                {"unresolvable host", "UPSTREAM_ERROR"},
                                {"no answer", "UPSTREAM_TIMEOUT"},
                                {"truncated body", "UPSTREAM_ERROR"},
                                {"answer over the size limit", "UPSTREAM_ERROR"}}));
  INFO(trouble.name);
  auto db = make_test_database("sqlite");
  FakeGemini fake(kKey);
  std::string host = "127.0.0.1";
  std::uint16_t port = fake.port();
  if (trouble.name == "connection refused") {
    port = free_loopback_port();
  } else if (trouble.name == "unresolvable host") {
    host = "no-such-host.invalid";  // never resolves (RFC 6761)
    port = free_loopback_port();
  } else {
    FakeGeminiReply reply = text_reply("a fairly long answer that will not arrive whole");
    reply.hang = trouble.name == "no answer";
    reply.truncate = trouble.name == "truncated body";
    if (trouble.name == "answer over the size limit") {
      reply.body = std::string(std::size_t{32} * 1024 * 1024 + 1, ' ');
    }
    fake.enqueue(reply);
  }
  const std::string authority = host + ":" + std::to_string(port);
  TestServer server(debug_config(db.url(), gemini_at("http://" + authority)));
  LogCapture log;

  const HttpReply reply =
      api_call(server.port(), "POST", "/debug/ai/analysis", R"({"text": "I felt calm."})");

  INFO(reply.body);
  CHECK(error_code(reply) == trouble.expected_code);
  const auto doc = reply.json();
  REQUIRE(doc["error"].IsObject());
  CHECK(std::string(doc["error"]["details"]["provider"].GetString()) == "gemini");
  check_private(to_json(doc["error"]["message"]) + to_json(doc["error"]["details"]), host, port);
  check_private(reply.body, host, port);
  check_log(log, authority);
}

TEST_CASE("a provider error that echoes URLs, hosts and the key keeps only its reason",
          "[api][ai][privacy]") {
  auto db = make_test_database("sqlite");
  FakeGemini fake(kKey);
  const std::string authority = "127.0.0.1:" + std::to_string(fake.port());
  FakeGeminiReply echo = error_reply(
      429, "RESOURCE_EXHAUSTED",
      "You exceeded your current quota for key " + std::string(kKey) + " at http://" + authority +
          "/v1beta (service 'generativelanguage.googleapis.com', consumer "
          "'project_number:123456789'). See https://ai.google.dev/gemini-api/docs/rate-limits.");
  echo.close_after = true;
  fake.set_fallback([echo](const FakeGeminiRequest&) { return echo; });
  TestServer server(debug_config(db.url(), gemini_at(fake.base_url())));
  LogCapture log;

  const HttpReply reply =
      api_call(server.port(), "POST", "/debug/ai/analysis", R"({"text": "I felt calm."})");

  INFO(reply.body);
  CHECK(reply.status == 502);
  CHECK(error_code(reply) == "UPSTREAM_ERROR");
  const std::string message = error_message(reply);
  CHECK_THAT(message, Catch::Contains("RESOURCE_EXHAUSTED"));
  CHECK_THAT(message, Catch::Contains("You exceeded your current quota"));
  check_private(reply.body, "googleapis.com", fake.port());
  CHECK(reply.body.find("123456789") == std::string::npos);
  const std::string logged = log.text();
  INFO(logged);
  CHECK_THAT(logged, Catch::Contains("You exceeded your current quota"));
  CHECK_THAT(logged, Catch::Contains(authority));  // the log keeps the host, only clients lose it
  CHECK(logged.find(kKey) == std::string::npos);
}

TEST_CASE("a failed analysis shows and stores no host, port, URL or key", "[api][ai][privacy]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  const std::uint16_t port = free_loopback_port();
  const std::string authority = "127.0.0.1:" + std::to_string(port);
  TestServer server(text_ai_config(db.url(), {gemini_at("http://" + authority)}));
  LogCapture log;
  const Account me = register_account(server.port(), "private@example.com");

  const HttpReply created =
      post_entry(server.port(), me.access_token, entry_body("Nobody answers the phone"));

  INFO(created.body);
  REQUIRE(created.status == 201);
  const auto entry = created.json();
  const auto& analysis = entry["analysis"];
  CHECK(text_of(analysis, "status") == "failed");
  CHECK(text_of(analysis["error"], "code") == "UPSTREAM_ERROR");
  CHECK(text_of(analysis["error"], "message") ==
        "The AI provider failed: could not connect to the provider");
  check_private(to_json(analysis["error"]), "127.0.0.1", port);
  const HttpReply stored = get_entry(server.port(), me.access_token, text_of(entry, "id"));
  REQUIRE(stored.status == 200);
  check_private(to_json(stored.json()["analysis"]["error"]), "127.0.0.1", port);
  check_log(log, authority);
}

TEST_CASE("a failed visualization job stores no host, port, URL or key", "[api][viz][privacy]") {
  auto db = make_test_database("sqlite");
  const std::uint16_t port = free_loopback_port();
  const std::string authority = "127.0.0.1:" + std::to_string(port);
  config::Config cfg = test_config(db.url());
  config::ProviderInstanceConfig image = gemini_at("http://" + authority);
  image.name = "nano_banana";
  image.plugin = "nano_banana";
  image.settings["model"] = "gemini-2.5-flash-image";
  cfg.providers.instances = {config::mock_instance(), image};
  cfg.providers.chains = {{config::Capability::kAnalysis, {"mock"}},
                          {config::Capability::kScenarios, {"mock"}},
                          {config::Capability::kSummary, {"mock"}},
                          {config::Capability::kImage, {"nano_banana"}}};
  cfg.visualizations.poll_interval_ms = 50;
  cfg.visualizations.max_attempts = 1;
  TestServer server(cfg);
  LogCapture log;
  const Account me = register_account(server.port(), "painter@example.com");
  auto database = open_or_fail(db.config(1));
  const std::string entry = create_test_entry(*database, me.id);

  const HttpReply accepted = api_call(
      server.port(), "POST", "/api/v1/entries/" + entry + "/visualizations", "", me.access_token);
  INFO(accepted.body);
  REQUIRE(accepted.status == 202);
  const std::string id = accepted.json()["id"].GetString();

  rapidjson::Document job;
  for (auto until = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
    const HttpReply polled =
        api_call(server.port(), "GET", "/api/v1/visualizations/" + id, "", me.access_token);
    REQUIRE(polled.status == 200);
    job = polled.json();
    if (text_of(job, "status") == "failed") break;
  }
  INFO(to_json(job));
  REQUIRE(text_of(job, "status") == "failed");
  CHECK(text_of(job["error"], "code") == "UPSTREAM_ERROR");
  CHECK(text_of(job["error"], "message") ==
        "The AI provider failed: could not connect to the provider");
  check_private(to_json(job["error"]), "127.0.0.1", port);
  check_log(log, authority);
}
