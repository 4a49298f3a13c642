// Specification of loading: defaults, conversion of every kind of value, files on disk, the
// shipped config files and the startup log line.
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"
#include "core/config/config_schema.h"
#include "tests/config/scoped_env.h"
#include "tests/support/temp_dir.h"

namespace moodgate::config {
namespace {

using moodgate::testing::TempDir;
using testing::ScopedEnv;

const std::string kShippedDefault = std::string(MOODGATE_SOURCE_DIR) + "/config/moodgate.yaml";
const std::string kShippedProduction =
    std::string(MOODGATE_SOURCE_DIR) + "/config/production.example.yaml";

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Options left out of the file keep the defaults of config.h", "[config]") {
  Result<Config> loaded = load_config_text("database:\n  url: sqlite:///test.db\n", "test.yaml");
  REQUIRE(loaded.ok());
  Config expected;
  expected.source = "test.yaml";
  expected.database.url = "sqlite:///test.db";
  CHECK(describe_config_for_log(*loaded) == describe_config_for_log(expected));
  CHECK(loaded->source == "test.yaml");
  CHECK(loaded->server.port == 8080);
  CHECK(loaded->logging.level == "info");
}

TEST_CASE("A section whose options are all commented out is empty, not an error", "[config]") {
  Result<Config> loaded = load_config_text(
      "server:\n  # port: 1\nlogging:\ndatabase:\n  url: sqlite:///test.db\n", "test.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded->server.port == 8080);
}

TEST_CASE("Every kind of value is converted into the config structs", "[config]") {
  Result<Config> loaded = load_config_text(
      "server:\n"
      "  host: 0.0.0.0\n"
      "  port: 0\n"
      "  io_threads: 8\n"
      "  worker_threads: \"32\"\n"
      "  worker_queue_limit: 10\n"
      "  max_body_bytes: 512KiB\n"
      "  max_header_bytes: 64KiB\n"
      "  header_timeout_ms: 1\n"
      "  request_timeout_ms: 3600000\n"
      "  shutdown_grace_ms: 500\n"
      "  cors_allowed_origins: [\"https://app.example\", \"http://localhost:5173\", "
      "\"http://[::1]:8080\"]\n"
      "  cors_max_age_s: 0\n"
      "  trusted_proxies:\n"
      "    - 127.0.0.1\n"
      "    - 10.0.0.0/8\n"
      "    - fd00::/8\n"
      "  debug_endpoints: true\n"
      "database:\n"
      "  url: postgresql://app@db:5432/moodgate\n"
      "  pool_size: 1000\n"
      "  acquire_timeout_ms: 100\n"
      "  busy_timeout_ms: 200\n"
      "  connect_timeout_s: 3600\n"
      "  migrate_on_start: false\n"
      "auth:\n"
      "  jwt_secret: 0123456789abcdef0123456789abcdef\n"
      "  jwt_secret_file: \"\"\n"
      "  issuer: iss.example\n"
      "  audience: aud.example\n"
      "  access_token_ttl_s: 60\n"
      "  refresh_token_ttl_s: 31536000\n"
      "  clock_skew_s: 0\n"
      "  revocation_cache_ms: 5000\n"
      "  password_ops_limit: 3\n"
      "  password_mem_limit: 8KiB\n"
      "  password_max_concurrent: 7\n"
      "  password_queue_timeout_ms: 250\n"
      "rate_limits:\n"
      "  enabled: false\n"
      "  register_per_ip: 1/1s\n"
      "  login_per_ip: \"off\"\n"
      "  login_failures_per_account: 1000000/7d\n"
      "quotas:\n"
      "  reservation_ttl_s: 3601\n"
      "logging:\n"
      "  level: \"off\"\n"
      "  access_log: false\n",
      "test.yaml");
  REQUIRE(loaded.ok());
  const ServerConfig& server = loaded->server;
  CHECK(server.host == "0.0.0.0");
  CHECK(server.port == 0);
  CHECK(server.io_threads == 8);
  CHECK(server.worker_threads == 32);
  CHECK(server.worker_queue_limit == 10);
  CHECK(server.max_body_bytes == 512 * 1024);
  CHECK(server.max_header_bytes == 64 * 1024);
  CHECK(server.header_timeout_ms == 1);
  CHECK(server.request_timeout_ms == 3600000);
  CHECK(server.shutdown_grace_ms == 500);
  CHECK(server.cors_allowed_origins == std::vector<std::string>{"https://app.example",
                                                                "http://localhost:5173",
                                                                "http://[::1]:8080"});
  CHECK(server.cors_max_age_s == 0);
  CHECK(server.trusted_proxies == std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
  CHECK(server.debug_endpoints);
  const DatabaseConfig& database = loaded->database;
  CHECK(database.url == "postgresql://app@db:5432/moodgate");
  CHECK(database.pool_size == 1000);
  CHECK(database.acquire_timeout_ms == 100);
  CHECK(database.busy_timeout_ms == 200);
  CHECK(database.connect_timeout_s == 3600);
  CHECK_FALSE(database.migrate_on_start);
  const AuthConfig& auth = loaded->auth;
  CHECK(auth.jwt_secret == "0123456789abcdef0123456789abcdef");
  CHECK(auth.jwt_secret_file.empty());
  CHECK(auth.issuer == "iss.example");
  CHECK(auth.audience == "aud.example");
  CHECK(auth.access_token_ttl_s == 60);
  CHECK(auth.refresh_token_ttl_s == 31536000);
  CHECK(auth.clock_skew_s == 0);
  CHECK(auth.revocation_cache_ms == 5000);
  CHECK(auth.password_ops_limit == 3);
  CHECK(auth.password_mem_limit == 8 * 1024);
  CHECK(auth.password_max_concurrent == 7);
  CHECK(auth.password_queue_timeout_ms == 250);
  const RateLimitsConfig& limits = loaded->rate_limits;
  CHECK_FALSE(limits.enabled);
  CHECK(limits.register_per_ip.limit == 1);
  CHECK(limits.register_per_ip.window_s == 1);
  CHECK_FALSE(limits.login_per_ip.enabled());
  CHECK(limits.login_failures_per_account.limit == 1000000);
  CHECK(limits.login_failures_per_account.window_s == 7 * 86400);
  CHECK(loaded->quotas.reservation_ttl_s == 3601);
  CHECK(loaded->logging.level == "off");
  CHECK_FALSE(loaded->logging.access_log);
}

TEST_CASE("A lone \"*\" allows every CORS origin", "[config]") {
  Result<Config> loaded = load_config_text(
      "server:\n  cors_allowed_origins: [\"*\"]\ndatabase:\n  url: sqlite:///x.db\n", "test.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded->server.cors_allowed_origins == std::vector<std::string>{"*"});
}

TEST_CASE("The shipped config/moodgate.yaml loads and states exactly the built-in defaults",
          "[config]") {
  ScopedEnv unset("MOODGATE_DATABASE_URL", std::nullopt);
  Result<Config> loaded = load_config_file(kShippedDefault);
  REQUIRE(loaded.ok());
  Config defaults;
  defaults.source = kShippedDefault;
  CHECK(describe_config_for_log(*loaded) == describe_config_for_log(defaults));
  CHECK(loaded->database.url == "sqlite:///var/moodgate.db");
  CHECK(loaded->server.host == "127.0.0.1");
  CHECK(loaded->server.port == 8080);
}

TEST_CASE("The shipped config/moodgate.yaml takes the database URL from MOODGATE_DATABASE_URL",
          "[config]") {
  ScopedEnv url("MOODGATE_DATABASE_URL", "postgresql://app:pw@db:5432/moodgate");
  Result<Config> loaded = load_config_file(kShippedDefault);
  REQUIRE(loaded.ok());
  CHECK(loaded->database.url == "postgresql://app:pw@db:5432/moodgate");
}

TEST_CASE("Every option the schema knows is documented in config/moodgate.yaml", "[config]") {
  const std::string text = read_file(kShippedDefault);
  for (const SectionSpec& section : config_sections()) {
    INFO("section " << section.key);
    CHECK(text.find("\n" + std::string(section.key) + ":\n") != std::string::npos);
    for (const std::string_view key : section.option_keys) {
      INFO("option " << key);
      CHECK(text.find("\n  " + std::string(key) + ":") != std::string::npos);
    }
  }
}

TEST_CASE("The shipped production example loads when DATABASE_URL and the JWT secret are set",
          "[config]") {
  ScopedEnv url("DATABASE_URL", "postgresql://moodgate:pw@db:5432/moodgate?sslmode=require");
  ScopedEnv secret("MOODGATE_JWT_SECRET", "k4Qm0bW7v2Zr9XyT1nLp8sHd3JfG6cAe5uRi");
  ScopedEnv gemini("GEMINI_API_KEY", "AIza-test");
  ScopedEnv port("MOODGATE_PORT", std::nullopt);
  Result<Config> loaded = load_config_file(kShippedProduction);
  REQUIRE(loaded.ok());
  CHECK(loaded->database.url == "postgresql://moodgate:pw@db:5432/moodgate?sslmode=require");
  CHECK(loaded->server.host == "0.0.0.0");
  CHECK(loaded->server.port == 8080);
  CHECK(loaded->server.worker_threads > ServerConfig{}.worker_threads);
  CHECK_FALSE(loaded->server.cors_allowed_origins.empty());
  CHECK(loaded->auth.jwt_secret == "k4Qm0bW7v2Zr9XyT1nLp8sHd3JfG6cAe5uRi");
  CHECK(loaded->auth.jwt_secret_file.empty());
  CHECK(loaded->providers.chains.at(config::Capability::kImage) ==
        std::vector<std::string>{"nano_banana"});
  CHECK(loaded->providers.instances[0].settings.at("api_key") == "AIza-test");
}

TEST_CASE("The shipped production example names DATABASE_URL when it is not set", "[config]") {
  ScopedEnv url("DATABASE_URL", std::nullopt);
  ScopedEnv secret("MOODGATE_JWT_SECRET", "k4Qm0bW7v2Zr9XyT1nLp8sHd3JfG6cAe5uRi");
  ScopedEnv gemini("GEMINI_API_KEY", "AIza-test");
  Result<Config> loaded = load_config_file(kShippedProduction);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message ==
        kShippedProduction + ": database.url: environment variable DATABASE_URL is not set");
}

TEST_CASE("The shipped production example requires MOODGATE_JWT_SECRET", "[config]") {
  ScopedEnv url("DATABASE_URL", "postgresql://moodgate:pw@db:5432/moodgate");
  ScopedEnv secret("MOODGATE_JWT_SECRET", std::nullopt);
  ScopedEnv gemini("GEMINI_API_KEY", "AIza-test");
  Result<Config> loaded = load_config_file(kShippedProduction);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message == kShippedProduction +
                                      ": auth.jwt_secret: environment variable "
                                      "MOODGATE_JWT_SECRET is not set");
}

TEST_CASE("A short JWT secret is refused without being quoted", "[config]") {
  ScopedEnv secret("SHORT_SECRET", "tooshort-secret");
  Result<Config> loaded = load_config_text(
      "database:\n  url: sqlite:///x.db\nauth:\n  jwt_secret: \"${SHORT_SECRET}\"\n", "t.yaml");
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.error().message,
             Catch::StartsWith("t.yaml: auth.jwt_secret: expected at least 32 bytes"));
  CHECK(loaded.error().message.find("tooshort") == std::string::npos);
}

TEST_CASE("A config file is read from disk and named by its path", "[config]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "database:\n  url: sqlite:///x.db\n");
  Result<Config> loaded = load_config_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->source == path);
  CHECK(loaded->database.url == "sqlite:///x.db");

