// The call engine end to end: the real gemini, nano_banana and mock plugins (.so) through the real
// UpstreamClient against fake Gemini servers — retries, RetryInfo, deadlines, fallback along the
// chain, circuit breakers, usage records, and a reload under calls in flight. Where a test is about
// a wait of the engine's own (backoff, RetryInfo, a breaker's cool-down, a local answer's delay),
// it runs on ManualTimers and moves time by hand; the attempt timeouts are libcurl's, so the tests
// of those wait in real time.
#include "core/ai/ai_caller.h"

#include <dirent.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/ai/plugin_loader.h"
#include "core/ai/provider_registry.h"
#include "core/ai/upstream_client.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/log_capture.h"
#include "tests/support/manual_timers.h"

using namespace moodgate;
using namespace std::chrono_literals;
using ai::AiAnswer;
using ai::AiCall;
using ai::AiCaller;
using ai::CircuitBreaker;
using moodgate::testing::FakeGemini;
using moodgate::testing::FakeGeminiReply;
using moodgate::testing::ManualTimers;

namespace {

using Clock = std::chrono::steady_clock;

class RecordingSink : public ai::UsageSink {
 public:
  void record(ai::UsageRecord r) override {
    std::lock_guard lock(mu_);
    records_.push_back(std::move(r));
  }
  std::vector<ai::UsageRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<ai::UsageRecord> records_;
};

// A gemini instance against `fake`, with test-sized backoff and timeouts.
config::ProviderInstanceConfig gemini(const std::string& name, const FakeGemini& fake,
                                      const std::string& api_key = "test-key") {
  config::ProviderInstanceConfig c;
  c.name = name;
  c.plugin = "gemini";
  c.settings = {{"model", "gemini-2.5-flash"}, {"api_key", api_key}, {"base_url", fake.base_url()}};
  c.connect_timeout_ms = 1000;
  c.timeout_ms = 2000;
  c.deadline_ms = 5000;
  c.max_attempts = 3;
  c.backoff_initial_ms = 5;
  c.backoff_max_ms = 20;
  return c;
}

config::ProviderInstanceConfig mock(const std::string& name,
                                    std::map<std::string, std::string> settings = {}) {
  config::ProviderInstanceConfig c;
  c.name = name;
  c.plugin = "mock";
  c.settings = std::move(settings);
  return c;
}

// `instances` serve the text capabilities (or only the image one, with `images`); an offline
// mock serves the others, since every chain must be filled.
config::ProvidersConfig chain_of(std::vector<config::ProviderInstanceConfig> instances,
                                 bool images = false) {
  config::ProvidersConfig cfg;
  std::vector<std::string> names;
  for (const auto& i : instances) names.push_back(i.name);
  cfg.instances = std::move(instances);
  cfg.instances.push_back(mock("offline"));
  const std::vector<std::string> rest = {"offline"};
  cfg.chains = {{config::Capability::kAnalysis, images ? rest : names},
                {config::Capability::kScenarios, images ? rest : names},
                {config::Capability::kSummary, images ? rest : names},
                {config::Capability::kImage, images ? names : rest}};
  return cfg;
}

sdk::TextTask text_task(const std::string& text = "I felt calm by the sea today.") {
  sdk::TextTask task;
  task.system_prompt = "You read journal entries.";
  task.messages = {{"user", text}};
  return task;
}

int thread_count() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(dir)) n += e->d_name[0] != '.';
    ::closedir(dir);
  }
  return n;
}

// The real timers, letting a test wait until the engine has scheduled a wait on them.
class WatchedTimers final : public ai::Timers {
 public:
  explicit WatchedTimers(ai::UpstreamClient& client) : real_(client) {}

  Clock::time_point now() const override { return real_.now(); }
  std::chrono::milliseconds jitter(std::chrono::milliseconds ceiling) override {
    return real_.jitter(ceiling);
  }
  bool schedule(std::chrono::milliseconds delay, std::function<void()> fn) override {
    const bool accepted = real_.schedule(delay, std::move(fn));
    {
      std::lock_guard lock(mu_);
      ++scheduled_;
    }
    cv_.notify_all();
    return accepted;
  }

