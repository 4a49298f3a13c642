// The moodgate binary's command line, run as a real child process.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {
const std::string kDefaultConfig = std::string(MOODGATE_SOURCE_DIR) + "/config/moodgate.yaml";

std::string sqlite_config(const TempDir& dir, const std::string& extra_server = "") {
  return "server:\n  port: 0\n" + extra_server + "database:\n  url: sqlite:///" +
         (dir.path() / "cli.db").string() + "\nauth:\n  jwt_secret_file: " +
         (dir.path() / "jwt-secret").string() + "\nlogging:\n  level: info\n";
}

// A served gateway with one slow request (GET /debug/sleep) already inside its handler.
struct ServerWithSlowRequest {
  TempDir dir;
  ServerProcess server;
  std::uint16_t port = 0;
  HttpReply slow;
  std::thread client;

  ServerWithSlowRequest(int grace_ms, int sleep_ms)
      : server({"--config",
                dir.write("s.yaml", sqlite_config(dir,
                                                  "  debug_endpoints: true\n"
                                                  "  shutdown_grace_ms: " +
                                                      std::to_string(grace_ms) + "\n")),
                "serve"}) {
    port = server.wait_for_port();
    REQUIRE(port != 0);
    const std::string target = "/debug/sleep?ms=" + std::to_string(sleep_ms);
    client = std::thread([this, target] { slow = http_request(port, "GET", target); });
    REQUIRE(server.wait_for_log("debug sleep started", std::chrono::seconds(10)));
  }
  ~ServerWithSlowRequest() {
    if (client.joinable()) client.join();
  }
};
}  // namespace

TEST_CASE("moodgate --help prints the usage and exits 0", "[cli]") {
  const auto [code, out] = run_moodgate({"--help"});
  CHECK(code == 0);
  CHECK(out.find("Usage:") != std::string::npos);
  CHECK(out.find("check-config") != std::string::npos);
}

TEST_CASE("moodgate --version prints the name and version", "[cli]") {
  const auto [code, out] = run_moodgate({"--version"});
  CHECK(code == 0);
  CHECK(out.rfind("moodgate 0.", 0) == 0);
}

TEST_CASE("an unknown command or option exits 2 with the usage", "[cli]") {
  auto [code, out] = run_moodgate({"frobnicate"});
  CHECK(code == 2);
  CHECK(out.find("unknown command: frobnicate") != std::string::npos);
  std::tie(code, out) = run_moodgate({"--nope"});
  CHECK(code == 2);
  CHECK(out.find("unknown option: --nope") != std::string::npos);
}

TEST_CASE("check-config accepts the shipped default configuration", "[cli][config]") {
  const auto [code, out] = run_moodgate({"--config", kDefaultConfig, "check-config"});
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("OK") != std::string::npos);
}

TEST_CASE("check-config rejects a bad file naming the key and exits 1", "[cli][config]") {
  TempDir dir;
  const std::string path = dir.write("bad.yaml", "server:\n  port: eighty\n");
  const auto [code, out] = run_moodgate({"--config", path, "check-config"});
  CHECK(code == 1);
  CHECK(out.find(path + ": server.port: expected an integer 0..65535, got \"eighty\"") !=
        std::string::npos);
}

TEST_CASE("MOODGATE_CONFIG chooses the file when --config is absent", "[cli][config]") {
  TempDir dir;
  const std::string path = dir.write("typo.yaml", "server:\n  prot: 80\n");
  const auto [code, out] = run_moodgate({"check-config"}, {"MOODGATE_CONFIG=" + path});
  CHECK(code == 1);
  CHECK(out.find(path + ": server.prot: unknown key") != std::string::npos);
}

TEST_CASE("serve refuses to start on a bad config with the message", "[cli][config]") {
  TempDir dir;
  const std::string path = dir.write("bad.yaml", "database:\n  url: mysql://x\n");
  const auto [code, out] = run_moodgate({"--config", path, "serve"});
  CHECK(code == 1);
  CHECK(out.find("database.url") != std::string::npos);
}

TEST_CASE("migrate applies the migrations once and then nothing", "[cli][store]") {
  TempDir dir;
  const std::string path = dir.write("m.yaml", sqlite_config(dir));
  auto [code, out] = run_moodgate({"--config", path, "migrate"});
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("0001_initial") != std::string::npos);
  std::tie(code, out) = run_moodgate({"--config", path, "migrate"});
  CHECK(code == 0);
  CHECK(out.find("migrations: 0 applied") != std::string::npos);
}

