// The system endpoints on both storage backends, through a real server and real HTTP.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/postgres_instance.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

TEST_CASE("the server starts, migrates and is ready on each backend", "[api][system][store]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  auto db = make_test_database(backend);
  INFO("backend: " << backend);
  {
    auto config = test_config(db.url());
    TestServer server(config);
    const HttpReply ready = http_request(server.port(), "GET", "/health/ready");
    INFO(ready.body);
    CHECK(ready.status == 200);
    CHECK(http_request(server.port(), "GET", "/health").status == 200);
  }
  {
    // A second start on the same database finds every migration applied.
    TestServer again(test_config(db.url()));
    CHECK(http_request(again.port(), "GET", "/health/ready").status == 200);
  }
}

TEST_CASE("readiness turns 503 while PostgreSQL is down and 200 when it returns",
          "[api][system][postgresql]") {
  PostgresInstance postgres;
  auto config = test_config(postgres.admin_url());
  config.database.connect_timeout_s = 2;
  TestServer server(config);
  REQUIRE(http_request(server.port(), "GET", "/health/ready").status == 200);

  postgres.stop();
  const HttpReply down = http_request(server.port(), "GET", "/health/ready");
  INFO(down.body);
  REQUIRE(down.status == 503);
  const auto doc = down.json();
  CHECK(std::string(doc["error"]["code"].GetString()) == "UNAVAILABLE");
  CHECK(doc["error"]["details"].HasMember("database"));
  CHECK(std::string(doc["error"]["message"].GetString()).find("database") != std::string::npos);
  // Liveness is not readiness: the process still serves.
  CHECK(http_request(server.port(), "GET", "/health").status == 200);

  postgres.start();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    status = http_request(server.port(), "GET", "/health/ready").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(status == 200);
}
