// Specification of the providers section's error messages, with their exact text: the section,
// a provider instance, its settings, its ranges and its prices.
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "tests/config/scoped_env.h"

namespace moodgate::config {
namespace {

const std::string kDb = "database:\n  url: sqlite:///x.db\n";
const std::string kChainsOfG =
    "  chains:\n    analysis: [g]\n    scenarios: [g]\n    summary: [g]\n    image: [g]\n";

const std::string kInstanceKeys =
    "plugin, settings, connect_timeout_ms, timeout_ms, deadline_ms, max_attempts, "
    "price_input_per_million, price_output_per_million, price_per_image, max_output_tokens, "
    "budget_usd, backoff_initial_ms, "
    "backoff_max_ms, breaker_failures, breaker_cooldown_ms";

// The message load_config_text() fails with; the test fails if loading succeeds.
std::string error_of(const std::string& yaml) {
  Result<Config> loaded = load_config_text(kDb + yaml, "t.yaml");
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

// Instance g (plugin mock), which serves every chain, with one option set.
std::string instance_g_with(const std::string& key, const std::string& value) {
  return "providers:\n  instances:\n    g:\n      plugin: mock\n      " + key + ": " + value +
         "\n" + kChainsOfG;
}

// The problems with one option of instance g.
std::string error_of_option(const std::string& key, const std::string& value) {
  return error_of(instance_g_with(key, value));
}

// Instance g as loaded with one option set.
ProviderInstanceConfig instance_with(const std::string& key, const std::string& value) {
  Result<Config> loaded = load_config_text(kDb + instance_g_with(key, value), "t.yaml");
  INFO((loaded.ok() ? "" : loaded.error().message));
  REQUIRE(loaded.ok());
  return loaded->providers.instances.at(0);
}

}  // namespace

TEST_CASE("A providers section that is not a map lists its keys", "[config]") {
  CHECK(error_of("providers: 5\n") ==
        "t.yaml: providers: expected a map with the keys plugin_dirs, watch, instances, chains, "
        "max_connections_per_host, max_connections, got \"5\"");
}

TEST_CASE("An unknown or repeated key of the providers section is an error", "[config]") {
  CHECK(error_of("providers:\n  wach: true\n") ==
        "t.yaml: providers.wach: unknown key (known: plugin_dirs, watch, instances, chains, "
        "max_connections_per_host, max_connections)");
  CHECK(error_of("providers:\n  watch: true\n  watch: false\n") ==
        "t.yaml: providers.watch: duplicate key (first given on line 4)");
}

TEST_CASE("The providers section's own options are checked like any other", "[config]") {
  CHECK(error_of("providers:\n  watch: yes\n") ==
        "t.yaml: providers.watch: expected true or false, got \"yes\"");
  CHECK(error_of("providers:\n  max_connections: 0\n") ==
        "t.yaml: providers.max_connections: expected an integer 1..100000, got \"0\"");
  CHECK(error_of("providers:\n  max_connections_per_host: 100001\n") ==
        "t.yaml: providers.max_connections_per_host: expected an integer 1..100000, got "
        "\"100001\"");
  CHECK(error_of("providers:\n  plugin_dirs: /opt\n") ==
        "t.yaml: providers.plugin_dirs: expected a list of directories, got \"/opt\"");
  CHECK(error_of("providers:\n  plugin_dirs: [\"\"]\n") ==
        "t.yaml: providers.plugin_dirs[0]: must not be empty");
}

TEST_CASE("Instances must be a non-empty map of valid, distinct names", "[config]") {
  CHECK(error_of("providers:\n  instances: {}\n") ==
        "t.yaml: providers.instances: expected a map of named provider instances, got a map");
  CHECK(error_of("providers:\n  instances: [a]\n") ==
        "t.yaml: providers.instances: expected a map of named provider instances, got a list");
  CHECK(error_of("providers:\n  instances:\n    g:\n      plugin: mock\n    g:\n      plugin: "
                 "mock\n" +
                 kChainsOfG) == "t.yaml: providers.instances.g: duplicate key");
}

TEST_CASE("An instance that is not a map lists the instance keys", "[config]") {
  CHECK(error_of("providers:\n  instances:\n    g:\n" + kChainsOfG) ==
        "t.yaml: providers.instances.g: expected a map with the keys " + kInstanceKeys +
            ", got an empty value");
  CHECK(error_of("providers:\n  instances:\n    g: mock\n" + kChainsOfG) ==
        "t.yaml: providers.instances.g: expected a map with the keys " + kInstanceKeys +
            ", got \"mock\"");
}

TEST_CASE("An unknown or repeated key of an instance is an error", "[config]") {
  CHECK(error_of_option("colour", "red") ==
        "t.yaml: providers.instances.g.colour: unknown key (known: " + kInstanceKeys + ")");
  CHECK(error_of("providers:\n  instances:\n    g:\n      plugin: mock\n      plugin: mock\n" +
                 kChainsOfG) ==
        "t.yaml: providers.instances.g.plugin: duplicate key (first given on line 6)");
  CHECK(error_of("providers:\n  instances:\n    g:\n      plugin: \"\"\n" + kChainsOfG) ==
        "t.yaml: providers.instances.g.plugin: must not be empty");
}

TEST_CASE("An instance's timeouts share the limits of the other sections' timeouts", "[config]") {
  for (const std::string key : {"connect_timeout_ms", "timeout_ms", "deadline_ms",
                                "backoff_initial_ms", "backoff_max_ms", "breaker_cooldown_ms"}) {
    INFO(key);
    CHECK(error_of_option(key, "0") ==
          "t.yaml: providers.instances.g." + key + ": expected an integer 1..3600000, got \"0\"");
    CHECK(error_of_option(key, "3600001") == "t.yaml: providers.instances.g." + key +
                                                 ": expected an integer 1..3600000, got "
                                                 "\"3600001\"");
  }
  CHECK(error_of("server:\n  send_timeout_ms: 3600001\n") ==
        "t.yaml: server.send_timeout_ms: expected an integer 1..3600000, got \"3600001\"");
  CHECK(instance_with("deadline_ms", "3600000").deadline_ms == 3600000);
}

TEST_CASE("An instance's attempts and breaker threshold have their own ranges", "[config]") {
  CHECK(error_of_option("max_attempts", "0") ==
        "t.yaml: providers.instances.g.max_attempts: expected an integer 1..10, got \"0\"");
  CHECK(error_of_option("breaker_failures", "1001") ==
        "t.yaml: providers.instances.g.breaker_failures: expected an integer 0..1000, got "
        "\"1001\"");
  CHECK(instance_with("max_attempts", "10").max_attempts == 10);
  CHECK(instance_with("breaker_failures", "0").breaker_failures == 0);
}

TEST_CASE("Prices are decimal numbers from 0 up to, not including, a billion", "[config]") {
  CHECK(instance_with("price_per_image", "0.039").price_per_image == Approx(0.039));
  CHECK(instance_with("price_input_per_million", "0").price_input_per_million == 0);
  CHECK(instance_with("price_output_per_million", "1e3").price_output_per_million == Approx(1000));
  CHECK(instance_with("price_per_image", "999999999").price_per_image == Approx(999999999));
  for (const std::string bad : {"-0.01", "1e9", "cheap", "1.5usd", "nan", "inf"}) {
    INFO(bad);
    CHECK(error_of_option("price_per_image", bad) ==
          "t.yaml: providers.instances.g.price_per_image: expected a price in USD, 0 or more, "
          "got \"" +
              bad + "\"");
  }
  CHECK(error_of_option("price_per_image", "[1]") ==
        "t.yaml: providers.instances.g.price_per_image: expected a price in USD, 0 or more, got "
        "a list");
  CHECK(error_of_option("price_per_image", "\"\"") ==
        "t.yaml: providers.instances.g.price_per_image: must not be empty");
}

TEST_CASE("An instance's output cap and spend budget are read, and bad ones refused", "[config]") {
  const ProviderInstanceConfig plain = instance_with("max_attempts", "3");
  CHECK(plain.max_output_tokens == 8192);
  CHECK_FALSE(plain.budget_usd.enabled());
  CHECK(instance_with("max_output_tokens", "1024").max_output_tokens == 1024);
  const SpendLimitRule budget = instance_with("budget_usd", "50/1d").budget_usd;
  CHECK(budget.micros == 50'000'000);
  CHECK(budget.window_s == 86400);
  CHECK_FALSE(instance_with("budget_usd", "off").budget_usd.enabled());
  CHECK_THAT(error_of_option("max_output_tokens", "0"),
             Catch::Contains("providers.instances.g.max_output_tokens"));
  CHECK_THAT(error_of_option("budget_usd", "50"),
             Catch::Contains("providers.instances.g.budget_usd"));
}

TEST_CASE("Settings are a map of scalars, read as strings and never quoted", "[config]") {
  testing::ScopedEnv list("TEST_SETTINGS_LIST", "[a, b]");
  CHECK(instance_with("settings", "").settings.empty());
  CHECK(instance_with("settings", "{model: m, n: 2, on: true, empty: \"\"}").settings ==
        std::map<std::string, std::string>{
            {"empty", ""}, {"model", "m"}, {"n", "2"}, {"on", "true"}});
  CHECK(error_of_option("settings", "[a]") ==
        "t.yaml: providers.instances.g.settings: expected a map of settings for the plugin, got "
        "a list");
  CHECK(error_of_option("settings", "\"${TEST_SETTINGS_LIST}\"") ==
        "t.yaml: providers.instances.g.settings: expected a map of settings for the plugin, got "
        "(value from ${TEST_SETTINGS_LIST})");
  CHECK(error_of_option("settings", "{k: secret-1, k: secret-2}") ==
        "t.yaml: providers.instances.g.settings.k: duplicate key");
  CHECK(error_of_option("settings", "{k: [secret]}") ==
        "t.yaml: providers.instances.g.settings.k: expected a scalar (string, number or "
        "boolean), got a list");
}

}  // namespace moodgate::config