  const std::string bad = dir.write("bad.yaml", "database:\n  url: sqlite:///x.db\n  pool: 1\n");
  Result<Config> failed = load_config_file(bad);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.rfind(bad + ": database.pool: unknown key", 0) == 0);
}

TEST_CASE("A config file that cannot be read is an error naming the path", "[config]") {
  TempDir dir;
  const std::string missing = (dir.path() / "absent.yaml").string();
  Result<Config> loaded = load_config_file(missing);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kInvalidInput);
  CHECK(loaded.error().message ==
        missing + ": cannot read the config file: No such file or directory");

  Result<Config> directory = load_config_file(dir.path().string());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().message ==
        dir.path().string() + ": cannot read the config file: it is a directory");
}

TEST_CASE("The startup log line lists every option with its effective value", "[config]") {
  Config config;
  config.source = "config/moodgate.yaml";
  config.server.cors_allowed_origins = {"https://a.example", "https://b.example"};
  CHECK(describe_config_for_log(config) ==
        "config=config/moodgate.yaml server.host=127.0.0.1 server.port=8080 server.io_threads=2 "
        "server.worker_threads=4 server.worker_queue_limit=1024 server.max_body_bytes=1MiB "
        "server.max_header_bytes=16KiB server.max_url_bytes=8KiB server.max_header_count=100 "
        "server.header_timeout_ms=10000 server.keepalive_timeout_ms=75000 "
        "server.send_timeout_ms=60000 server.max_connections=10000 "
        "server.request_timeout_ms=120000 server.shutdown_grace_ms=10000 "
        "server.cors_allowed_origins=[https://a.example,https://b.example] "
        "server.cors_max_age_s=600 server.trusted_proxies=[] server.debug_endpoints=false "
        "database.url=sqlite:///var/moodgate.db database.pool_size=8 "
        "database.acquire_timeout_ms=2000 database.busy_timeout_ms=5000 "
        "database.connect_timeout_s=5 database.migrate_on_start=true auth.jwt_secret=(unset) "
        "auth.jwt_secret_file=var/jwt-secret auth.issuer=moodgate auth.audience=moodgate-api "
        "auth.access_token_ttl_s=900 auth.refresh_token_ttl_s=2592000 auth.clock_skew_s=30 "
        "auth.revocation_cache_ms=0 auth.password_ops_limit=2 auth.password_mem_limit=64MiB "
        "auth.password_max_concurrent=2 auth.password_queue_timeout_ms=5000 "
        "rate_limits.enabled=true rate_limits.register_per_ip=5/1h rate_limits.login_per_ip=10/15m "
        "rate_limits.login_failures_per_account=10/15m quotas.enabled=true "
        "quotas.per_user={analysis=200/1d,scenarios=200/1d,summary=20/1d,image=20/1d,"
        "spend_usd=2.00/1d} quotas.reservation_ttl_s=600 providers.instances=[mock(mock)] "
        "providers.chains.analysis=[mock] providers.chains.scenarios=[mock] "
        "providers.chains.summary=[mock] providers.chains.image=[mock] providers.watch=false "
        "providers.max_connections_per_host=256 providers.max_connections=1024 "
        "journal.scenario_count=3 journal.analysis_cache_ttl_s=2592000 "
        "journal.idempotency_ttl_s=86400 journal.summary_max_entries=100 "
        "journal.analysis_lease_margin_ms=30000 journal.analysis_sweep_interval_ms=30000 "
        "visualizations.workers=2 visualizations.lease_ms=30000 "
        "visualizations.poll_interval_ms=1000 visualizations.max_attempts=4 "
        "visualizations.backoff_initial_ms=5000 visualizations.backoff_max_ms=300000 "
        "visualizations.default_style=abstract visualizations.max_queued_per_user=5 "
        "logging.level=info "
        "logging.access_log=true");
}

}  // namespace moodgate::config
