// Per-user AI quotas over real HTTP, on both backends, with the real gemini plugin against the
// fake Gemini (or the mock plugin where the provider does not matter): reservations are exact
// under a burst and across two gateway processes, a spend cap overshoots by at most one
// reservation, reservations of a SIGKILLed process come back after their TTL, cache hits cost
// nothing, GET /usage agrees with the ai_usage rows, and every AI route says QUOTA_EXCEEDED the
// way API.md promises (POST /entries saves the entry; the explicit routes answer 429 with
// Retry-After and X-Quota-*).
#include <signal.h>
#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/common/time_format.h"
#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kDay = 86400;

// When the current one-day window ends (Unix seconds).
long long day_window_end() {
  const long long now = std::time(nullptr);
  return (now / kDay + 1) * kDay;
}

// Runs `count` calls of `request` at once, each on its own thread; their replies in order.
std::vector<HttpReply> burst(int count, const std::function<HttpReply(int)>& request) {
  std::vector<HttpReply> replies(static_cast<std::size_t>(count));
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      replies[static_cast<std::size_t>(i)] = request(i);
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  return replies;
}

std::map<int, int> by_status(const std::vector<HttpReply>& replies) {
  std::map<int, int> counts;
  for (const HttpReply& r : replies) ++counts[r.status];
  return counts;
}

// A 429 QUOTA_EXCEEDED of the calls limit of `capability` (`limit` per day), headers included.
void check_calls_refusal(const HttpReply& reply, const std::string& capability, int limit) {
  INFO(reply.body);
  REQUIRE(reply.status == 429);
  CHECK(error_code(reply) == "QUOTA_EXCEEDED");
  const auto body = reply.json();
  const auto& details = body["error"]["details"];
  CHECK(text_of(details, "capability") == capability);
  CHECK(text_of(details, "reason") == "calls");
  CHECK(reply.header("X-Quota-Limit") == std::to_string(limit));
  CHECK(reply.header("X-Quota-Remaining") == "0");
  const long long reset = std::stoll(reply.header("X-Quota-Reset"));
  CHECK(std::abs(reset - day_window_end()) <= kDay);  // the window this day (or the next, at 0:00)
  CHECK(reset % kDay == 0);
  const long long retry = std::stoll(reply.header("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= kDay);
}

// GET /usage, REQUIREd to be 200.
rapidjson::Document usage_of(std::uint16_t port, const Account& who) {
  const HttpReply reply = api_call(port, "GET", "/api/v1/usage", "", who.access_token);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json();
}

long long used_calls(std::uint16_t port, const Account& who, const char* capability) {
  return usage_of(port, who)["capabilities"][capability]["used"].GetInt64();
}

// The user's quota reservations still held, as the table has them.
long long held_reservations(store::Database& db, const std::string& user_id) {
  return count_rows(db, "quota_reservations", "user_id", user_id);
}

// Waits up to `timeout` for `condition`; whether it came true.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  for (auto until = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
    if (condition()) return true;
  }
  return condition();
}

HttpReply ask_analysis(std::uint16_t port, const Account& who, const std::string& entry) {
  return api_call(port, "POST", "/api/v1/entries/" + entry + "/analysis", "", who.access_token);
}

// Text through a gemini instance talking to `fake` (whose replies fit: analysis answers after
// `delay`), analysis cache off, every quota off unless the test sets it, on a fresh database
// with one account and one entry.
struct GeminiQuotaFixture {
  GeminiQuotaFixture(const std::string& backend,
                     const std::function<void(config::Config&)>& adjust,
                     std::chrono::milliseconds delay = 300ms)
      : test_db(make_test_database(backend)) {
    FakeGeminiReply analysis = text_reply(fitting_analysis_json());
    analysis.delay = delay;
    route_replies(fake, analysis, text_reply(fitting_scenarios_json(3)));
    config::Config cfg = text_ai_config(test_db.url(), {gemini_text_instance("gemini", fake)});
    cfg.journal.analysis_cache_ttl_s = 0;
    cfg.server.worker_queue_limit = 1000;
    cfg.quotas.per_user = all_off();
    adjust(cfg);
    server = std::make_unique<TestServer>(cfg);
    db = open_or_fail(test_db.config(2));
    user = register_account(server->port(), "quota@example.com");
    entry = create_test_entry(*db, user.id);
  }
  ~GeminiQuotaFixture() {
    db.reset();
    server.reset();
  }

