// Specification of which config file the gateway reads.
#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "tests/config/scoped_env.h"

namespace moodgate::config {

using testing::ScopedEnv;

TEST_CASE("A path given with --config wins over MOODGATE_CONFIG", "[config]") {
  ScopedEnv env("MOODGATE_CONFIG", "/etc/moodgate/from-env.yaml");
  CHECK(resolve_config_path("cli.yaml") == "cli.yaml");
}

TEST_CASE("MOODGATE_CONFIG is used when --config is not given", "[config]") {
  ScopedEnv env("MOODGATE_CONFIG", "/etc/moodgate/from-env.yaml");
  CHECK(resolve_config_path(std::nullopt) == "/etc/moodgate/from-env.yaml");
}

TEST_CASE("config/moodgate.yaml is read when neither --config nor MOODGATE_CONFIG is given",
          "[config]") {
  ScopedEnv env("MOODGATE_CONFIG", std::nullopt);
  CHECK(resolve_config_path(std::nullopt) == "config/moodgate.yaml");
}

TEST_CASE("An empty --config or MOODGATE_CONFIG counts as not given", "[config]") {
  ScopedEnv env("MOODGATE_CONFIG", "");
  CHECK(resolve_config_path(std::string()) == "config/moodgate.yaml");
  ScopedEnv set("MOODGATE_CONFIG", "from-env.yaml");
  CHECK(resolve_config_path(std::string()) == "from-env.yaml");
}

}  // namespace moodgate::config
