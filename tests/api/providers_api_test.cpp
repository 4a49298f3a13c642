// What serves each capability, as the API shows it, and the live swap on SIGHUP: a good new
// providers section takes over, a broken one is refused and the old one stays.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

const std::string kFixtures = MOODGATE_FIXTURE_PLUGIN_DIR;

std::string config_text(const TempDir& dir, const std::string& providers) {
  return "server:\n  port: 0\ndatabase:\n  url: sqlite:///" + (dir.path() / "p.db").string() +
         "\nauth:\n  jwt_secret_file: " + (dir.path() / "jwt").string() +
         "\n  password_ops_limit: 1\n  password_mem_limit: 8KiB\n" + providers +
         "logging:\n  level: info\n";
}

std::string chains_of(const std::string& analysis) {
  return "providers:\n  plugin_dirs: [" + kFixtures +
         "]\n  instances:\n    mock:\n      plugin: mock\n    fixture:\n      plugin: "
         "fixture_good\n  chains:\n    analysis: [" +
         analysis + "]\n    scenarios: [mock]\n    summary: [mock]\n    image: [mock]\n";
}

std::string analysis_instance(std::uint16_t port, const std::string& token) {
  const HttpReply reply = api_call(port, "GET", "/api/v1/providers", "", token);
  REQUIRE(reply.status == 200);
  const auto doc = reply.json();
  return doc["capabilities"]["analysis"][0]["instance"].GetString();
}

}  // namespace

TEST_CASE("GET /api/v1/providers shows each capability's chain and /version the plugins",
          "[api][providers]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const Account user = register_account(server.port(), "providers@example.com");
  CHECK(api_call(server.port(), "GET", "/api/v1/providers").status == 401);
  const HttpReply reply = api_call(server.port(), "GET", "/api/v1/providers", "", user.access_token);
  REQUIRE(reply.status == 200);
  const auto doc = reply.json();
  for (const char* capability : {"analysis", "scenarios", "summary", "image"}) {
    INFO(capability);
    REQUIRE(doc["capabilities"][capability].Size() == 1);
    CHECK(std::string(doc["capabilities"][capability][0]["plugin"].GetString()) == "mock");
    CHECK(std::string(doc["capabilities"][capability][0]["breaker"].GetString()) == "closed");
  }
  const auto version = http_request(server.port(), "GET", "/version").json();
  REQUIRE(version["plugins"].Size() == 1);
  CHECK(std::string(version["plugins"][0]["name"].GetString()) == "mock");
  CHECK(version["plugins"][0]["abi"].GetUint() == 1);
}

TEST_CASE("SIGHUP swaps in a good providers section and refuses a broken one",
          "[api][providers][cli]") {
  TempDir dir;
  const std::string path = dir.write("p.yaml", config_text(dir, chains_of("mock")));
  ServerProcess server({"--config", path, "serve"});
  const auto port = server.wait_for_port();
  REQUIRE(port != 0);
  const Account user = register_account(port, "swap@example.com");
  CHECK(analysis_instance(port, user.access_token) == "mock");

  dir.write("p.yaml", config_text(dir, chains_of("fixture, mock")));
  server.signal(SIGHUP);
  REQUIRE(server.wait_for_log("providers reloaded", std::chrono::seconds(10)));
  CHECK(analysis_instance(port, user.access_token) == "fixture");

  // A plugin that cannot load: refused as a whole, the current set stays.
  dir.write("p.yaml", config_text(dir, "providers:\n  instances:\n    bad:\n      plugin: "
                                       "no_such_plugin\n  chains:\n    analysis: [bad]\n"
                                       "    scenarios: [bad]\n    summary: [bad]\n"
                                       "    image: [bad]\n"));
  server.signal(SIGHUP);
  REQUIRE(server.wait_for_log("provider reload refused", std::chrono::seconds(10)));
  CHECK(analysis_instance(port, user.access_token) == "fixture");
  // A file that does not even parse: the same.
  dir.write("p.yaml", "providers: [\n");
  server.signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(analysis_instance(port, user.access_token) == "fixture");
  CHECK(http_request(port, "GET", "/health/ready").status == 200);
  server.signal(SIGTERM);
  CHECK(server.wait_exit(std::chrono::seconds(10)) == 0);
}