  static config::QuotaLimits all_off() {
    config::QuotaLimits off;
    off.analysis = off.scenarios = off.summary = off.image = config::RateLimitRule{0, 0};
    off.spend_usd = config::SpendLimitRule{};
    return off;
  }

  std::uint16_t port() const { return server->port(); }

  FakeGemini fake;
  TestDatabase test_db;
  std::unique_ptr<TestServer> server;
  std::unique_ptr<store::Database> db;
  Account user;
  std::string entry;
};

}  // namespace

TEST_CASE("50 analyses at once with analysis 10/1d: exactly 10 reach Gemini, 40 are 429",
          "[api][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  GeminiQuotaFixture f(backend, [](config::Config& c) {
    c.quotas.per_user.analysis = config::RateLimitRule{10, kDay};
  });

  const auto replies =
      burst(50, [&](int) { return ask_analysis(f.port(), f.user, f.entry); });
  const auto statuses = by_status(replies);
  CHECK(statuses.at(200) == 10);
  CHECK(statuses.at(429) == 40);
  CHECK(analysis_request_count(f.fake) == 10);  // counted where it costs: at the provider
  for (const HttpReply& r : replies) {
    if (r.status == 429) check_calls_refusal(r, "analysis", 10);
  }

  const auto usage = usage_of(f.port(), f.user);
  const auto& analysis = usage["capabilities"]["analysis"];
  CHECK(analysis["used"].GetInt64() == 10);
  CHECK(analysis["limit"].GetInt64() == 10);
  CHECK(analysis["remaining"].GetInt64() == 0);
  CHECK(text_of(analysis, "resets_at") ==
        format_rfc3339_ms(from_unix_seconds(day_window_end())));
  CHECK(usage["capabilities"]["image"]["limit"].IsNull());  // off: unlimited
  CHECK(usage["spend_usd"]["limit"].IsNull());
  // Every granted call was billed and settled with its usage record: none is left held.
  CHECK(eventually([&] { return held_reservations(*f.db, f.user.id) == 0; }));
}