  // Whether a wait was scheduled within `timeout`.
  bool wait_for_schedule(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return scheduled_ > 0; });
  }

 private:
  ai::UpstreamTimers real_;
  std::mutex mu_;
  std::condition_variable cv_;
  int scheduled_ = 0;
};

struct Engine {
  // `timers` null: the real ones. Otherwise they must outlive the engine.
  explicit Engine(const config::ProvidersConfig& cfg, ai::UpstreamClientOptions options = {},
                  ai::Timers* timers = nullptr, const ai::ProviderBudgets* budgets = nullptr)
      : client(options) {
    auto set = ai::ProviderSet::build(cfg, loader);
    INFO((set.ok() ? "" : set.error().message));
    REQUIRE(set.ok());
    registry = std::make_unique<ai::ProviderRegistry>(std::move(set).value());
    caller = std::make_unique<AiCaller>(*registry, client, &usage, timers, budgets);
  }

  void reload(const config::ProvidersConfig& cfg) {
    auto set = ai::ProviderSet::build(cfg, loader);
    REQUIRE(set.ok());
    registry->replace(std::move(set).value());
  }

  std::future<AiAnswer> start(sdk::Task task,
                              config::Capability capability = config::Capability::kAnalysis,
                              const std::string& reservation_id = "") {
    auto promise = std::make_shared<std::promise<AiAnswer>>();
    auto future = promise->get_future();
    AiCall call;
    call.capability = capability;
    call.task = std::move(task);
    call.user_id = "user-1";
    call.request_id = "req-1";
    call.reservation_id = reservation_id;
    caller->call(std::move(call), [promise](AiAnswer a) { promise->set_value(std::move(a)); });
    return future;
  }

  AiAnswer run(sdk::Task task = text_task(),
               config::Capability capability = config::Capability::kAnalysis) {
    auto future = start(std::move(task), capability);
    return answer_of(future);
  }

  // The answer of a started call, waited for in real time.
  static AiAnswer answer_of(std::future<AiAnswer>& future) {
    REQUIRE(future.wait_for(20s) == std::future_status::ready);
    return future.get();
  }

  const CircuitBreaker& breaker(std::size_t index) const {
    return *registry->current()->chain(config::Capability::kAnalysis).at(index)->breaker;
  }

  // Destroyed bottom-up: the caller, then the client (whose stop may still answer calls into
  // `usage`), then the providers.
  ai::PluginLoader loader{ai::default_plugin_dirs()};
  RecordingSink usage;
  std::unique_ptr<ai::ProviderRegistry> registry;
  ai::UpstreamClient client;
  std::unique_ptr<AiCaller> caller;
};

std::string text_of(const AiAnswer& answer) {
  if (!answer.ok()) FAIL(answer.failure().message);
  return std::get<sdk::TextOutput>(answer.result().output).text;
}

sdk::FailureKind kind_of(const AiAnswer& answer) {
  REQUIRE_FALSE(answer.ok());
  return answer.failure().kind;
}

}  // namespace

