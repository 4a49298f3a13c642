// VisualizationWorkers with real parts on both backends: the mock and nano_banana plugins
// (.so) through the real AiCaller and UpstreamClient, the latter against a FakeGemini. Jobs
// succeed with the image's real size, transient failures are retried with backoff up to
// max_attempts, refusals fail at once, and a renewed lease keeps a slow job from being taken
// over by another instance's workers.
#include "core/services/visualization_worker.h"

#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>

#include "core/ai/plugin_loader.h"
#include "core/ai/provider_registry.h"
#include "core/ai/upstream_client.h"
#include "core/services/image_info.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_jobs.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;
using Repo = store::VisualizationsRepository;

namespace {

config::ProviderInstanceConfig mock_painter(std::map<std::string, std::string> settings = {}) {
  config::ProviderInstanceConfig c = config::mock_instance();
  c.settings = std::move(settings);
  return c;
}

// nano_banana against `fake`, one request per call: the job's own retries are under test.
config::ProviderInstanceConfig banana(const FakeGemini& fake) {
  config::ProviderInstanceConfig c;
  c.name = "banana";
  c.plugin = "nano_banana";
  c.settings = {
      {"model", "gemini-2.5-flash-image"}, {"api_key", "test-key"}, {"base_url", fake.base_url()}};
  c.timeout_ms = 10000;
  c.deadline_ms = 10000;
  c.max_attempts = 1;
  c.breaker_failures = 0;
  return c;
}

config::VisualizationsConfig fast_jobs() {
  config::VisualizationsConfig c;
  c.workers = 1;
  c.lease_ms = 2000;
  c.poll_interval_ms = 20;
  c.max_attempts = 3;
  c.backoff_initial_ms = 10;
  c.backoff_max_ms = 40;
  return c;
}

// The gateway's AI engine with `painter` serving the image capability.
struct Engine {
  explicit Engine(const config::ProviderInstanceConfig& painter) {
    config::ProvidersConfig cfg;
    cfg.instances = {painter};
    if (painter.name != "mock") cfg.instances.push_back(config::mock_instance());
    cfg.chains = {{config::Capability::kAnalysis, {"mock"}},
                  {config::Capability::kScenarios, {"mock"}},
                  {config::Capability::kSummary, {"mock"}},
                  {config::Capability::kImage, {painter.name}}};
    auto set = ai::ProviderSet::build(cfg, loader);
    INFO((set.ok() ? "" : set.error().message));
    REQUIRE(set.ok());
    registry = std::make_unique<ai::ProviderRegistry>(std::move(set).value());
    caller = std::make_unique<ai::AiCaller>(*registry, client, nullptr);
  }
  // Calls still running must be answered while the caller exists (AiCaller's contract).
  ~Engine() { client.stop(); }
  ai::PluginLoader loader{ai::default_plugin_dirs()};
  std::unique_ptr<ai::ProviderRegistry> registry;
  ai::UpstreamClient client;
  std::unique_ptr<ai::AiCaller> caller;
};

using Fixture = TestJobs;

}  // namespace

TEST_CASE("a worker paints a queued job with the mock and stores the image with its size",
          "[services][viz][worker]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  Engine engine(mock_painter());
  auto cfg = fast_jobs();
  cfg.workers = 2;
  services::VisualizationWorkers workers(*f.db, *engine.caller, cfg, "test-instance");
  workers.start();
  const std::string square = f.queue("1:1");
  const std::string wide = f.queue("16:9");
  workers.wake();

  for (const auto& [id, width, height] :
       {std::tuple{square, 256, 256}, std::tuple{wide, 320, 180}}) {
    const auto done = f.settled(id);
    REQUIRE(done.status == store::VisualizationStatus::kSucceeded);
    CHECK(done.attempts == 1);
    CHECK(done.provider == std::optional<std::string>("mock"));
    CHECK(done.model == std::optional<std::string>("mock-1"));
    CHECK(done.mime_type == std::optional<std::string>("image/png"));
    CHECK(done.width == std::optional<int>(width));
    CHECK(done.height == std::optional<int>(height));
    CHECK_FALSE(done.error_code);
    auto image =
        f.db->run("test.image", [&](soci::session& sql) { return Repo(sql).image("u1", id); });
    REQUIRE(image.ok());
    REQUIRE(image->has_value());
    const auto info = services::image_info((*image)->bytes);
    REQUIRE(info);
    CHECK(info->width == width);
    CHECK(done.image_size == std::optional<long long>((*image)->bytes.size()));
  }
  workers.stop();
  CHECK(workers.jobs_settled() == 2);
}