TEST_CASE("a spend cap crossed mid-burst lets through at most one reservation beyond it",
          "[api][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // Each call is estimated (and, as Gemini reports 10 output tokens, billed) at 10 output
  // tokens x 0.001 USD = 0.01 USD; the cap is 0.095 USD.
  GeminiQuotaFixture f(backend, [](config::Config& c) {
    for (auto& instance : c.providers.instances) {
      instance.price_input_per_million = 0;
      instance.price_output_per_million = 1000;
      instance.max_output_tokens = 10;
    }
    c.quotas.per_user.spend_usd = config::SpendLimitRule{95'000, kDay};
  });
  FakeGeminiReply analysis = text_reply(fitting_analysis_json(), 10, 10);
  analysis.delay = 300ms;
  route_replies(f.fake, analysis, text_reply(fitting_scenarios_json(3)));

  const auto replies =
      burst(30, [&](int) { return ask_analysis(f.port(), f.user, f.entry); });
  const auto statuses = by_status(replies);
  // Let through while the spend is under 0.095: 0.00, 0.01, ..., 0.09 -> ten calls, 0.10 in all.
  CHECK(statuses.at(200) == 10);
  CHECK(statuses.at(429) == 20);
  CHECK(analysis_request_count(f.fake) == 10);
  for (const HttpReply& r : replies) {
    if (r.status != 429) continue;
    INFO(r.body);
    const auto body = r.json();
    CHECK(text_of(body["error"]["details"], "reason") == "spend");
    CHECK(r.header("X-Quota-Limit") == "0.095");
    CHECK(r.header("X-Quota-Remaining") == "0.00");
  }
  // The output limit the spend was estimated at is what Gemini was asked for.
  for (const auto& request : f.fake.requests()) {
    rapidjson::Document body;
    body.Parse(request.body.c_str());
    REQUIRE(body.IsObject());
    CHECK(body["generationConfig"]["maxOutputTokens"].GetInt() == 10);
  }

  // GET /usage agrees with the ai_usage rows once they are written.
  REQUIRE(eventually([&] { return count_rows(*f.db, "ai_usage", "user_id", f.user.id) == 10; }));
  auto billed = f.db->run("test.ai_usage", [&](soci::session& sql) {
    double cost = 0;
    sql << "SELECT COALESCE(SUM(cost_usd), 0) FROM ai_usage WHERE user_id = :u",
        soci::use(f.user.id, "u"), soci::into(cost);
    return cost;
  });
  REQUIRE(billed.ok());
  const auto usage = usage_of(f.port(), f.user);
  CHECK(usage["spend_usd"]["used"].GetDouble() == Approx(*billed));
  CHECK(usage["spend_usd"]["used"].GetDouble() == Approx(0.10));
  CHECK(usage["spend_usd"]["limit"].GetDouble() == Approx(0.095));
  CHECK(usage["spend_usd"]["remaining"].GetDouble() == 0);
  CHECK(eventually([&] { return held_reservations(*f.db, f.user.id) == 0; }));
}

TEST_CASE("GET /usage counts what ai_usage holds, and a cache hit costs no quota",
          "[api][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  config::Config cfg = mock_config(test_db.url(), config::mock_instance());
  cfg.journal.analysis_cache_ttl_s = 3600;
  cfg.journal.scenario_count = 2;
  TestServer server(cfg);
  auto db = open_or_fail(test_db.config(2));
  const Account user = register_account(server.port(), "cache@example.com");

  const auto first = create_entry(server.port(), user.access_token, entry_body("Lost my keys"));
  CHECK(text_of(first["analysis"], "status") == "ready");
  const auto after_first = usage_of(server.port(), user);
  CHECK(after_first["capabilities"]["analysis"]["used"].GetInt64() == 1);
  CHECK(after_first["capabilities"]["analysis"]["remaining"].GetInt64() == 199);
  CHECK(after_first["capabilities"]["scenarios"]["used"].GetInt64() == 1);
  CHECK(after_first["capabilities"]["summary"]["limit"].GetInt64() == 20);  // the defaults
  CHECK(after_first["spend_usd"]["limit"].GetDouble() == Approx(2.0));

  // The same entry again: its analysis comes from the cache, only the scenarios are made.
  const auto second = create_entry(server.port(), user.access_token, entry_body("Lost my keys"));
  CHECK(text_of(second["analysis"], "status") == "ready");
  const auto after_second = usage_of(server.port(), user);
  CHECK(after_second["capabilities"]["analysis"]["used"].GetInt64() == 1);
  CHECK(after_second["capabilities"]["analysis"]["remaining"].GetInt64() == 199);
  CHECK(after_second["capabilities"]["scenarios"]["used"].GetInt64() == 2);

  // The calls counted are the provider calls the ai_usage table holds.
  REQUIRE(eventually([&] { return count_rows(*db, "ai_usage", "user_id", user.id) == 3; }));
  CHECK(count_rows(*db, "ai_usage", "capability", "analysis") == 1);
  CHECK(count_rows(*db, "ai_usage", "capability", "scenarios") == 2);
  CHECK(eventually([&] { return held_reservations(*db, user.id) == 0; }));
}

TEST_CASE("over quota, a new entry is saved with QUOTA_EXCEEDED and the AI routes answer 429",
          "[api][quota]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  config::Config cfg = mock_config(test_db.url(), config::mock_instance());
  cfg.journal.analysis_cache_ttl_s = 0;
  cfg.journal.scenario_count = 2;
  cfg.visualizations.workers = 0;  // jobs stay queued
  cfg.quotas.per_user.analysis = config::RateLimitRule{1, kDay};
  cfg.quotas.per_user.scenarios = config::RateLimitRule{1, kDay};
  cfg.quotas.per_user.summary = config::RateLimitRule{1, kDay};
  cfg.quotas.per_user.image = config::RateLimitRule{2, kDay};
  TestServer server(cfg);
  auto db = open_or_fail(test_db.config(2));
  const Account user = register_account(server.port(), "over@example.com");
  const std::uint16_t port = server.port();

  const auto first = create_entry(port, user.access_token, entry_body("A good day"));
  CHECK(text_of(first["analysis"], "status") == "ready");
  CHECK(first["scenarios"].Size() == 2);

  // The second entry is saved; its analysis failed on the quota, and it has no scenarios.
  const HttpReply second = post_entry(port, user.access_token, entry_body("A long day"));
  INFO(second.body);
  REQUIRE(second.status == 201);
  const auto saved = second.json();
  const std::string id = text_of(saved, "id");
  CHECK(text_of(saved["analysis"], "status") == "failed");
  CHECK(text_of(saved["analysis"]["error"], "code") == "QUOTA_EXCEEDED");
  CHECK_THAT(text_of(saved["analysis"]["error"], "message"), Catch::Contains("analysis quota"));
  CHECK(saved["scenarios"].Size() == 0);
  CHECK(get_entry(port, user.access_token, id).status == 200);

  // The explicit routes refuse, with the headers, and change nothing.
  check_calls_refusal(ask_analysis(port, user, id), "analysis", 1);
  const auto unchanged = get_entry(port, user.access_token, id).json();
  CHECK(text_of(unchanged, "updated_at") == text_of(saved, "updated_at"));
  CHECK(text_of(unchanged["analysis"]["error"], "code") == "QUOTA_EXCEEDED");
  check_calls_refusal(
      api_call(port, "POST", "/api/v1/entries/" + id + "/scenarios", "", user.access_token),
      "scenarios", 1);
  CHECK(api_call(port, "POST", "/api/v1/insights/summary", "", user.access_token).status == 200);
  check_calls_refusal(api_call(port, "POST", "/api/v1/insights/summary", "", user.access_token),
                      "summary", 1);
  const std::string viz = "/api/v1/entries/" + id + "/visualizations";
  const HttpReply job = api_call(port, "POST", viz, "", user.access_token);
  REQUIRE(job.status == 202);
  REQUIRE(api_call(port, "POST", viz, "", user.access_token).status == 202);
  check_calls_refusal(api_call(port, "POST", viz, "", user.access_token), "image", 2);
  CHECK(count_rows(*db, "visualizations", "user_id", user.id) == 2);  // the refused one is not

  // Deleting a queued job gives its picture back.
  const std::string job_id = text_of(job.json(), "id");
  REQUIRE(api_call(port, "DELETE", "/api/v1/visualizations/" + job_id, "", user.access_token)
              .status == 204);
  CHECK(used_calls(port, user, "image") == 1);
  CHECK(api_call(port, "POST", viz, "", user.access_token).status == 202);
}

TEST_CASE("an image job settles its quota when it succeeds and refunds it when it fails for good",
          "[api][quota][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto test_db = make_test_database(backend);
  config::Config cfg = mock_config(test_db.url(), config::mock_instance());
  config::ProviderInstanceConfig painter = config::mock_instance();
  painter.name = "painter";
  painter.price_per_image = 0.039;
  config::ProviderInstanceConfig broken = config::mock_instance();
  broken.name = "broken";
  broken.settings["failure_rate"] = "1";
  broken.max_attempts = 1;
  cfg.providers.instances.push_back(painter);
  cfg.providers.instances.push_back(broken);
  const bool failing = GENERATE(false, true);
  INFO((failing ? "failing painter" : "working painter"));
  cfg.providers.chains[config::Capability::kImage] = {failing ? "broken" : "painter"};
  cfg.visualizations.workers = 1;
  cfg.visualizations.poll_interval_ms = 50;
  cfg.visualizations.max_attempts = 1;
  cfg.quotas.per_user.image = config::RateLimitRule{3, kDay};
  TestServer server(cfg);
  auto db = open_or_fail(test_db.config(2));
  const Account user = register_account(server.port(), "painter@example.com");
  const std::string entry = create_test_entry(*db, user.id);

  const HttpReply job = api_call(server.port(), "POST",
                                 "/api/v1/entries/" + entry + "/visualizations", "",
                                 user.access_token);
  REQUIRE(job.status == 202);
  const std::string path = "/api/v1/visualizations/" + text_of(job.json(), "id");
  std::string status;
  REQUIRE(eventually([&] {
    status = text_of(api_call(server.port(), "GET", path, "", user.access_token).json(), "status");
    return status == "succeeded" || status == "failed";
  }));
  CHECK(status == (failing ? "failed" : "succeeded"));
  CHECK(held_reservations(*db, user.id) == 0);
  const auto usage = usage_of(server.port(), user);
  CHECK(usage["capabilities"]["image"]["used"].GetInt64() == (failing ? 0 : 1));
  CHECK(usage["spend_usd"]["used"].GetDouble() == Approx(failing ? 0.0 : 0.039));
}

namespace {

// A gateway process's config: text through gemini at `fake` (no analysis cache), the given
// quotas section.
std::string process_config(const std::string& url, const FakeGemini& fake, int request_timeout_ms,
                           const std::string& quotas) {
  return gemini_gateway_yaml(url, fake, request_timeout_ms,
                             "journal:\n  analysis_cache_ttl_s: 0\nquotas:\n" + quotas);
}

std::unique_ptr<ServerProcess> start_gateway(const std::string& config_path,
                                             std::uint16_t& port) {
  auto process =
      std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_path, "serve"});
  port = process->wait_for_port();
  INFO(process->stderr_text().substr(0, 4000));
  REQUIRE(port != 0);
  return process;
}

}  // namespace