TEST_CASE("a call through gemini returns the answer and leaves a usage record with its cost",
          "[ai][caller]") {
  FakeGemini fake;
  fake.enqueue(testing::text_reply("You felt calm.", 120, 200, 50));
  auto inst = gemini("primary", fake);
  inst.price_input_per_million = 0.30;
  inst.price_output_per_million = 2.50;
  Engine engine(chain_of({inst}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "You felt calm.");
  CHECK(answer.provider == "primary");
  CHECK(answer.model == "gemini-2.5-flash");
  CHECK(answer.attempts == 1);
  CHECK(answer.result().usage.input_tokens == 120);
  CHECK(answer.result().usage.output_tokens == 250);  // thinking is billed as output
  REQUIRE(fake.request_count() == 1);
  CHECK(fake.requests()[0].api_key == "test-key");

  const auto records = engine.usage.records();
  REQUIRE(records.size() == 1);
  const ai::UsageRecord& r = records[0];
  CHECK(r.user_id == std::optional<std::string>("user-1"));
  CHECK(r.request_id == "req-1");
  CHECK(r.capability == config::Capability::kAnalysis);
  CHECK(r.provider == "primary");
  CHECK(r.model == "gemini-2.5-flash");
  CHECK(r.tokens_in == 120);
  CHECK(r.tokens_out == 250);
  CHECK(r.cost_usd == Approx(120 * 0.30 / 1e6 + 250 * 2.50 / 1e6));
  CHECK(r.outcome == "ok");
  CHECK(r.attempts == 1);
  CHECK(r.latency == answer.latency);
  CHECK(engine.caller->in_flight() == 0);
}

TEST_CASE("an image call costs its tokens plus the price per image", "[ai][caller]") {
  FakeGemini fake;
  fake.enqueue(testing::image_reply(testing::tiny_png()));
  auto inst = gemini("painter", fake);
  inst.plugin = "nano_banana";
  inst.settings["model"] = "gemini-2.5-flash-image";
  inst.price_output_per_million = 30.0;
  inst.price_per_image = 0.039;
  Engine engine(chain_of({inst}, true));

  sdk::ImageTask task;
  task.prompt = "a calm sea at dusk";
  const AiAnswer answer = engine.run(task, config::Capability::kImage);
  REQUIRE(answer.ok());
  const auto& image = std::get<sdk::ImageOutput>(answer.result().output);
  CHECK(image.bytes == testing::tiny_png());
  CHECK(image.mime_type == "image/png");
  const auto records = engine.usage.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].capability == config::Capability::kImage);
  CHECK(records[0].tokens_out == 1298);
  CHECK(records[0].cost_usd == Approx(1298 * 30.0 / 1e6 + 0.039));
}

TEST_CASE("a 503 is retried on the same provider, then the chain falls back to the next",
          "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  for (int i = 0; i < 3; ++i)
    primary.enqueue(testing::error_reply(503, "UNAVAILABLE", "overloaded"));
  secondary.enqueue(testing::text_reply("from the fallback"));
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "from the fallback");
  CHECK(answer.provider == "secondary");
  CHECK(answer.attempts == 4);
  CHECK(primary.request_count() == 3);  // max_attempts
  CHECK(secondary.request_count() == 1);
  const auto records = engine.usage.records();
  REQUIRE(records.size() == 1);  // one record per call, not per attempt
  CHECK(records[0].provider == "secondary");
  CHECK(records[0].attempts == 4);
  CHECK(records[0].outcome == "ok");
}

TEST_CASE("a 503 that clears on retry is answered by the same provider", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  primary.enqueue(testing::error_reply(503, "UNAVAILABLE", "overloaded"));
  primary.enqueue(testing::text_reply("second time lucky"));
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "second time lucky");
  CHECK(answer.provider == "primary");
  CHECK(answer.attempts == 2);
  CHECK(secondary.request_count() == 0);
}

TEST_CASE("a 400 is neither retried nor fallen back from", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  primary.enqueue(
      testing::error_reply(400, "INVALID_ARGUMENT", "Request contains an invalid argument."));
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(kind_of(answer) == sdk::FailureKind::kInvalidRequest);
  CHECK(answer.provider == "primary");
  CHECK(answer.attempts == 1);
  CHECK(primary.request_count() == 1);
  CHECK(secondary.request_count() == 0);
  const auto records = engine.usage.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].outcome == "invalid_request");
  CHECK(records[0].tokens_in == 0);
  CHECK(records[0].cost_usd == 0);
  // The provider answered: a bad request says nothing about its health.
  CHECK(engine.breaker(0).state() == CircuitBreaker::State::kClosed);
}

TEST_CASE("a safety block ends the call without trying another provider", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  primary.enqueue(testing::blocked_prompt_reply());
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(kind_of(answer) == sdk::FailureKind::kContentBlocked);
  CHECK(secondary.request_count() == 0);
  CHECK(engine.usage.records().at(0).outcome == "content_blocked");
}

