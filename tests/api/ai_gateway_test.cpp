// AI calls through the whole gateway over HTTP (POST /debug/ai/{capability}): the real plugins,
// the real upstream client against a fake Gemini, usage rows in a real database on both
// backends, API.md's error envelope for each failure, and providers swapped by SIGHUP (and by
// saving the file, with providers.watch) while calls are in flight, without one failing.
#include <signal.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include "core/store/database.h"
#include "core/store/usage_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kAnalysis = R"({"text": "I felt calm and grateful by the sea."})";

config::ProviderInstanceConfig gemini_instance(const std::string& name, const FakeGemini& fake) {
  config::ProviderInstanceConfig c;
  c.name = name;
  c.plugin = "gemini";
  c.settings = {{"model", "gemini-2.5-flash"}, {"api_key", "test-key"}, {"base_url", fake.base_url()}};
  c.timeout_ms = 1000;
  c.deadline_ms = 3000;
  c.backoff_initial_ms = 5;
  c.backoff_max_ms = 20;
  return c;
}

// A test config with debug endpoints on and `instances` serving the text capabilities (the
// mock draws).
config::Config ai_config(const std::string& url, std::vector<config::ProviderInstanceConfig> text) {
  config::Config cfg = test_config(url);
  cfg.server.debug_endpoints = true;
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

HttpReply ask(std::uint16_t port, const std::string& capability = "analysis",
              const std::string& body = kAnalysis) {
  return api_call(port, "POST", "/debug/ai/" + capability, body);
}

std::string reason_of(const HttpReply& reply) {
  const auto doc = reply.json();
  if (!doc.HasMember("error") || !doc["error"].HasMember("details")) return "";
  const auto& details = doc["error"]["details"];
  return details.HasMember("reason") ? details["reason"].GetString() : "";
}

// The usage rows, once the recorder has written `count` of them (it writes in the background).
std::vector<ai::UsageRecord> usage_rows(const TestDatabase& db, std::size_t count) {
  auto database = open_or_fail(db.config(1));
  std::vector<ai::UsageRecord> rows;
  const auto until = Clock::now() + 10s;
  while (Clock::now() < until) {
    auto got = database->run("test.usage", [](soci::session& sql) {
      return store::UsageRepository(sql).recent(100);
    });
    REQUIRE(got.ok());
    rows = std::move(got).value();
    if (rows.size() >= count) break;
    std::this_thread::sleep_for(20ms);
  }
  return rows;
}

}  // namespace

TEST_CASE("an AI call through the gateway answers over HTTP and leaves a usage row",
          "[api][ai]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  FakeGemini fake;
  fake.enqueue(text_reply("You sound at peace.", 1000, 300, 200));
  auto inst = gemini_instance("gemini", fake);
  inst.price_input_per_million = 0.30;
  inst.price_output_per_million = 2.50;
  {
    TestServer server(ai_config(db.url(), {inst}));
    const HttpReply reply = ask(server.port());
    REQUIRE(reply.status == 200);
    const auto doc = reply.json();
    CHECK(std::string(doc["text"].GetString()) == "You sound at peace.");
    CHECK(std::string(doc["provider"].GetString()) == "gemini");
    CHECK(std::string(doc["model"].GetString()) == "gemini-2.5-flash");
    CHECK(doc["attempts"].GetInt() == 1);
    CHECK(doc["input_tokens"].GetInt64() == 1000);
    CHECK(doc["output_tokens"].GetInt64() == 500);
    CHECK(std::string(doc["finish_reason"].GetString()) == "STOP");

    const HttpReply image = ask(server.port(), "image", R"({"prompt": "calm sea"})");
    REQUIRE(image.status == 200);
    CHECK(std::string(image.json()["image"]["mime_type"].GetString()) == "image/png");
    CHECK(image.json()["image"]["bytes"].GetUint64() > 100);

    const auto rows = usage_rows(db, 2);
    REQUIRE(rows.size() == 2);
    const ai::UsageRecord& text_row = rows[1];  // newest first
    CHECK_FALSE(text_row.user_id.has_value());
    CHECK(text_row.request_id == reply.header("x-request-id"));
    CHECK(text_row.capability == config::Capability::kAnalysis);
    CHECK(text_row.provider == "gemini");
    CHECK(text_row.model == "gemini-2.5-flash");
    CHECK(text_row.tokens_in == 1000);
    CHECK(text_row.tokens_out == 500);
    CHECK(text_row.cost_usd == Approx(1000 * 0.30 / 1e6 + 500 * 2.50 / 1e6));
    CHECK(text_row.outcome == "ok");
    CHECK(text_row.attempts == 1);
    CHECK(rows[0].capability == config::Capability::kImage);
    CHECK(rows[0].provider == "mock");
  }
}