TEST_CASE("two gateway processes on one database, 25 analyses each at once: still exactly 10",
          "[api][quota][processes]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto shared = make_test_database(backend);
  auto db = open_migrated(shared, 2);
  TempDir dir;
  FakeGemini fake;
  FakeGeminiReply analysis = text_reply(fitting_analysis_json());
  analysis.delay = 300ms;
  route_replies(fake, analysis, text_reply(fitting_scenarios_json(3)));
  const std::string config_path = dir.write(
      "moodgate.yaml",
      process_config(shared.url(), fake, 30000,
                     "  per_user:\n    analysis: 10/1d\n    spend_usd: off\n"));
  std::uint16_t a_port = 0;
  std::uint16_t b_port = 0;
  auto a = start_gateway(config_path, a_port);
  auto b = start_gateway(config_path, b_port);
  const Account user = register_account(a_port, "two@example.com");
  const std::string entry = create_test_entry(*db, user.id);

  const auto replies = burst(50, [&](int i) {
    return ask_analysis(i % 2 == 0 ? a_port : b_port, user, entry);
  });
  const auto statuses = by_status(replies);
  CHECK(statuses.at(200) == 10);
  CHECK(statuses.at(429) == 40);
  CHECK(analysis_request_count(fake) == 10);
  CHECK(used_calls(b_port, user, "analysis") == 10);
  CHECK(used_calls(a_port, user, "analysis") == 10);
}