TEST_CASE("a plugin that throws fails as a bad response, logged without its key", "[ai][caller]") {
  config::ProviderInstanceConfig thrower;
  thrower.name = "thrower";
  thrower.plugin = std::string(MOODGATE_FIXTURE_PLUGIN_DIR) + "/fixture_good.so";
  thrower.settings = {{"api_key", "fixture-secret-key"},
                      {"throw_on_start", "upstream quoted key=fixture-secret-key back"}};
  thrower.max_attempts = 1;
  Engine engine(chain_of({thrower}));
  testing::LogCapture log;

  const AiAnswer answer = engine.run();
  CHECK(kind_of(answer) == sdk::FailureKind::kBadResponse);
  CHECK(answer.failure().message == "the provider plugin failed unexpectedly");
  const std::string logged = log.text();
  INFO(logged);
  CHECK_THAT(logged, Catch::Contains("threw from start(): upstream quoted key=[redacted] back"));
  CHECK(logged.find("fixture-secret-key") == std::string::npos);
}

TEST_CASE("refused credentials are not retried but fall back to the next provider",
          "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  secondary.enqueue(testing::text_reply("served by the fallback"));
  Engine engine(
      chain_of({gemini("primary", primary, "a-wrong-key"), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "served by the fallback");
  CHECK(primary.request_count() == 1);
  CHECK(answer.attempts == 2);
}

TEST_CASE("a 429 waits out Gemini's RetryInfo delay before trying again", "[ai][caller]") {
  FakeGemini primary;
  primary.enqueue(testing::rate_limited_reply("0.6s"));
  primary.enqueue(testing::text_reply("after the quota reset"));
  ManualTimers timers;
  Engine engine(chain_of({gemini("primary", primary)}), {}, &timers);

  auto future = engine.start(text_task());
  REQUIRE(timers.wait_for_pending(1));  // the 429 is read and the retry waits
  // The backoff alone would be at most 5 ms: only RetryInfo explains the wait.
  CHECK(timers.delays() == std::vector<std::chrono::milliseconds>{600ms});
  timers.advance(599ms);
  CHECK(timers.pending() == 1);
  CHECK(primary.request_count() == 1);
  timers.advance(1ms);
  const AiAnswer answer = Engine::answer_of(future);
  CHECK(text_of(answer) == "after the quota reset");
  CHECK(answer.attempts == 2);
  CHECK(primary.request_count() == 2);
  CHECK(answer.latency >= 600ms);
  CHECK(answer.latency < 3s);
}

TEST_CASE("retries wait the jitter's pick under a ceiling that doubles up to backoff_max_ms",
          "[ai][caller]") {
  FakeGemini primary;
  for (int i = 0; i < 4; ++i)
    primary.enqueue(testing::error_reply(503, "UNAVAILABLE", "overloaded"));
  primary.enqueue(testing::text_reply("fifth time lucky"));
  auto patient = gemini("primary", primary);  // backoff 5 ms doubling, at most 20 ms
  patient.max_attempts = 5;
  ManualTimers timers;
  std::vector<std::chrono::milliseconds> ceilings;  // asked on the I/O thread, one at a time
  timers.set_jitter([&](std::chrono::milliseconds ceiling) {
    ceilings.push_back(ceiling);
    return ceiling - 1ms;
  });
  Engine engine(chain_of({patient}), {}, &timers);

  auto future = engine.start(text_task());
  for (std::size_t retry = 1; retry <= 4; ++retry) {
    INFO("retry " << retry);
    REQUIRE(timers.wait_for_pending(1));
    REQUIRE(timers.delays().size() == retry);
    const std::chrono::milliseconds wait = timers.delays().back();
    timers.advance(wait - 1ms);
    CHECK(timers.pending() == 1);  // not a millisecond early
    timers.advance(1ms);
  }
  const AiAnswer answer = Engine::answer_of(future);
  CHECK(text_of(answer) == "fifth time lucky");
  CHECK(answer.attempts == 5);
  CHECK(primary.request_count() == 5);
  CHECK(ceilings == std::vector<std::chrono::milliseconds>{5ms, 10ms, 20ms, 20ms});
  CHECK(timers.delays() == std::vector<std::chrono::milliseconds>{4ms, 9ms, 19ms, 19ms});
  CHECK(answer.latency == 51ms);
}

TEST_CASE("a retry delay that would pass the deadline falls back at once", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  primary.enqueue(testing::rate_limited_reply("30s"));
  secondary.enqueue(testing::text_reply("no waiting"));
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "no waiting");
  CHECK(primary.request_count() == 1);
  CHECK(answer.latency < 2s);
}

TEST_CASE("the deadline bounds every attempt against a hanging provider", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  FakeGeminiReply hang;
  hang.hang = true;
  primary.set_fallback([hang](const testing::FakeGeminiRequest&) { return hang; });
  secondary.enqueue(testing::text_reply("the fallback answered"));
  auto slow = gemini("primary", primary);
  slow.timeout_ms = 300;
  slow.deadline_ms = 1000;
  slow.max_attempts = 10;
  Engine engine(chain_of({slow, gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "the fallback answered");
  // 300 ms attempts within a 1 s deadline: three or four of them, never the ten allowed.
  CHECK(primary.request_count() >= 3);
  CHECK(primary.request_count() <= 4);
  CHECK(answer.latency >= 900ms);
  CHECK(answer.latency < 2500ms);
}

TEST_CASE("a call's own deadline stops it even when the providers' allow more", "[ai][caller]") {
  FakeGemini primary;
  FakeGeminiReply hang;
  hang.hang = true;
  primary.set_fallback([hang](const testing::FakeGeminiRequest&) { return hang; });
  Engine engine(chain_of({gemini("primary", primary)}));

  AiCall call;
  call.capability = config::Capability::kAnalysis;
  call.task = text_task();
  call.deadline = Clock::now() + 400ms;
  std::promise<AiAnswer> promise;
  engine.caller->call(std::move(call), [&](AiAnswer a) { promise.set_value(std::move(a)); });
  auto future = promise.get_future();
  REQUIRE(future.wait_for(5s) == std::future_status::ready);
  const AiAnswer answer = future.get();
  CHECK(kind_of(answer) == sdk::FailureKind::kTimeout);
  CHECK(answer.latency >= 350ms);
  CHECK(answer.latency < 1500ms);
}

TEST_CASE("malformed JSON is retried once, then the chain falls back", "[ai][caller]") {
  FakeGemini primary;
  FakeGemini secondary;
  for (int i = 0; i < 3; ++i) primary.enqueue(testing::malformed_json_reply());
  secondary.enqueue(testing::text_reply("well-formed"));
  Engine engine(chain_of({gemini("primary", primary), gemini("secondary", secondary)}));

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "well-formed");
  CHECK(primary.request_count() == 2);
}

TEST_CASE("the breaker opens after consecutive failures, skips the provider, and recovers",
          "[ai][caller][breaker]") {
  FakeGemini primary;
  FakeGemini secondary;
  std::atomic<bool> healthy{false};
  primary.set_fallback([&](const testing::FakeGeminiRequest&) {
    return healthy ? testing::text_reply("primary is back")
                   : testing::error_reply(503, "UNAVAILABLE", "down");
  });
  auto flaky = gemini("primary", primary);
  flaky.max_attempts = 1;
  flaky.breaker_failures = 2;
  flaky.breaker_cooldown_ms = 600;
  ManualTimers timers;
  Engine engine(chain_of({flaky, gemini("secondary", secondary)}), {}, &timers);

  CHECK(engine.run().provider == "secondary");
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kClosed);
  CHECK(engine.run().provider == "secondary");
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kOpen);
  REQUIRE(primary.request_count() == 2);

  // Open: the primary is not even asked.
  for (int i = 0; i < 5; ++i) {
    const AiAnswer answer = engine.run();
    CHECK(answer.provider == "secondary");
    CHECK(answer.attempts == 1);
  }
  CHECK(primary.request_count() == 2);

  // Not a millisecond before the cool-down is over.
  timers.advance(599ms);
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kOpen);
  CHECK(engine.run().provider == "secondary");
  CHECK(primary.request_count() == 2);

  // After the cool-down one probe goes through; it fails, so the breaker opens again.
  timers.advance(1ms);
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kHalfOpen);
  CHECK(engine.run().provider == "secondary");
  CHECK(primary.request_count() == 3);
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kOpen);
  CHECK(engine.breaker(0).times_opened() == 2);

  // The provider heals; the next probe succeeds and closes the breaker.
  healthy = true;
  timers.advance(600ms);
  const AiAnswer probe = engine.run();
  CHECK(text_of(probe) == "primary is back");
  CHECK(probe.provider == "primary");
  CHECK(engine.breaker(0).state(timers.now()) == CircuitBreaker::State::kClosed);
  CHECK(engine.run().provider == "primary");
  CHECK(timers.pending() == 0);  // no call waited: only the breaker kept time
}

