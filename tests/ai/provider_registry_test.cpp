// Provider sets are built whole from config: every plugin loaded and checked, every chain
// checked against what its instances can do, every problem reported at once.
#include "core/ai/provider_registry.h"

#include <catch2/catch.hpp>

using namespace moodgate;
using moodgate::ai::PluginLoader;
using moodgate::ai::ProviderRegistry;
using moodgate::ai::ProviderSet;

namespace {

const std::string kFixtures = MOODGATE_FIXTURE_PLUGIN_DIR;

config::ProviderInstanceConfig instance(const std::string& name, const std::string& plugin) {
  config::ProviderInstanceConfig c;
  c.name = name;
  c.plugin = plugin;
  return c;
}

}  // namespace

TEST_CASE("the default providers config serves every capability with the mock",
          "[ai][providers]") {
  PluginLoader loader(ai::default_plugin_dirs());
  auto set = ProviderSet::build(config::ProvidersConfig{}, loader);
  INFO((set.ok() ? "" : set.error().message));
  REQUIRE(set.ok());
  for (const config::Capability capability : config::kCapabilities) {
    INFO(config::to_string(capability));
    REQUIRE((*set)->chain(capability).size() == 1);
    CHECK((*set)->chain(capability)[0]->plugin->name == "mock");
  }
  REQUIRE((*set)->plugins().size() == 1);
}

TEST_CASE("a capability the config gives no chain has an empty one", "[ai][providers]") {
  PluginLoader loader(ai::default_plugin_dirs());
  config::ProvidersConfig cfg;
  cfg.chains.erase(config::Capability::kImage);
  auto set = ProviderSet::build(cfg, loader);
  REQUIRE(set.ok());
  CHECK((*set)->chain(config::Capability::kImage).empty());
  CHECK((*set)->chain(config::Capability::kAnalysis).size() == 1);
}

TEST_CASE("a chain whose instance cannot do the capability is refused", "[ai][providers]") {
  PluginLoader loader({kFixtures});
  config::ProvidersConfig cfg;
  cfg.instances = {instance("text_only", "fixture_good")};
  cfg.chains = {{config::Capability::kAnalysis, {"text_only"}},
                {config::Capability::kScenarios, {"text_only"}},
                {config::Capability::kSummary, {"text_only"}},
                {config::Capability::kImage, {"text_only"}}};
  auto set = ProviderSet::build(cfg, loader);
  REQUIRE_FALSE(set.ok());
  CHECK(set.error().message ==
        "providers.chains.image: text_only (plugin fixture_good) cannot make images");
}

TEST_CASE("every broken instance is reported at once, naming the instance", "[ai][providers]") {
  PluginLoader loader({kFixtures});
  config::ProvidersConfig cfg;
  cfg.instances = {instance("a", "fixture_abi_mismatch"), instance("b", "fixture_throws"),
                   instance("c", "no_such_plugin")};
  cfg.chains = {{config::Capability::kAnalysis, {"a"}},
                {config::Capability::kScenarios, {"b"}},
                {config::Capability::kSummary, {"c"}},
                {config::Capability::kImage, {"c"}}};
  auto set = ProviderSet::build(cfg, loader);
  REQUIRE_FALSE(set.ok());
  const std::string& m = set.error().message;
  CHECK_THAT(m, Catch::Contains("providers.instances.a: provider plugin"));
  CHECK_THAT(m, Catch::Contains("ABI 999"));
  CHECK_THAT(m, Catch::Contains("providers.instances.b: provider b (plugin fixture_throws) "
                                "rejected its settings"));
  CHECK_THAT(m, Catch::Contains("providers.instances.c: provider plugin \"no_such_plugin\""));
}

TEST_CASE("a registry swaps sets whole while holders of the old one keep it",
          "[ai][providers]") {
  PluginLoader loader(ai::default_plugin_dirs());
  auto first = ProviderSet::build(config::ProvidersConfig{}, loader);
  REQUIRE(first.ok());
  ProviderRegistry registry(*first);
  const auto in_flight = registry.current();  // a call that started before the swap

  config::ProvidersConfig next;
  next.instances = {instance("other", "mock")};
  next.chains = {{config::Capability::kAnalysis, {"other"}},
                 {config::Capability::kScenarios, {"other"}},
                 {config::Capability::kSummary, {"other"}},
                 {config::Capability::kImage, {"other"}}};
  auto second = ProviderSet::build(next, loader);
  REQUIRE(second.ok());
  registry.replace(*second);
  CHECK(registry.current()->chain(config::Capability::kAnalysis)[0]->config.name == "other");
  CHECK(in_flight->chain(config::Capability::kAnalysis)[0]->config.name == "mock");
  // The plugin was loaded once and shared by both sets.
  CHECK(in_flight->plugins()[0] == registry.current()->plugins()[0]);
}