TEST_CASE("the reservations of a SIGKILLed gateway come back after reservation_ttl_s",
          "[api][quota][kill]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  constexpr int kTtlS = 3;
  auto shared = make_test_database(backend);
  auto db = open_migrated(shared, 2);
  TempDir dir;
  FakeGemini fake;
  FakeGeminiReply silence;
  silence.hang = true;
  fake.set_fallback([silence](const FakeGeminiRequest&) { return silence; });
  const std::string config_path = dir.write(
      "moodgate.yaml",
      process_config(shared.url(), fake, 2000,
                     "  per_user:\n    analysis: 2/1d\n  reservation_ttl_s: " +
                         std::to_string(kTtlS) + "\n"));
  std::uint16_t a_port = 0;
  auto a = start_gateway(config_path, a_port);
  const Account user = register_account(a_port, "killed@example.com");
  const std::string entry = create_test_entry(*db, user.id);

  // Two analyses wait on a Gemini that never answers, each holding a reservation.
  std::vector<std::thread> clients;
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back([&] { (void)ask_analysis(a_port, user, entry); });
  }
  REQUIRE(eventually([&] { return analysis_request_count(fake) == 2; }, 5s));
  CHECK(held_reservations(*db, user.id) == 2);
  a->signal(SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  CHECK(a->wait_exit(10s) == 128 + SIGKILL);
  for (auto& t : clients) t.join();
  a.reset();

  // The next gateway finds the quota used up, until the reservations expire and are swept.
  FakeGeminiReply answer = text_reply(fitting_analysis_json());
  fake.set_fallback([answer](const FakeGeminiRequest&) { return answer; });
  std::uint16_t b_port = 0;
  auto b = start_gateway(config_path, b_port);
  if (std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(kTtlS) - 500ms) {
    check_calls_refusal(ask_analysis(b_port, user, entry), "analysis", 2);
  }
  REQUIRE(eventually([&] { return used_calls(b_port, user, "analysis") == 0; }, 20s));
  const auto returned_after = std::chrono::steady_clock::now() - killed_at;
  CHECK(returned_after >= std::chrono::seconds(kTtlS) - 1s);  // not before the bound
  CHECK(returned_after <= std::chrono::seconds(kTtlS) + 8s);  // TTL, one sweep, a restart
  CHECK(held_reservations(*db, user.id) == 0);
  const HttpReply again = ask_analysis(b_port, user, entry);
  INFO(again.body);
  CHECK(again.status == 200);
  CHECK(used_calls(b_port, user, "analysis") == 1);
}