TEST_CASE("with every breaker open the call fails fast, naming the providers",
          "[ai][caller][breaker]") {
  FakeGemini primary;
  primary.set_fallback([](const testing::FakeGeminiRequest&) {
    return testing::error_reply(500, "INTERNAL", "broken");
  });
  auto broken = gemini("primary", primary);
  broken.max_attempts = 1;
  broken.breaker_failures = 1;
  broken.breaker_cooldown_ms = 60000;
  Engine engine(chain_of({broken}));

  CHECK(kind_of(engine.run()) == sdk::FailureKind::kUnavailable);
  const AiAnswer fast = engine.run();
  CHECK(kind_of(fast) == sdk::FailureKind::kUnavailable);
  CHECK_THAT(fast.failure().message, Catch::Contains("circuit open: primary"));
  CHECK(fast.attempts == 0);
  CHECK(fast.latency < 100ms);
  CHECK(primary.request_count() == 1);
  const auto records = engine.usage.records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].provider == "primary");
  CHECK(records[1].attempts == 0);
  CHECK(records[1].outcome == "unavailable");
}

TEST_CASE("a local answer slower than the attempt timeout is a timeout", "[ai][caller]") {
  auto slow = mock("slow_mock", {{"latency_ms", "2000"}});
  slow.timeout_ms = 150;
  slow.max_attempts = 1;
  ManualTimers timers;
  Engine engine(chain_of({slow}), {}, &timers);

  auto future = engine.start(text_task());
  CHECK(timers.delays() == std::vector<std::chrono::milliseconds>{150ms});  // not the 2 s
  timers.advance(149ms);
  CHECK(future.wait_for(0s) == std::future_status::timeout);
  timers.advance(1ms);
  const AiAnswer answer = Engine::answer_of(future);
  CHECK(kind_of(answer) == sdk::FailureKind::kTimeout);
  CHECK(answer.latency >= 140ms);
  CHECK(answer.latency < 1500ms);
}

