// Specification of the loader's error messages: each kind of mistake, with its exact text.
#include <string>

#include <catch2/catch.hpp>

#include "core/config/config_loader.h"

namespace moodgate::config {
namespace {

const std::string kUrl = "database:\n  url: sqlite:///test.db\n";

// The message load_config_text() fails with; the test fails if loading succeeds.
std::string error_of(const std::string& yaml) {
  Result<Config> loaded = load_config_text(yaml, "test.yaml");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kInvalidInput);
  return loaded.error().message;
}

const std::string kServerKeys =
    "host, port, io_threads, worker_threads, worker_queue_limit, max_body_bytes, "
    "max_header_bytes, max_url_bytes, max_header_count, header_timeout_ms, keepalive_timeout_ms, "
    "send_timeout_ms, max_connections, request_timeout_ms, shutdown_grace_ms, "
    "cors_allowed_origins, cors_max_age_s, trusted_proxies, debug_endpoints";

}  // namespace

TEST_CASE("A YAML syntax error is reported with its line and column", "[config]") {
  CHECK(error_of("server:\n  port: a: b\n") ==
        "test.yaml: line 2, column 10: invalid YAML: illegal map value");
  CHECK(error_of("server:\n  cors_allowed_origins: [\"*\"\n") ==
        "test.yaml: line 3, column 1: invalid YAML: end of sequence flow not found");
}

TEST_CASE("An empty file or one holding only comments is an error", "[config]") {
  const std::string expected =
      "test.yaml: the file is empty; expected a map with the sections server, database, auth, "
      "rate_limits, quotas, providers, journal, visualizations, logging";
  CHECK(error_of("") == expected);
  CHECK(error_of("# nothing here\n\n") == expected);
  CHECK(error_of("---\n") == expected);
}

TEST_CASE("A top level that is not a map is an error", "[config]") {
  CHECK(error_of("- server\n- database\n") ==
        "test.yaml: expected a map with the sections server, database, auth, rate_limits, "
        "quotas, providers, journal, visualizations, logging at the top level, "
        "got a list");
  CHECK(error_of("hello\n") ==
        "test.yaml: expected a map with the sections server, database, auth, rate_limits, "
        "quotas, providers, journal, visualizations, logging at the top level, "
        "got \"hello\"");
}

TEST_CASE("A file holding several YAML documents is an error", "[config]") {
  CHECK(error_of(kUrl + "---\n" + kUrl) ==
        "test.yaml: the file holds 2 YAML documents (separated by ---); expected one");
}

TEST_CASE("An unknown top-level key is an error that lists the known sections", "[config]") {
  CHECK(error_of(kUrl + "sever:\n  port: 1\n") ==
        "test.yaml: sever: unknown key (known: server, database, auth, rate_limits, quotas, "
        "providers, journal, visualizations, logging)");
}

TEST_CASE("An unknown key inside a section is an error that lists the section's keys", "[config]") {
  CHECK(error_of(kUrl + "server:\n  prot: 8080\n") ==
        "test.yaml: server.prot: unknown key (known: " + kServerKeys + ")");
  CHECK(error_of(kUrl + "logging:\n  levle: info\n") ==
        "test.yaml: logging.levle: unknown key (known: level, access_log)");
}

TEST_CASE("A key given twice is an error naming the line of the first", "[config]") {
  CHECK(error_of(kUrl + "server:\n  port: 1\n  port: 2\n") ==
        "test.yaml: server.port: duplicate key (first given on line 4)");
}

TEST_CASE("A section that is not a map is an error", "[config]") {
  CHECK(error_of(kUrl + "server: 8080\n") ==
        "test.yaml: server: expected a map with the keys " + kServerKeys + ", got \"8080\"");
  CHECK(error_of("database: [sqlite:///x.db]\n") ==
        "test.yaml: database: expected a map with the keys url, pool_size, acquire_timeout_ms, "
        "busy_timeout_ms, connect_timeout_s, migrate_on_start, got a list");
}