namespace {

// The budget of `instance` in the analysis chain, as GET /providers shows it.
rapidjson::Document providers_of(std::uint16_t port, const Account& who) {
  const HttpReply reply = api_call(port, "GET", "/api/v1/providers", "", who.access_token);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json();
}

bool budget_exhausted(std::uint16_t port, const Account& who) {
  const auto providers = providers_of(port, who);
  const auto& gemini = providers["capabilities"]["analysis"][0];
  return gemini["budget"].IsObject() && gemini["budget"]["exhausted"].GetBool();
}

// Analysis through gemini (10 prompt tokens at 1000 USD per 1M = 0.01 USD a call, its budget
// 0.01 USD a day), then the mock.
config::Config budget_config(const std::string& url, const FakeGemini& fake) {
  config::ProviderInstanceConfig gemini = gemini_text_instance("gemini", fake);
  gemini.price_input_per_million = 1000;
  gemini.budget_usd = config::SpendLimitRule{10'000, kDay};
  config::Config cfg = text_ai_config(url, {gemini});
  cfg.providers.chains[config::Capability::kAnalysis] = {"gemini", "mock"};
  cfg.journal.analysis_cache_ttl_s = 0;
  return cfg;
}

std::string analysis_provider(const HttpReply& reply) {
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return text_of(reply.json()["analysis"], "provider");
}

}  // namespace

TEST_CASE("an instance whose budget is spent is skipped for the next one, and /providers says so",
          "[api][quota][budget]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  FakeGemini fake;
  route_replies(fake, text_reply(fitting_analysis_json(), 10, 20),
                text_reply(fitting_scenarios_json(3)));
  auto test_db = make_test_database(backend);
  TestServer server(budget_config(test_db.url(), fake));
  auto db = open_or_fail(test_db.config(2));
  const Account user = register_account(server.port(), "budget@example.com");
  const std::string entry = create_test_entry(*db, user.id);

  const auto before = providers_of(server.port(), user);
  const auto& fresh = before["capabilities"]["analysis"][0]["budget"];
  REQUIRE(fresh.IsObject());
  CHECK(fresh["limit_usd"].GetDouble() == Approx(0.01));
  CHECK(fresh["spent_usd"].GetDouble() == 0);
  CHECK_FALSE(fresh["exhausted"].GetBool());
  CHECK(before["capabilities"]["analysis"][1]["budget"].IsNull());  // the mock has none

  CHECK(analysis_provider(ask_analysis(server.port(), user, entry)) == "gemini");
  // Counted once its usage row is written (within the recorder's flush interval).
  REQUIRE(eventually([&] { return budget_exhausted(server.port(), user); }));
  const auto after = providers_of(server.port(), user);
  CHECK(after["capabilities"]["analysis"][0]["budget"]["spent_usd"].GetDouble() == Approx(0.01));
  CHECK(analysis_provider(ask_analysis(server.port(), user, entry)) == "mock");
  CHECK(analysis_request_count(fake) == 1);
  CHECK(count_rows(*db, "provider_spend", "instance", "gemini") == 1);
}

TEST_CASE("a budget spent through one gateway is skipped by another on the same database",
          "[api][quota][budget]") {
  auto test_db = make_test_database("postgresql");
  FakeGemini fake;
  route_replies(fake, text_reply(fitting_analysis_json(), 10, 20),
                text_reply(fitting_scenarios_json(3)));
  const config::Config cfg = budget_config(test_db.url(), fake);
  TestServer a(cfg);
  TestServer b(cfg);
  auto db = open_or_fail(test_db.config(2));
  const Account user = register_account(a.port(), "budget2@example.com");
  const std::string entry = create_test_entry(*db, user.id);

  CHECK(analysis_provider(ask_analysis(a.port(), user, entry)) == "gemini");
  // B learns of A's settled spend from the provider_spend table (refreshed every 5 s).
  REQUIRE(eventually([&] { return budget_exhausted(b.port(), user); }, 15s));
  CHECK(analysis_provider(ask_analysis(b.port(), user, entry)) == "mock");
  CHECK(analysis_request_count(fake) == 1);
}
