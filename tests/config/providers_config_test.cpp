// The providers section: named instances with free-form settings, a chain per capability,
// cross-checked references, and settings (which may hold keys) never quoted back.
#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "tests/config/scoped_env.h"

using namespace moodgate;
using namespace moodgate::config;

namespace {

const std::string kDb = "database:\n  url: sqlite:///x.db\n";

std::string error_of(const std::string& yaml) {
  auto loaded = load_config_text(kDb + yaml, "t.yaml");
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

}  // namespace

TEST_CASE("without a providers section every capability is served by the mock", "[config]") {
  auto loaded = load_config_text(kDb, "t.yaml");
  REQUIRE(loaded.ok());
  const ProvidersConfig& p = loaded->providers;
  REQUIRE(p.instances.size() == 1);
  CHECK(p.instances[0].name == "mock");
  CHECK(p.instances[0].plugin == "mock");
  for (const Capability capability : kCapabilities) {
    INFO(to_string(capability));
    CHECK(p.chains.at(capability) == std::vector<std::string>{"mock"});
  }
}

TEST_CASE("provider instances, their settings and the chains are read", "[config]") {
  moodgate::config::testing::ScopedEnv key("TEST_GEMINI_KEY", "AIza-secret");
  auto loaded = load_config_text(kDb +
                                     "providers:\n"
                                     "  plugin_dirs: [/opt/moodgate/plugins]\n"
                                     "  watch: true\n"
                                     "  max_connections_per_host: 32\n"
                                     "  max_connections: 500\n"
                                     "  instances:\n"
                                     "    gemini:\n"
                                     "      plugin: gemini\n"
                                     "      timeout_ms: 20000\n"
                                     "      max_attempts: 5\n"
                                     "      backoff_initial_ms: 100\n"
                                     "      backoff_max_ms: 4000\n"
                                     "      breaker_failures: 0\n"
                                     "      breaker_cooldown_ms: 15000\n"
                                     "      price_input_per_million: 0.30\n"
                                     "      price_output_per_million: 2.5\n"
                                     "      settings:\n"
                                     "        model: gemini-2.5-flash\n"
                                     "        api_key: \"${TEST_GEMINI_KEY}\"\n"
                                     "        temperature: 0.7\n"
                                     "    local:\n"
                                     "      plugin: ./build/providers/mock.so\n"
                                     "  chains:\n"
                                     "    analysis: [gemini, local]\n"
                                     "    scenarios: [gemini]\n"
                                     "    summary: [local]\n"
                                     "    image: [local]\n",
                                 "t.yaml");
  INFO((loaded.ok() ? "" : loaded.error().message));
  REQUIRE(loaded.ok());
  const ProvidersConfig& p = loaded->providers;
  CHECK(p.plugin_dirs == std::vector<std::string>{"/opt/moodgate/plugins"});
  CHECK(p.watch);
  REQUIRE(p.instances.size() == 2);
  const ProviderInstanceConfig& g = p.instances[0];
  CHECK(g.name == "gemini");
  CHECK(g.timeout_ms == 20000);
  CHECK(g.max_attempts == 5);
  CHECK(g.connect_timeout_ms == 5000);
  CHECK(g.backoff_initial_ms == 100);
  CHECK(g.backoff_max_ms == 4000);
  CHECK(g.breaker_failures == 0);
  CHECK(g.breaker_cooldown_ms == 15000);
  CHECK(p.instances[1].breaker_failures == 5);  // the defaults
  CHECK(p.instances[1].breaker_cooldown_ms == 30000);
  CHECK(p.max_connections_per_host == 32);
  CHECK(p.max_connections == 500);
  CHECK(g.price_input_per_million == Approx(0.30));
  CHECK(g.price_output_per_million == Approx(2.5));
  CHECK(g.settings.at("api_key") == "AIza-secret");
  CHECK(g.settings.at("temperature") == "0.7");
  CHECK(p.instances[1].plugin == "./build/providers/mock.so");
  CHECK(p.chains.at(Capability::kAnalysis) == std::vector<std::string>{"gemini", "local"});
  // The startup line names instances and chains but no setting.
  const std::string line = describe_config_for_log(*loaded);
  CHECK(line.find("providers.instances=[gemini(gemini),local(./build/providers/mock.so)]") !=
        std::string::npos);
  CHECK(line.find("providers.chains.analysis=[gemini,local]") != std::string::npos);
  CHECK(line.find("AIza-secret") == std::string::npos);
  CHECK(line.find("gemini-2.5-flash") == std::string::npos);
}

TEST_CASE("chains must cover every capability with instances that exist", "[config]") {
  const std::string instances = "providers:\n  instances:\n    a:\n      plugin: mock\n";
  CHECK(error_of(instances + "  chains:\n    analysis: [a]\n    scenarios: [a]\n"
                             "    summary: [b]\n    pictures: [a]\n") ==
        "t.yaml: providers.chains.pictures: unknown capability (known: analysis, scenarios, "
        "summary, image)\n"
        "t.yaml: providers.chains.summary[0]: no provider instance named \"b\"\n"
        "t.yaml: providers.chains.image: required, but not given");
  CHECK(error_of(instances + "  chains:\n    analysis: []\n    scenarios: [a]\n"
                             "    summary: [a]\n    image: [a]\n") ==
        "t.yaml: providers.chains.analysis: must name at least one instance");
}

TEST_CASE("a bad provider instance is reported key by key, settings never quoted", "[config]") {
  moodgate::config::testing::ScopedEnv key("TEST_GEMINI_KEY2", std::nullopt);
  const std::string message = error_of(
      "providers:\n  instances:\n    Bad Name:\n      plugin: mock\n"
      "    g:\n      timeout_ms: 0\n      max_attempts: 11\n      colour: red\n"
      "      breaker_failures: -1\n      backoff_max_ms: 0\n"
      "      price_per_image: cheap\n"
      "      settings:\n        api_key: \"${TEST_GEMINI_KEY2}\"\n        nested: {a: 1}\n"
      "  chains:\n    analysis: [g]\n    scenarios: [g]\n    summary: [g]\n    image: [g]\n");
  CHECK_THAT(message, Catch::Contains("providers.instances.Bad Name: an instance name is 1..64 "
                                      "of a-z, 0-9, _ and -"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.timeout_ms: expected an integer"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.max_attempts: expected an integer"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.colour: unknown key"));
  CHECK_THAT(message,
             Catch::Contains("providers.instances.g.breaker_failures: expected an integer"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.backoff_max_ms: expected an integer"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.price_per_image: expected a price"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.settings.api_key: environment "
                                      "variable TEST_GEMINI_KEY2 is not set"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.settings.nested: expected a scalar"));
  CHECK_THAT(message, Catch::Contains("providers.instances.g.plugin: required, but not given"));
}
