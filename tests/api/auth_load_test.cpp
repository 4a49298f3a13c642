// Password hashing under load: sign-ins queue on their own threads (auth.password_max_concurrent
// of them), so a login storm neither exhausts memory nor holds up other requests, and a
// sign-in that waited past auth.password_queue_timeout_ms is shed with 503.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

// Hashes that take a while (~100 ms or more each on this machine).
moodgate::config::Config slow_hashing_config(const std::string& url) {
  auto config = test_config(url);
  config.auth.password_ops_limit = 4;
  config.auth.password_mem_limit = 32 * 1024 * 1024;
  config.auth.password_max_concurrent = 1;
  return config;
}

}  // namespace

TEST_CASE("a login storm queues on the hashing threads without holding up other requests",
          "[api][auth][load]") {
  auto db = make_test_database("sqlite");
  auto config = slow_hashing_config(db.url());
  config.auth.password_queue_timeout_ms = 60000;
  TestServer server(config);
  const Account user = register_account(server.port(), "storm@example.com");

  constexpr int kLogins = 8;
  std::atomic<int> finished{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> storm;
  for (int i = 0; i < kLogins; ++i) {
    storm.emplace_back([&] {
      const HttpReply r = api_call(server.port(), "POST", "/api/v1/auth/login",
                                   credentials_json(user.email, user.password));
      if (r.status == 200) ok.fetch_add(1);
      finished.fetch_add(1);
    });
  }
  // Eight hashes in a row on one thread take most of a second; meanwhile GET /me (general
  // workers) answers at once. Were sign-ins on the general workers, each would park a worker
  // on the hashing slot and /me would queue behind at least five of them.
  while (finished.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const HttpReply me = api_call(server.port(), "GET", "/api/v1/auth/me", "", user.access_token);
  const int finished_when_me_answered = finished.load();
  for (auto& t : storm) t.join();
  CHECK(me.status == 200);
  CHECK(finished_when_me_answered <= kLogins / 2);
  CHECK(ok.load() == kLogins);
}

TEST_CASE("a sign-in that waited too long for a hashing thread is shed with 503",
          "[api][auth][load]") {
  auto db = make_test_database("sqlite");
  auto config = slow_hashing_config(db.url());
  config.auth.password_queue_timeout_ms = 20;
  TestServer server(config);
  // Registered before the storm: a lone sign-in waits for nobody.
  const HttpReply reg = api_call(server.port(), "POST", "/api/v1/auth/register",
                                 credentials_json("shed@example.com", "good password 1"));
  REQUIRE(reg.status == 201);

  std::vector<HttpReply> replies(6);
  std::vector<std::thread> storm;
  for (auto& reply : replies) {
    storm.emplace_back([&] {
      reply = api_call(server.port(), "POST", "/api/v1/auth/login",
                       credentials_json("shed@example.com", "good password 1"));
    });
  }
  for (auto& t : storm) t.join();
  int succeeded = 0;
  int shed = 0;
  for (const HttpReply& r : replies) {
    INFO(r.body);
    if (r.status == 200) ++succeeded;
    if (r.status == 503) {
      ++shed;
      CHECK(error_code(r) == "UNAVAILABLE");
    }
    CHECK((r.status == 200 || r.status == 503));
  }
  CHECK(succeeded >= 1);
  CHECK(shed >= 1);
}
