#include "tests/support/entries_client.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/common/json.h"
#include "core/store/usage_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/test_server.h"

namespace moodgate::testing {

std::string entry_body(const std::string& situation, const std::string& thoughts,
                       const std::vector<EmotionInput>& emotions) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "situation");
    json::string(w, situation);
    json::key(w, "thoughts");
    json::string(w, thoughts);
    json::key(w, "emotions");
    w.StartArray();
    for (const EmotionInput& e : emotions) {
      w.StartObject();
      json::key(w, "name");
      json::string(w, e.name);
      json::key(w, "intensity");
      w.Double(e.intensity);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

HttpReply post_entry(std::uint16_t port, const std::string& token, const std::string& body,
                     const std::string& query, const Headers& extra) {
  return api_call(port, "POST", "/api/v1/entries" + query, body, token, extra);
}

rapidjson::Document create_entry(std::uint16_t port, const std::string& token,
                                 const std::string& body, const std::string& query) {
  const HttpReply reply = post_entry(port, token, body, query);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json();
}

HttpReply get_entry(std::uint16_t port, const std::string& token, const std::string& id) {
  return api_call(port, "GET", "/api/v1/entries/" + id, "", token);
}

std::vector<std::string> list_ids(std::uint16_t port, const std::string& token,
                                  const std::string& query, int limit) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    std::string target = "/api/v1/entries?limit=" + std::to_string(limit);
    if (!query.empty()) target += "&" + query;
    if (!cursor.empty()) target += "&cursor=" + cursor;
    const HttpReply reply = api_call(port, "GET", target, "", token);
    INFO(target << " -> " << reply.body);
    REQUIRE(reply.status == 200);
    const auto doc = reply.json();
    for (const auto& item : doc["items"].GetArray()) ids.push_back(text_of(item, "id"));
    if (doc["next_cursor"].IsNull()) return ids;
    cursor = doc["next_cursor"].GetString();
  }
  FAIL("the list never ended");
  return ids;
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::vector<std::string> scenario_ids(const rapidjson::Value& entry) {
  std::vector<std::string> ids;
  for (const auto& s : entry["scenarios"].GetArray()) ids.push_back(text_of(s, "id"));
  return ids;
}

config::ProviderInstanceConfig gemini_text_instance(const std::string& name,
                                                    const FakeGemini& fake) {
  config::ProviderInstanceConfig c;
  c.name = name;
  c.plugin = "gemini";
  c.settings = {
      {"model", "gemini-2.5-flash"}, {"api_key", "test-key"}, {"base_url", fake.base_url()}};
  c.timeout_ms = 1000;
  c.deadline_ms = 3000;
  c.backoff_initial_ms = 5;
  c.backoff_max_ms = 20;
  return c;
}

config::Config text_ai_config(const std::string& url,
                              std::vector<config::ProviderInstanceConfig> text) {
  config::Config cfg = test_config(url);
  std::vector<std::string> names;
  for (const auto& i : text) names.push_back(i.name);
  cfg.providers.instances = std::move(text);
  cfg.providers.instances.push_back(config::mock_instance());
  cfg.providers.chains = {{config::Capability::kAnalysis, names},
                          {config::Capability::kScenarios, names},
                          {config::Capability::kSummary, names},
                          {config::Capability::kImage, {"mock"}}};
  return cfg;
}

std::string gemini_gateway_yaml(const std::string& url, const FakeGemini& fake,
                                int request_timeout_ms, const std::string& sections) {
  return "server:\n  port: 0\n  request_timeout_ms: " + std::to_string(request_timeout_ms) +
         "\n  shutdown_grace_ms: 1000\n  worker_queue_limit: 1000\n"
         "database:\n  url: " +
         url + "\n  pool_size: 4\nauth:\n  jwt_secret: " + kTestJwtSecret +
         "\n  password_ops_limit: 1\n  password_mem_limit: 8KiB\n"
         "rate_limits:\n  enabled: false\n"
         "providers:\n  instances:\n    gemini:\n      plugin: gemini\n"
         "      timeout_ms: 60000\n      deadline_ms: 60000\n      settings:\n"
         "        model: gemini-2.5-flash\n        api_key: test-key\n        base_url: " +
         fake.base_url() +
         "\n    mock:\n      plugin: mock\n"
         "  chains:\n    analysis: [gemini]\n    scenarios: [gemini]\n    summary: [gemini]\n"
         "    image: [mock]\n" +
         sections + "logging:\n  level: info\n  access_log: false\n";
}

config::Config mock_config(const std::string& url, const config::ProviderInstanceConfig& mock) {
  config::Config cfg = test_config(url);
  config::ProviderInstanceConfig instance = mock;
  instance.backoff_initial_ms = 1;
  instance.backoff_max_ms = 5;
  cfg.providers.instances = {instance};
  cfg.providers.chains = {{config::Capability::kAnalysis, {instance.name}},
                          {config::Capability::kScenarios, {instance.name}},
                          {config::Capability::kSummary, {instance.name}},
                          {config::Capability::kImage, {instance.name}}};
  return cfg;
}

bool is_analysis_request(const FakeGeminiRequest& request) {
  return request.body.find("sentiment_score") != std::string::npos;
}

std::size_t analysis_request_count(const FakeGemini& fake) {
  std::size_t n = 0;
  for (const auto& r : fake.requests()) n += is_analysis_request(r) ? 1 : 0;
  return n;
}

std::size_t scenarios_request_count(const FakeGemini& fake) {
  return fake.requests().size() - analysis_request_count(fake);
}

void route_replies(FakeGemini& fake, FakeGeminiReply analysis, FakeGeminiReply scenarios) {
  fake.set_fallback([analysis, scenarios](const FakeGeminiRequest& request) {
    return is_analysis_request(request) ? analysis : scenarios;
  });
}

std::string fitting_analysis_json() {
  return R"({"summary": "You felt torn between dread and hope.", "sentiment": "mixed",)"
         R"( "sentiment_score": -0.25, "highlights": [{"text": "not ready", "polarity":)"
         R"( "negative"}, {"text": "a fresh start", "polarity": "positive"}],)"
         R"( "positive_count": 1, "negative_count": 2})";
}

std::string fitting_scenarios_json(int count) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "scenarios");
    w.StartArray();
    for (int i = 1; i <= count; ++i) {
      w.StartObject();
      json::key(w, "title");
      json::string(w, "Title " + std::to_string(i));
      json::key(w, "description");
      json::string(w, "Description " + std::to_string(i));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

std::vector<ai::UsageRecord> wait_for_usage(const TestDatabase& db, std::size_t count) {
  auto database = open_or_fail(db.config(1));
  std::vector<ai::UsageRecord> rows;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    auto got = database->run(
        "test.usage", [](soci::session& sql) { return store::UsageRepository(sql).recent(1000); });
    REQUIRE(got.ok());
    rows = std::move(got).value();
    if (rows.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return rows;
}

}  // namespace moodgate::testing