TEST_CASE("SIGTERM lets a slow in-flight request finish, refuses new ones, exits 0",
          "[cli][shutdown]") {
  ServerWithSlowRequest f(10000, 1500);
  auto& server = f.server;
  const std::uint16_t port = f.port;
  server.signal(SIGTERM);
  REQUIRE(server.wait_for_log("draining 1 in-flight request", std::chrono::seconds(5)));

  // While draining, new work is refused and the readiness probe tells load balancers to go.
  const HttpReply during = http_request(port, "GET", "/version");
  CHECK(during.status == 503);
  CHECK(during.json()["error"]["code"].GetString() == std::string("UNAVAILABLE"));
  const HttpReply ready = http_request(port, "GET", "/health/ready");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("draining") != std::string::npos);
  f.client.join();
  CHECK(f.slow.status == 200);
  CHECK(f.slow.body == R"({"slept_ms":1500})");
  CHECK(server.wait_exit(std::chrono::seconds(10)) == 0);
  CHECK(server.stderr_text().find("moodgate stopped") != std::string::npos);
}

TEST_CASE("the access log has one JSON line per request and never a token or body",
          "[cli][logging]") {
  TempDir dir;
  const std::string path = dir.write("a.yaml", sqlite_config(dir));
  ServerProcess server({"--config", path, "serve"});
  const std::uint16_t port = server.wait_for_port();
  REQUIRE(port != 0);
  const HttpReply r = http_request(port, "POST", "/health", R"({"password":"hunter2secret"})",
                                   {{"Authorization", "Bearer eyJsecret.token.value"},
                                    {"X-Request-ID", "log-test-1"},
                                    {"X-Forwarded-For", "203.0.113.7"}});
  CHECK(r.status == 405);
  server.signal(SIGTERM);
  REQUIRE(server.wait_exit(std::chrono::seconds(10)) == 0);
  const std::string out = server.stdout_text() + server.stderr_text();
  CHECK(out.find("hunter2secret") == std::string::npos);
  CHECK(out.find("eyJsecret") == std::string::npos);
  const std::string log = server.stdout_text();
  const auto at = log.find("\"request_id\":\"log-test-1\"");
  REQUIRE(at != std::string::npos);
  const auto line_start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  const std::string line = log.substr(line_start, log.find('\n', at) - line_start);
  rapidjson::Document d;
  d.Parse(line.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["method"].GetString()) == "POST");
  CHECK(std::string(d["route"].GetString()) == "/health");
  CHECK(d["status"].GetInt() == 405);
  // No trusted proxies configured: a forwarded address is not believed.
  CHECK(std::string(d["client"].GetString()) == "127.0.0.1");
  CHECK(d["duration_ms"].IsNumber());
  CHECK(d["bytes"].GetInt() > 0);
  CHECK(d["time"].IsString());
}

TEST_CASE("SIGTERM stops after the grace period even if a request is still running",
          "[cli][shutdown]") {
  ServerWithSlowRequest f(200, 2000);
  auto& server = f.server;
  server.signal(SIGTERM);
  CHECK(server.wait_exit(std::chrono::seconds(10)) == 0);
  CHECK(server.stderr_text().find("still in flight after 200 ms") != std::string::npos);
}

TEST_CASE("behind a trusted proxy the access log names the forwarded client", "[cli][logging]") {
  TempDir dir;
  const std::string path =
      dir.write("p.yaml", sqlite_config(dir, "  trusted_proxies: [\"127.0.0.0/8\"]\n"));
  ServerProcess server({"--config", path, "serve"});
  const std::uint16_t port = server.wait_for_port();
  REQUIRE(port != 0);
  CHECK(http_request(port, "GET", "/health", "",
                     {{"X-Request-ID", "proxied-1"}, {"X-Forwarded-For", "203.0.113.7"}})
            .status == 200);
  server.signal(SIGTERM);
  REQUIRE(server.wait_exit(std::chrono::seconds(10)) == 0);
  const std::string log = server.stdout_text();
  CHECK(log.find("\"request_id\":\"proxied-1\"") != std::string::npos);
  CHECK(log.find("\"client\":\"203.0.113.7\"") != std::string::npos);
}
