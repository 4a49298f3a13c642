// Specification: a value that came from the environment may be a secret, so no message and no
// log line ever shows it; database passwords written in the file are masked too.
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "tests/config/scoped_env.h"

namespace moodgate::config {
namespace {

using testing::ScopedEnv;

const std::string kSecret = "hunter2-s3cret";

std::string error_of(const std::string& yaml) {
  Result<Config> loaded = load_config_text(yaml, "test.yaml");
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

}  // namespace

TEST_CASE("A rejected value from the environment is named by its variable, never shown",
          "[config]") {
  ScopedEnv secret("MOODGATE_TEST_SECRET", kSecret);
  const std::string url = "database:\n  url: sqlite:///x.db\n";
  const std::string cases[][2] = {
      {url + "server:\n  port: ${MOODGATE_TEST_SECRET}\n",
       "test.yaml: server.port: expected an integer 0..65535, got (value from "
       "${MOODGATE_TEST_SECRET})"},
      {url + "server:\n  debug_endpoints: ${MOODGATE_TEST_SECRET}\n",
       "test.yaml: server.debug_endpoints: expected true or false, got (value from "
       "${MOODGATE_TEST_SECRET})"},
      {url + "server:\n  max_body_bytes: ${MOODGATE_TEST_SECRET}\n",
       "test.yaml: server.max_body_bytes: expected a byte size 1..1024MiB (an integer, <n>KiB or "
       "<n>MiB), got (value from ${MOODGATE_TEST_SECRET})"},
      {url + "logging:\n  level: ${MOODGATE_TEST_SECRET}\n",
       "test.yaml: logging.level: expected one of trace, debug, info, warn, error, off, got "
       "(value from ${MOODGATE_TEST_SECRET})"},
      {url + "server:\n  trusted_proxies: [\"x-${MOODGATE_TEST_SECRET}\"]\n",
       "test.yaml: server.trusted_proxies[0]: expected an IP address or CIDR range "
       "(e.g. 10.0.0.0/8), got (value from ${MOODGATE_TEST_SECRET})"},
      {"database:\n  url: \"mysql://app:${MOODGATE_TEST_SECRET}@db/x\"\n",
       "test.yaml: database.url: expected sqlite:///path/to/file.db or "
       "postgresql://user:password@host:port/database, got (value from ${MOODGATE_TEST_SECRET})"},
  };
  for (const auto& [yaml, expected] : cases) {
    const std::string message = error_of(yaml);
    CHECK(message == expected);
    CHECK(message.find(kSecret) == std::string::npos);
  }
}

TEST_CASE("An empty value from the environment is reported without showing it", "[config]") {
  ScopedEnv empty("MOODGATE_TEST_EMPTY", "");
  CHECK(error_of("database:\n  url: ${MOODGATE_TEST_EMPTY}\n") ==
        "test.yaml: database.url: must not be empty, got (value from ${MOODGATE_TEST_EMPTY})");
}

TEST_CASE("A database URL written in the file is quoted with its password masked", "[config]") {
  const std::string message = error_of("database:\n  url: mysql://app:" + kSecret + "@db/x\n");
  CHECK(message ==
        "test.yaml: database.url: expected sqlite:///path/to/file.db or "
        "postgresql://user:password@host:port/database, got \"mysql://app:***@db/x\"");
}

TEST_CASE("The startup log line masks the database password", "[config]") {
  ScopedEnv url("MOODGATE_TEST_URL", "postgresql://app:" + kSecret + "@db:5432/moodgate");
  Result<Config> loaded = load_config_text("database:\n  url: ${MOODGATE_TEST_URL}\n", "prod.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded->database.url == "postgresql://app:" + kSecret + "@db:5432/moodgate");
  const std::string line = describe_config_for_log(*loaded);
  CHECK(line.find("database.url=postgresql://app:***@db:5432/moodgate") != std::string::npos);
  CHECK(line.find(kSecret) == std::string::npos);
}

}  // namespace moodgate::config