TEST_CASE("the mock answers through the same engine, with its simulated latency as a timer",
          "[ai][caller]") {
  ManualTimers timers;
  Engine engine(chain_of({mock("mock", {{"latency_ms", "100"}})}), {}, &timers);
  auto future = engine.start(text_task("I was happy and grateful."));
  timers.advance(99ms);
  CHECK(future.wait_for(0s) == std::future_status::timeout);
  timers.advance(1ms);
  const AiAnswer answer = Engine::answer_of(future);
  REQUIRE(answer.ok());
  CHECK(answer.provider == "mock");
  CHECK(answer.latency >= 100ms);
  CHECK_FALSE(text_of(answer).empty());
  CHECK(engine.usage.records().at(0).outcome == "ok");
}

TEST_CASE("a reload leaves calls in flight on the provider they started with", "[ai][caller]") {
  FakeGemini old_provider;
  FakeGemini new_provider;
  FakeGeminiReply slow = testing::text_reply("old provider");
  slow.delay = 400ms;
  old_provider.enqueue(slow);
  new_provider.set_fallback(
      [](const testing::FakeGeminiRequest&) { return testing::text_reply("new provider"); });
  Engine engine(chain_of({gemini("old", old_provider)}));

  auto in_flight = engine.start(text_task());
  for (int i = 0; i < 200 && old_provider.request_count() == 0; ++i)
    std::this_thread::sleep_for(5ms);
  REQUIRE(old_provider.request_count() == 1);
  engine.reload(chain_of({gemini("new", new_provider)}));

  CHECK(text_of(engine.run()) == "new provider");
  REQUIRE(in_flight.wait_for(5s) == std::future_status::ready);
  const AiAnswer old_answer = in_flight.get();
  CHECK(text_of(old_answer) == "old provider");
  CHECK(old_answer.provider == "old");
}