TEST_CASE("AI failures are answered with API.md's codes, and still leave usage rows",
          "[api][ai]") {
  auto db = make_test_database("sqlite");
  FakeGemini fake;
  auto inst = gemini_instance("gemini", fake);
  inst.max_attempts = 2;
  inst.breaker_failures = 4;
  inst.breaker_cooldown_ms = 60000;
  TestServer server(ai_config(db.url(), {inst}));

  fake.enqueue(blocked_prompt_reply());
  HttpReply reply = ask(server.port());
  CHECK(reply.status == 422);
  CHECK(error_code(reply) == "CONTENT_BLOCKED");
  CHECK(reason_of(reply) == "content_blocked");

  FakeGeminiReply hang;
  hang.hang = true;
  fake.enqueue(hang);
  fake.enqueue(hang);
  reply = ask(server.port());
  CHECK(reply.status == 504);
  CHECK(error_code(reply) == "UPSTREAM_TIMEOUT");

  fake.enqueue(error_reply(503, "UNAVAILABLE", "The model is overloaded."));
  fake.enqueue(error_reply(503, "UNAVAILABLE", "The model is overloaded."));
  reply = ask(server.port());
  CHECK(reply.status == 502);
  CHECK(error_code(reply) == "UPSTREAM_ERROR");
  CHECK(reason_of(reply) == "unavailable");
  CHECK_THAT(error_message(reply), Catch::Contains("overloaded"));
  CHECK(reply.body.find("test-key") == std::string::npos);

  // Four failed requests in a row (two timeouts, two 503s): the breaker is open and the next
  // call is refused at once, without a request.
  const std::size_t requests = fake.request_count();
  reply = ask(server.port());
  CHECK(reply.status == 503);
  CHECK(error_code(reply) == "UNAVAILABLE");
  CHECK(fake.request_count() == requests);
  const Account operator_account = register_account(server.port(), "ops@example.com");
  const auto providers =
      api_call(server.port(), "GET", "/api/v1/providers", "", operator_account.access_token).json();
  CHECK(std::string(providers["capabilities"]["analysis"][0]["breaker"].GetString()) == "open");

  CHECK(ask(server.port(), "nonsense").status == 404);
  reply = ask(server.port(), "analysis", R"({"txt": "typo"})");
  CHECK(reply.status == 400);
  CHECK(error_field(reply) == "text");

  const auto rows = usage_rows(db, 4);
  REQUIRE(rows.size() == 4);
  CHECK(rows[3].outcome == "content_blocked");
  CHECK(rows[2].outcome == "timeout");
  CHECK(rows[2].attempts == 2);
  CHECK(rows[1].outcome == "unavailable");
  CHECK(rows[0].outcome == "unavailable");
  CHECK(rows[0].attempts == 0);
}

