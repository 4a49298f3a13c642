// JournalService without an HTTP server: a real database on both backends, the real mock
// provider's chain in the registry, and an in-process AI (FakeAiCalls) that holds calls, so a
// test sees what runs at the same time and what is saved before the AI answers.
#include "core/services/journal_service.h"

#include <catch2/catch.hpp>

#include <future>

#include "core/ai/plugin_loader.h"
#include "core/ai/provider_registry.h"
#include "core/store/migrations.h"
#include "tests/support/fake_ai_calls.h"
#include "tests/support/run_task.h"
#include "tests/support/test_databases.h"

using namespace moodgate;
using namespace std::chrono_literals;
using testing::FakeAiCalls;

namespace {

constexpr const char* kAnalysis =
    R"({"summary":"Worried about the exam","sentiment":"negative","sentiment_score":-0.4,)"
    R"("highlights":[{"text":"not ready","polarity":"negative"}],)"
    R"("positive_count":0,"negative_count":1})";
constexpr const char* kScenarios =
    R"({"scenarios":[{"title":"Ask for help","description":"Write to a friend"},)"
    R"({"title":"Plan","description":"Split the evening"},)"
    R"({"title":"Rest","description":"Sleep early"}]})";

// One service on a fresh database, with a pool to run it on.
struct Fixture {
  testing::TestDatabase db;
  std::unique_ptr<store::Database> database;
  ai::PluginLoader loader{ai::default_plugin_dirs()};
  std::unique_ptr<ai::ProviderRegistry> providers;
  FakeAiCalls ai;
  std::unique_ptr<services::JournalService> journal;
  async::Pool pool{ThreadRole::kPool, "mg-pool", 2, 64};

  explicit Fixture(const std::string& backend, int cache_ttl_s = 0)
      : db(testing::make_test_database(backend)) {
    database = testing::open_or_fail(db.config());
    REQUIRE(store::migrate(*database, store::default_schema_dir()).ok());
    testing::create_test_user(*database, "u1");
    auto set = ai::ProviderSet::build(config::ProvidersConfig{}, loader);
    REQUIRE(set.ok());
    providers = std::make_unique<ai::ProviderRegistry>(std::move(set).value());
    services::JournalServiceDeps deps;
    deps.database = database.get();
    deps.ai = &ai;
    deps.providers = providers.get();
    deps.config.scenario_count = 3;
    deps.config.analysis_cache_ttl_s = cache_ttl_s;
    journal = std::make_unique<services::JournalService>(std::move(deps));
  }
  ~Fixture() { pool.stop(); }

  services::EntryDraft draft() const {
    return {"My exam got moved to tomorrow", "I will do what I can", {{"anxious", 0.8}}};
  }
  services::CallContext context() const {
    return {"u1", "req-1", std::chrono::steady_clock::now() + 10s};
  }
};

}  // namespace

TEST_CASE("a new entry is saved before the AI answers, and its analysis and scenarios run at once",
          "[services][journal]") {
  const auto backend = GENERATE(from_range(testing::test_backend_names()));
  Fixture f(backend);
  f.ai.script(config::Capability::kAnalysis,
              [](const ai::AiCall&) { return testing::text_answer("mock", kAnalysis); });
  f.ai.script(config::Capability::kScenarios,
              [](const ai::AiCall&) { return testing::text_answer("mock", kScenarios); });
  f.ai.hold();
  std::promise<Result<store::EntryRow>> out;
  REQUIRE(f.pool.try_spawn(f.journal->create(f.context(), f.draft(), true),
                           [&](std::exception_ptr, std::optional<Result<store::EntryRow>> r) {
                             out.set_value(std::move(*r));
                           }));
  // Both calls are under way before either has an answer.
  REQUIRE(f.ai.wait_held(2, 5s));
  auto page = f.journal->list("u1", {}, 10, std::nullopt);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].analysis.status == store::AnalysisStatus::kPending);
  f.ai.release();

  Result<store::EntryRow> entry = out.get_future().get();
  REQUIRE(entry.ok());
  CHECK(entry->analysis.status == store::AnalysisStatus::kReady);
  CHECK(entry->analysis.summary == "Worried about the exam");
  CHECK(entry->analysis.provider == "mock");
  REQUIRE(entry->scenarios.size() == 3);
  CHECK(entry->scenarios[0].title == "Ask for help");
  CHECK(f.ai.calls() == 2);
}

TEST_CASE("an AI failure leaves the entry saved, with a failed analysis and no scenarios",
          "[services][journal]") {
  const auto backend = GENERATE(from_range(testing::test_backend_names()));
  Fixture f(backend);
  f.ai.script(config::Capability::kAnalysis, [](const ai::AiCall&) {
    return testing::failed_answer(sdk::FailureKind::kTimeout,
                                  "the provider did not answer in time");
  });
  f.ai.script(config::Capability::kScenarios,
              [](const ai::AiCall&) { return testing::text_answer("mock", "not json"); });
  Result<store::EntryRow> entry =
      testing::run_task(f.pool, f.journal->create(f.context(), f.draft(), true));
  REQUIRE(entry.ok());
  CHECK(entry->analysis.status == store::AnalysisStatus::kFailed);
  CHECK(entry->analysis.error_code == "UPSTREAM_TIMEOUT");
  CHECK(entry->scenarios.empty());
  auto stored = f.journal->get("u1", entry->id);
  REQUIRE(stored.ok());
  CHECK(stored->situation == "My exam got moved to tomorrow");
  CHECK(stored->analysis.status == store::AnalysisStatus::kFailed);
}

TEST_CASE("an analysis answered by the chain's second instance is found in the cache",
          "[services][journal]") {
  // The cache lookup tries every instance of the chain, not only the first: an answer from
  // the fallback instance (the first's breaker open) is found again.
  const auto backend = GENERATE(from_range(testing::test_backend_names()));
  Fixture f(backend, 3600);
  auto set = ai::ProviderSet::build(
      [] {
        config::ProvidersConfig c;
        config::ProviderInstanceConfig first;
        first.name = "first";
        first.plugin = "mock";
        config::ProviderInstanceConfig second = first;
        second.name = "second";
        c.instances = {first, second};
        c.chains = {{config::Capability::kAnalysis, {"first", "second"}},
                    {config::Capability::kScenarios, {"first"}},
                    {config::Capability::kSummary, {"first"}},
                    {config::Capability::kImage, {"first"}}};
        return c;
      }(),
      f.loader);
  REQUIRE(set.ok());
  f.providers->replace(std::move(set).value());
  int analysis_calls = 0;
  f.ai.script(config::Capability::kAnalysis, [&](const ai::AiCall&) {
    ++analysis_calls;
    return testing::text_answer("second", kAnalysis);
  });
  f.ai.script(config::Capability::kScenarios,
              [](const ai::AiCall&) { return testing::text_answer("first", kScenarios); });
  auto first = testing::run_task(f.pool, f.journal->create(f.context(), f.draft(), true));
  REQUIRE(first.ok());
  CHECK(first->analysis.provider == "second");
  auto again = testing::run_task(f.pool, f.journal->create(f.context(), f.draft(), true));
  REQUIRE(again.ok());
  CHECK(again->analysis.status == store::AnalysisStatus::kReady);
  CHECK(again->analysis.provider == "second");
  CHECK(analysis_calls == 1);  // the second entry's analysis came from the cache
}