TEST_CASE("a stopped client answers a call waiting for its backoff with shutting down",
          "[ai][caller]") {
  FakeGemini primary;
  primary.enqueue(testing::rate_limited_reply("20s"));
  auto patient = gemini("primary", primary);
  patient.deadline_ms = 60000;
  Engine engine(chain_of({patient}));
  WatchedTimers timers(engine.client);
  AiCaller caller(*engine.registry, engine.client, &engine.usage, &timers);

  std::promise<AiAnswer> promise;
  AiCall call;
  call.capability = config::Capability::kAnalysis;
  call.task = text_task();
  caller.call(std::move(call), [&](AiAnswer a) { promise.set_value(std::move(a)); });
  REQUIRE(timers.wait_for_schedule(10s));  // the reply is read and the 20 s wait scheduled
  REQUIRE(primary.request_count() == 1);
  engine.client.stop();
  auto future = promise.get_future();
  REQUIRE(future.wait_for(5s) == std::future_status::ready);
  const AiAnswer answer = future.get();
  CHECK(kind_of(answer) == sdk::FailureKind::kUnavailable);
  CHECK(answer.failure().message == "shutting down");
  CHECK(caller.in_flight() == 0);
}

TEST_CASE("1,000 calls in flight against a 1 s provider finish with a handful of threads",
          "[ai][caller][load]") {
  FakeGemini slow;
  slow.set_fallback([](const testing::FakeGeminiRequest&) {
    FakeGeminiReply r = testing::text_reply("eventually");
    r.delay = 1000ms;
    return r;
  });
  ai::UpstreamClientOptions options;
  options.max_connections_per_host = 1000;
  options.max_total_connections = 1000;
  options.max_cached_connections = 1000;
  Engine engine(chain_of({gemini("slow", slow)}), options);
  const int threads_before = thread_count();

  constexpr int kCalls = 1000;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  const auto start = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    AiCall call;
    call.capability = config::Capability::kAnalysis;
    call.task = text_task();
    engine.caller->call(std::move(call), [&](AiAnswer a) {
      ok += a.ok() ? 1 : 0;
      ++done;
    });
  }
  std::size_t peak = 0;
  int threads_during = 0;
  while (done < kCalls && Clock::now() - start < 30s) {
    peak = std::max(peak, engine.caller->in_flight());
    threads_during = std::max(threads_during, thread_count());
    std::this_thread::sleep_for(20ms);
  }
  const auto elapsed = Clock::now() - start;
  CHECK(done == kCalls);
  CHECK(ok == kCalls);
  CHECK(peak >= 900);
  CHECK(threads_during <= threads_before + 1);
  CHECK(elapsed < 10s);
  CHECK(slow.max_concurrent_connections() >= 900);
  CHECK(engine.usage.records().size() == static_cast<std::size_t>(kCalls));
}