namespace {

std::string process_config(const TempDir& dir, const std::string& providers, bool watch = false) {
  return "server:\n  port: 0\n  debug_endpoints: true\ndatabase:\n  url: sqlite:///" +
         (dir.path() / "swap.db").string() + "\nauth:\n  jwt_secret_file: " +
         (dir.path() / "jwt").string() + "\nproviders:\n  watch: " + (watch ? "true" : "false") +
         "\n" + providers + "logging:\n  level: info\n  access_log: false\n";
}

std::string mock_providers() {
  return "  instances:\n    mock:\n      plugin: mock\n"
         "  chains:\n    analysis: [mock]\n    scenarios: [mock]\n    summary: [mock]\n"
         "    image: [mock]\n";
}

std::string gemini_providers(const FakeGemini& fake) {
  return "  instances:\n    gemini:\n      plugin: gemini\n      settings:\n"
         "        model: gemini-2.5-flash\n        api_key: test-key\n        base_url: " +
         fake.base_url() +
         "\n    mock:\n      plugin: mock\n"
         "  chains:\n    analysis: [gemini]\n    scenarios: [gemini]\n    summary: [gemini]\n"
         "    image: [mock]\n";
}

std::string broken_providers() {
  return "  instances:\n    bad:\n      plugin: no_such_plugin\n"
         "  chains:\n    analysis: [bad]\n    scenarios: [bad]\n    summary: [bad]\n"
         "    image: [bad]\n";
}

// Clients asking for analyses in a loop, counting answers by provider and every failure.
class Load {
 public:
  Load(std::uint16_t port, int clients) {
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, port] {
        while (!stop_) {
          const HttpReply reply = ask(port);
          std::lock_guard lock(mu_);
          if (reply.status == 200) {
            ++by_provider_[reply.json()["provider"].GetString()];
          } else {
            failures_.push_back(std::to_string(reply.status) + " " + reply.body);
          }
        }
      });
    }
  }
  ~Load() { finish(); }

  void finish() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int answered_by(const std::string& provider) {
    std::lock_guard lock(mu_);
    return by_provider_[provider];
  }
  // Waits until `provider` has answered `more` calls beyond what it had when called.
  bool wait_for_more(const std::string& provider, int more) {
    const int target = answered_by(provider) + more;
    for (auto until = Clock::now() + 15s; Clock::now() < until;) {
      if (answered_by(provider) >= target) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  std::vector<std::string> failures() {
    std::lock_guard lock(mu_);
    return failures_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, int> by_provider_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

// Swaps mock → gemini → a broken section under load; `apply` makes the process re-read the file.
void swap_under_load(bool watch, const std::function<void(ServerProcess&)>& apply) {
  TempDir dir;
  FakeGemini fake;
  fake.set_fallback([](const FakeGeminiRequest&) {
    FakeGeminiReply r = text_reply("from gemini");
    r.delay = 150ms;  // calls are in flight whenever the swap lands
    return r;
  });
  const std::string path = dir.write("swap.yaml", process_config(dir, mock_providers(), watch));
  ServerProcess server({"--config", path, "serve"});
  const auto port = server.wait_for_port();
  REQUIRE(port != 0);
  if (watch) REQUIRE(server.wait_for_log("watching", 10s));

  Load load(port, 8);
  REQUIRE(load.wait_for_more("mock", 50));

  dir.write("swap.yaml", process_config(dir, gemini_providers(fake), watch));
  apply(server);
  REQUIRE(server.wait_for_log("providers reloaded", 10s));
  REQUIRE(load.wait_for_more("gemini", 40));

  dir.write("swap.yaml", process_config(dir, broken_providers(), watch));
  apply(server);
  REQUIRE(server.wait_for_log("provider reload refused", 10s));
  // The broken section changed nothing: gemini keeps answering.
  REQUIRE(load.wait_for_more("gemini", 40));
  load.finish();

  INFO(server.stderr_text().substr(0, 4000));
  const auto failures = load.failures();
  CHECK(failures.empty());
  if (!failures.empty()) FAIL_CHECK(failures.front());
  CHECK(load.answered_by("mock") >= 50);
  CHECK(load.answered_by("gemini") >= 80);
  server.signal(SIGTERM);
  CHECK(server.wait_exit(10s) == 0);
}

}  // namespace

TEST_CASE("SIGHUP swaps mock for gemini and refuses a broken section under load, failing no call",
          "[api][ai][cli][swap]") {
  swap_under_load(false, [](ServerProcess& server) { server.signal(SIGHUP); });
}

TEST_CASE("with providers.watch, saving the file swaps providers under load, failing no call",
          "[api][ai][cli][swap]") {
  // Nothing but the file changing tells the gateway.
  swap_under_load(true, [](ServerProcess&) {});
}