TEST_CASE("a 503 is retried after a backoff and the second attempt succeeds",
          "[services][viz][worker]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  FakeGemini fake;
  fake.enqueue(error_reply(503, "UNAVAILABLE", "The model is overloaded."));
  fake.enqueue(image_reply(tiny_png()));
  Engine engine(banana(fake));
  services::VisualizationWorkers workers(*f.db, *engine.caller, fast_jobs(), "i1");
  const std::string id = f.queue();
  workers.start();

  const auto done = f.settled(id);
  CHECK(done.status == store::VisualizationStatus::kSucceeded);
  CHECK(done.attempts == 2);
  CHECK(done.provider == std::optional<std::string>("banana"));
  CHECK(done.model == std::optional<std::string>("gemini-2.5-flash-image"));
  CHECK(done.width == std::optional<int>(1));
  CHECK(fake.request_count() == 2);
  // The prompt reached the provider, with the entry in it.
  CHECK_THAT(fake.requests()[0].body, Catch::Contains("anxious"));
}

TEST_CASE("a job that always meets a 503 fails after max_attempts with UPSTREAM_ERROR",
          "[services][viz][worker]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  FakeGemini fake;
  fake.set_fallback([](const FakeGeminiRequest&) {
    return error_reply(503, "UNAVAILABLE", "The model is overloaded.");
  });
  Engine engine(banana(fake));
  services::VisualizationWorkers workers(*f.db, *engine.caller, fast_jobs(), "i1");
  const std::string id = f.queue();
  workers.start();

  const auto done = f.settled(id);
  CHECK(done.status == store::VisualizationStatus::kFailed);
  CHECK(done.attempts == 3);
  CHECK(done.error_code == std::optional<std::string>("UPSTREAM_ERROR"));
  CHECK_THAT(done.error_message.value_or(""), Catch::Contains("overloaded"));
  CHECK(done.completed_at.has_value());
  CHECK(fake.request_count() == 3);
}

TEST_CASE("a safety block fails the job at once with CONTENT_BLOCKED", "[services][viz][worker]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  FakeGemini fake;
  fake.enqueue(finish_reason_reply("IMAGE_SAFETY"));
  fake.enqueue(blocked_prompt_reply());
  Engine engine(banana(fake));
  services::VisualizationWorkers workers(*f.db, *engine.caller, fast_jobs(), "i1");
  const std::string first = f.queue();
  workers.start();
  const auto image_safety = f.settled(first);
  const std::string second = f.queue();
  workers.wake();
  const auto blocked_prompt = f.settled(second);

  for (const auto& done : {image_safety, blocked_prompt}) {
    CHECK(done.status == store::VisualizationStatus::kFailed);
    CHECK(done.attempts == 1);
    CHECK(done.error_code == std::optional<std::string>("CONTENT_BLOCKED"));
  }
  CHECK(fake.request_count() == 2);
}

TEST_CASE("renewing the lease keeps a slow job from being taken over by another instance",
          "[services][viz][worker]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  FakeGemini fake;
  fake.set_fallback([](const FakeGeminiRequest&) {
    FakeGeminiReply r = image_reply(tiny_png());
    r.delay = 1500ms;  // five leases long
    return r;
  });
  Engine engine(banana(fake));
  auto cfg = fast_jobs();
  cfg.lease_ms = 300;
  services::VisualizationWorkers first(*f.db, *engine.caller, cfg, "first");
  const std::string id = f.queue();
  first.start();
  // Only once the first instance holds the job does the second start looking.
  for (auto until = std::chrono::steady_clock::now() + 10s;
       f.row(id).status != store::VisualizationStatus::kRunning &&
       std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(f.row(id).status == store::VisualizationStatus::kRunning);
  services::VisualizationWorkers second(*f.db, *engine.caller, cfg, "second");
  second.start();

  const auto done = f.settled(id);
  CHECK(done.status == store::VisualizationStatus::kSucceeded);
  CHECK(done.attempts == 1);
  CHECK(fake.request_count() == 1);
  second.stop();
  first.stop();
  CHECK(first.jobs_settled() == 1);
  CHECK(second.jobs_settled() == 0);
}

TEST_CASE("stop() abandons a job still waiting after the grace and returns",
          "[services][viz][worker]") {
  Fixture f("sqlite");
  FakeGemini fake;
  FakeGeminiReply hang;
  hang.hang = true;
  fake.set_fallback([hang](const FakeGeminiRequest&) { return hang; });
  Engine engine(banana(fake));
  auto workers =
      std::make_unique<services::VisualizationWorkers>(*f.db, *engine.caller, fast_jobs(), "i1");
  const std::string id = f.queue();
  workers->start();
  for (auto until = std::chrono::steady_clock::now() + 10s;
       fake.request_count() == 0 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(fake.request_count() == 1);
  const auto before = std::chrono::steady_clock::now();
  workers->stop(100ms);
  CHECK(std::chrono::steady_clock::now() - before < 5s);
  // Left running under its lease, for any instance to take over once it expires.
  const auto left = f.row(id);
  CHECK(left.status == store::VisualizationStatus::kRunning);
  CHECK(left.attempts == 1);
}