TEST_CASE("a call is estimated at its input and output limit at the dearest instance's prices",
          "[ai][caller][quota]") {
  config::ProviderInstanceConfig cheap = mock("cheap");
  cheap.price_input_per_million = 1.0;
  cheap.price_output_per_million = 2.0;
  cheap.max_output_tokens = 1000;
  sdk::TextTask task;
  task.system_prompt = std::string(40, 's');   // 10 tokens
  task.messages = {{"user", std::string(41, 'u')}};  // 11 tokens (rounded up)
  // 21 input tokens x 1 USD/M + 1000 output tokens x 2 USD/M = 0.002021 USD.
  CHECK(ai::estimate_micros(task, cheap) == 2021);
  task.max_output_tokens = 100;  // the task's own lower limit counts
  CHECK(ai::estimate_micros(task, cheap) == 221);
  task.max_output_tokens = 5000;  // a higher one is capped at the instance's
  CHECK(ai::estimate_micros(task, cheap) == 2021);

  config::ProviderInstanceConfig painter = mock("painter");
  painter.price_per_image = 0.039;
  sdk::ImageTask image;
  image.prompt = "sea";
  CHECK(ai::estimate_micros(image, painter) == 39000);

  config::ProviderInstanceConfig dear = cheap;
  dear.name = "dear";
  dear.price_output_per_million = 20.0;
  Engine engine(chain_of({cheap, dear}));
  AiCall call;
  call.task = sdk::TextTask{};
  CHECK(engine.caller->estimate_micros(call) == 20000);  // 1000 tokens at the dearer price
}

TEST_CASE("the provider is asked for at most the instance's max_output_tokens",
          "[ai][caller][quota]") {
  FakeGemini fake;
  auto capped = gemini("capped", fake);
  capped.max_output_tokens = 64;
  Engine engine(chain_of({capped}));
  auto asks = text_task();
  REQUIRE(engine.run(asks).ok());
  asks.max_output_tokens = 32;
  REQUIRE(engine.run(asks).ok());
  const auto requests = fake.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body.find("\"maxOutputTokens\":64") != std::string::npos);
  CHECK(requests[1].body.find("\"maxOutputTokens\":32") != std::string::npos);
}

TEST_CASE("an instance whose budget is spent is skipped like an open breaker", "[ai][caller][quota]") {
  FakeGemini primary;
  FakeGemini secondary;
  secondary.enqueue(testing::text_reply("from the fallback"));
  auto first = gemini("primary", primary);
  first.budget_usd = config::SpendLimitRule{1'000'000, 86400};
  first.price_input_per_million = 2.0;
  auto second = gemini("secondary", secondary);
  second.price_input_per_million = 2.0;
  ai::ProviderBudgets budgets;
  Engine engine(chain_of({first, second}), {}, nullptr, &budgets);

  // Not spent yet: primary answers, and its record says where its cost goes.
  primary.enqueue(testing::text_reply("from the primary"));
  const AiAnswer paid = engine.start(text_task(), config::Capability::kAnalysis, "res-1").get();
  CHECK(text_of(paid) == "from the primary");
  CHECK(paid.cost_usd == Approx(10 * 2.0 / 1e6));
  auto records = engine.usage.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].reservation_id == "res-1");
  CHECK(records[0].budget_window_s == 86400);
  CHECK(records[0].cost_usd == Approx(paid.cost_usd));

  const std::int64_t now = std::time(nullptr);
  budgets.written({{"primary", 86400, ai::budget_window_start(86400, now), 1'000'000}});
  const auto standing = budgets.standing(first, now);
  REQUIRE(standing.has_value());
  CHECK(standing->exhausted());
  CHECK(standing->resets_at == ai::budget_window_start(86400, now) + 86400);

  const AiAnswer answer = engine.run();
  CHECK(text_of(answer) == "from the fallback");
  CHECK(answer.provider == "secondary");
  CHECK(primary.request_count() == 1);
  records = engine.usage.records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].budget_window_s == 0);  // secondary has no budget

  // Every instance spent: the call fails at once, saying why.
  budgets.written({{"secondary", 86400, ai::budget_window_start(86400, now), 1'000'000}});
  auto both = first;
  both.name = "secondary";
  Engine spent(chain_of({first, both}), {}, nullptr, &budgets);
  const AiAnswer none = spent.run();
  CHECK(kind_of(none) == sdk::FailureKind::kUnavailable);
  CHECK_THAT(none.failure().message, Catch::Contains("budget spent: primary, secondary"));

  // A new picture of the table replaces what was known: primary is open again.
  budgets.replace({});
  CHECK(budgets.allows(first, now));
}