TEST_CASE("A value of the wrong type is an error saying what was expected and what was given",
          "[config]") {
  CHECK(error_of(kUrl + "server:\n  port: eighty\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"eighty\"");
  CHECK(error_of(kUrl + "server:\n  port: 80.5\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"80.5\"");
  CHECK(error_of(kUrl + "server:\n  port: {a: 1}\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got a map");
  CHECK(error_of(kUrl + "server:\n  port:\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got an empty value");
  CHECK(error_of(kUrl + "server:\n  host: [a, b]\n") ==
        "test.yaml: server.host: expected a host name or IP address, got a list");
  CHECK(error_of(kUrl + "server:\n  cors_allowed_origins: {a: b}\n") ==
        "test.yaml: server.cors_allowed_origins: expected a list of origins, got a map");
  CHECK(error_of(kUrl + "server:\n  trusted_proxies: 10.0.0.1\n") ==
        "test.yaml: server.trusted_proxies: expected a list of IP addresses or CIDR ranges, got "
        "\"10.0.0.1\"");
  CHECK(error_of(kUrl + "server:\n  trusted_proxies: [[10.0.0.1]]\n") ==
        "test.yaml: server.trusted_proxies[0]: expected an IP address or CIDR range "
        "(e.g. 10.0.0.0/8), got a list");
}

TEST_CASE("Booleans accept only true and false", "[config]") {
  for (const std::string word : {"yes", "on", "1", "True", "TRUE"}) {
    CHECK(error_of(kUrl + "server:\n  debug_endpoints: " + word + "\n") ==
          "test.yaml: server.debug_endpoints: expected true or false, got \"" + word + "\"");
  }
}

TEST_CASE("Numbers outside their range are errors naming the range", "[config]") {
  CHECK(error_of(kUrl + "server:\n  port: 65536\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"65536\"");
  CHECK(error_of(kUrl + "server:\n  port: -1\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"-1\"");
  CHECK(error_of(kUrl + "server:\n  io_threads: 0\n") ==
        "test.yaml: server.io_threads: expected an integer 1..256, got \"0\"");
  CHECK(error_of(kUrl + "server:\n  worker_threads: 257\n") ==
        "test.yaml: server.worker_threads: expected an integer 1..256, got \"257\"");
  CHECK(error_of(kUrl + "server:\n  header_timeout_ms: 0\n") ==
        "test.yaml: server.header_timeout_ms: expected an integer 1..3600000, got \"0\"");
  CHECK(error_of(kUrl + "server:\n  request_timeout_ms: 99999999999999999999999\n") ==
        "test.yaml: server.request_timeout_ms: expected an integer 1..3600000, got "
        "\"99999999999999999999999\"");
  CHECK(error_of("database:\n  url: sqlite:///x.db\n  pool_size: 1001\n") ==
        "test.yaml: database.pool_size: expected an integer 1..1000, got \"1001\"");
  CHECK(error_of("database:\n  url: sqlite:///x.db\n  connect_timeout_s: 0\n") ==
        "test.yaml: database.connect_timeout_s: expected an integer 1..3600, got \"0\"");
  CHECK(error_of(kUrl + "visualizations:\n  max_queued_per_user: 0\n") ==
        "test.yaml: visualizations.max_queued_per_user: expected an integer 1..1000, got \"0\"");
  CHECK(error_of(kUrl + "visualizations:\n  max_queued_per_user: 1001\n") ==
        "test.yaml: visualizations.max_queued_per_user: expected an integer 1..1000, got "
        "\"1001\"");
}

TEST_CASE("Byte sizes accept only integers, <n>KiB and <n>MiB, within their range", "[config]") {
  CHECK(error_of(kUrl + "server:\n  max_body_bytes: 2MB\n") ==
        "test.yaml: server.max_body_bytes: expected a byte size 1..1024MiB (an integer, <n>KiB "
        "or <n>MiB), got \"2MB\"");
  CHECK(error_of(kUrl + "server:\n  max_body_bytes: 1025MiB\n") ==
        "test.yaml: server.max_body_bytes: expected a byte size 1..1024MiB (an integer, <n>KiB "
        "or <n>MiB), got \"1025MiB\"");
  CHECK(error_of(kUrl + "server:\n  max_header_bytes: 512\n") ==
        "test.yaml: server.max_header_bytes: expected a byte size 1KiB..64KiB (an integer, <n>KiB "
        "or <n>MiB), got \"512\"");
}

TEST_CASE("logging.level accepts only the known levels", "[config]") {
  CHECK(error_of(kUrl + "logging:\n  level: verbose\n") ==
        "test.yaml: logging.level: expected one of trace, debug, info, warn, error, off, got "
        "\"verbose\"");
}

TEST_CASE("database.url is required and must not be empty", "[config]") {
  CHECK(error_of("server:\n  port: 8080\n") == "test.yaml: database.url: required, but not given");
  CHECK(error_of("database:\n  pool_size: 4\n") ==
        "test.yaml: database.url: required, but not given");
  CHECK(error_of("database:\n") == "test.yaml: database.url: required, but not given");
  CHECK(error_of("database:\n  url: \"\"\n") == "test.yaml: database.url: must not be empty");
}

TEST_CASE("database.url must be a sqlite:/// or postgresql:// URL", "[config]") {
  CHECK(error_of("database:\n  url: mysql://db/moodgate\n") ==
        "test.yaml: database.url: expected sqlite:///path/to/file.db or "
        "postgresql://user:password@host:port/database, got \"mysql://db/moodgate\"");
  CHECK(error_of("database:\n  url: sqlite:///\n") ==
        "test.yaml: database.url: expected sqlite:///path/to/file.db or "
        "postgresql://user:password@host:port/database, got \"sqlite:///\"");
}

TEST_CASE("CORS origins must be \"*\" or scheme://host[:port], and \"*\" stands alone",
          "[config]") {
  CHECK(error_of(kUrl + "server:\n  cors_allowed_origins: [\"https://a.example\", "
                        "\"https://b.example/\"]\n") ==
        "test.yaml: server.cors_allowed_origins[1]: expected \"*\" or an origin "
        "scheme://host[:port] (lower case, no path), got \"https://b.example/\"");
  CHECK(error_of(kUrl + "server:\n  cors_allowed_origins: [\"*\", \"https://a.example\"]\n") ==
        "test.yaml: server.cors_allowed_origins: \"*\" allows every origin, so it must be the only "
        "entry");
}

TEST_CASE("Trusted proxies must be IP addresses or CIDR ranges", "[config]") {
  CHECK(error_of(kUrl + "server:\n  trusted_proxies: [10.0.0.0/8, proxy.internal]\n") ==
        "test.yaml: server.trusted_proxies[1]: expected an IP address or CIDR range "
        "(e.g. 10.0.0.0/8), got \"proxy.internal\"");
}

TEST_CASE("Every problem in a file is reported, one per line, in file order", "[config]") {
  const std::string yaml =
      "server:\n"
      "  prot: 8080\n"
      "  port: eighty\n"
      "  debug_endpoints: yes\n"
      "  cors_allowed_origins: [\"example.com\"]\n"
      "logging:\n"
      "  level: loud\n"
      "metrics: {}\n";
  CHECK(error_of(yaml) ==
        "test.yaml: server.prot: unknown key (known: " + kServerKeys +
            ")\n"
            "test.yaml: server.port: expected an integer 0..65535, got \"eighty\"\n"
            "test.yaml: server.debug_endpoints: expected true or false, got \"yes\"\n"
            "test.yaml: server.cors_allowed_origins[0]: expected \"*\" or an origin "
            "scheme://host[:port] (lower case, no path), got \"example.com\"\n"
            "test.yaml: logging.level: expected one of trace, debug, info, warn, error, off, got "
            "\"loud\"\n"
            "test.yaml: metrics: unknown key (known: server, database, auth, rate_limits, "
            "quotas, providers, journal, visualizations, logging)\n"
            "test.yaml: database.url: required, but not given");
}

TEST_CASE("Long values are shortened and control characters escaped when quoted", "[config]") {
  const std::string long_value(100, 'x');
  CHECK(error_of(kUrl + "server:\n  port: " + long_value + "\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"" + std::string(60, 'x') +
            "...\"");
  CHECK(error_of(kUrl + "server:\n  port: \"8\\t0\\\"\"\n") ==
        "test.yaml: server.port: expected an integer 0..65535, got \"8\\t0\\\"\"");
}

}  // namespace moodgate::config
