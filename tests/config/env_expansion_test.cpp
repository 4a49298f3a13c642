// Specification of ${VAR} expansion, both on single strings and through the loader.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "core/config/env_expansion.h"
#include "tests/config/scoped_env.h"

namespace moodgate::config {
namespace {

using testing::ScopedEnv;

EnvLookup lookup_in(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::string expanded(std::string_view raw, const EnvLookup& lookup) {
  Result<Expansion> result = expand_env_refs(raw, lookup);
  REQUIRE(result.ok());
  return result->value;
}

std::string expansion_error(std::string_view raw, const EnvLookup& lookup) {
  Result<Expansion> result = expand_env_refs(raw, lookup);
  REQUIRE_FALSE(result.ok());
  return result.error().message;
}

}  // namespace

TEST_CASE("${NAME} is replaced by the variable's value, anywhere in the text", "[config]") {
  const EnvLookup env = lookup_in({{"USER", "app"}, {"HOST", "db"}, {"EMPTY", ""}});
  CHECK(expanded("${USER}", env) == "app");
  CHECK(expanded("postgresql://${USER}@${HOST}:5432/x", env) == "postgresql://app@db:5432/x");
  CHECK(expanded("[${EMPTY}]", env) == "[]");

  Result<Expansion> result = expand_env_refs("${USER}-${HOST}", env);
  REQUIRE(result.ok());
  CHECK(result->variables == std::vector<std::string>{"USER", "HOST"});
}

TEST_CASE("${NAME:-default} uses the default when the variable is unset or empty", "[config]") {
  const EnvLookup env = lookup_in({{"SET", "value"}, {"EMPTY", ""}});
  CHECK(expanded("${SET:-fallback}", env) == "value");
  CHECK(expanded("${UNSET:-fallback}", env) == "fallback");
  CHECK(expanded("${EMPTY:-fallback}", env) == "fallback");
  CHECK(expanded("${UNSET:-}", env).empty());
  CHECK(expanded("${UNSET:-sqlite:///var/moodgate.db}", env) == "sqlite:///var/moodgate.db");
}

TEST_CASE("Text without ${ is left alone, and $${ writes a literal ${", "[config]") {
  const EnvLookup env = lookup_in({{"X", "x"}});
  CHECK(expanded("plain $text $ and {braces}", env) == "plain $text $ and {braces}");
  CHECK(expanded("$${X}", env) == "${X}");
  CHECK(expanded("$${X} ${X}", env) == "${X} x");
}

TEST_CASE("An unset variable without a default is an error naming it", "[config]") {
  CHECK(expansion_error("a${MISSING}b", lookup_in({})) ==
        "environment variable MISSING is not set");
}

TEST_CASE("A malformed or unterminated reference is an error quoting it", "[config]") {
  const EnvLookup env = lookup_in({});
  CHECK(expansion_error("${1ABC}", env) ==
        "malformed variable reference \"${1ABC}\" (expected ${NAME} or ${NAME:-default}; write "
        "$${ for a literal ${)");
  CHECK(expansion_error("${A-b}", env) ==
        "malformed variable reference \"${A-b}\" (expected ${NAME} or ${NAME:-default}; write "
        "$${ for a literal ${)");
  CHECK(expansion_error("${}", env) ==
        "malformed variable reference \"${}\" (expected ${NAME} or ${NAME:-default}; write $${ "
        "for a literal ${)");
  CHECK(expansion_error("x${OPEN", env) ==
        "unterminated variable reference \"${OPEN\" (missing \"}\")");
}

TEST_CASE("The loader expands variables from the process environment", "[config]") {
  ScopedEnv port("MOODGATE_TEST_PORT", "9090");
  ScopedEnv origin("MOODGATE_TEST_ORIGIN", "https://app.example");
  ScopedEnv unset("MOODGATE_TEST_UNSET", std::nullopt);
  Result<Config> loaded = load_config_text(
      "server:\n"
      "  port: ${MOODGATE_TEST_PORT}\n"
      "  host: \"${MOODGATE_TEST_UNSET:-0.0.0.0}\"\n"
      "  cors_allowed_origins: [\"${MOODGATE_TEST_ORIGIN}\"]\n"
      "database:\n"
      "  url: \"sqlite:///$${literal}.db\"\n",
      "test.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded->server.port == 9090);
  CHECK(loaded->server.host == "0.0.0.0");
  CHECK(loaded->server.cors_allowed_origins == std::vector<std::string>{"https://app.example"});
  CHECK(loaded->database.url == "sqlite:///${literal}.db");
}

TEST_CASE("The loader names the key and the variable when a variable is not set", "[config]") {
  ScopedEnv unset("DATABASE_URL", std::nullopt);
  Result<Config> loaded =
      load_config_text("database:\n  url: ${DATABASE_URL}\n", "config/moodgate.yaml");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message ==
        "config/moodgate.yaml: database.url: environment variable DATABASE_URL is not set");
}

TEST_CASE("Values under an unknown key are not expanded, so only the unknown key is reported",
          "[config]") {
  ScopedEnv unset("MOODGATE_TEST_UNSET", std::nullopt);
  Result<Config> loaded = load_config_text(
      "database:\n  url: sqlite:///x.db\n  passwrod: ${MOODGATE_TEST_UNSET}\n", "test.yaml");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message ==
        "test.yaml: database.passwrod: unknown key (known: url, pool_size, acquire_timeout_ms, "
        "busy_timeout_ms, connect_timeout_s, migrate_on_start)");
}

TEST_CASE("Map keys are never expanded", "[config]") {
  ScopedEnv section("MOODGATE_TEST_SECTION", "server");
  Result<Config> loaded = load_config_text(
      "database:\n  url: sqlite:///x.db\n${MOODGATE_TEST_SECTION}: {}\n", "test.yaml");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message ==
        "test.yaml: ${MOODGATE_TEST_SECTION}: unknown key (known: server, database, auth, "
        "rate_limits, quotas, providers, journal, visualizations, logging)");
}

}  // namespace moodgate::config
