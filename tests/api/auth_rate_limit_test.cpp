// Rate limits on register and login (API.md): they trip at the configured count with 429,
// Retry-After and X-RateLimit-*, reset when the window ends, are kept in the database (so two
// instances share them), and count the client address that server.trusted_proxies decides.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

std::string nth_email(int n) {
  return "user" + std::to_string(n) + "@example.com";
}

HttpReply register_nth(std::uint16_t port, int n, const Headers& extra = {}) {
  return api_call(port, "POST", "/api/v1/auth/register",
                  credentials_json(nth_email(n), "good password 1"), "", extra);
}

void check_limited(const HttpReply& reply, int limit) {
  INFO(reply.body);
  CHECK(reply.status == 429);
  CHECK(error_code(reply) == "RATE_LIMITED");
  const int retry = std::stoi(reply.header("Retry-After"));
  CHECK(retry >= 1);
  CHECK(reply.header("X-RateLimit-Limit") == std::to_string(limit));
  CHECK(reply.header("X-RateLimit-Remaining") == "0");
  CHECK(reply.header("X-RateLimit-Reset") == reply.header("Retry-After"));
}

// Sleeps until the fixed window of `window_s` seconds that holds "now" has ended.
void wait_for_next_window(const HttpReply& limited) {
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(limited.header("Retry-After"))) +
                              std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE("registration per address trips at the limit, shared by instances, and resets",
          "[api][auth][ratelimit]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  auto config = test_config(db.url());
  config.rate_limits.enabled = true;
  config.rate_limits.register_per_ip = {3, 2};  // 3 per 2 s
  TestServer a(config);
  TestServer b(config);

  HttpReply last;
  std::string last_email;
  for (int attempt = 0; attempt < 10; ++attempt) {
    // Stay clear of a window edge: all of one round must land in one window.
    const HttpReply first = register_nth(a.port(), 100 * attempt);
    if (first.status == 429) {
      wait_for_next_window(first);
      continue;
    }
    REQUIRE(first.status == 201);
    CHECK(first.header("X-RateLimit-Limit") == "3");
    const std::string remaining_after_first = first.header("X-RateLimit-Remaining");
    const HttpReply second = register_nth(b.port(), 100 * attempt + 1);  // the other instance
    const HttpReply third = register_nth(a.port(), 100 * attempt + 2);
    last = register_nth(b.port(), 100 * attempt + 3);
    last_email = nth_email(100 * attempt + 3);
    if (second.status == 201 && third.status == 201 && remaining_after_first == "2") {
      CHECK(third.header("X-RateLimit-Remaining") == "0");
      break;
    }
    wait_for_next_window(last.status == 429 ? last : first);
  }
  check_limited(last, 3);
  // The refused registration created nothing.
  CHECK(api_call(a.port(), "POST", "/api/v1/auth/login",
                 credentials_json(last_email, "good password 1"))
            .status == 401);

  wait_for_next_window(last);
  const HttpReply after = register_nth(a.port(), 999);
  INFO(after.body);
  CHECK(after.status == 201);
}

TEST_CASE("login attempts per address are limited, right or wrong password", "[api][auth][ratelimit]") {
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.rate_limits.enabled = true;
  config.rate_limits.login_per_ip = {4, 3600};
  config.rate_limits.login_failures_per_account = {100, 3600};
  TestServer server(config);
  const Account user = register_account(server.port(), "ip@example.com");
  for (int i = 0; i < 4; ++i) {
    const HttpReply ok = api_call(server.port(), "POST", "/api/v1/auth/login",
                                  credentials_json(user.email, user.password));
    REQUIRE(ok.status == 200);
    CHECK(ok.header("X-RateLimit-Remaining") == std::to_string(3 - i));
  }
  const HttpReply limited = api_call(server.port(), "POST", "/api/v1/auth/login",
                                     credentials_json(user.email, user.password));
  check_limited(limited, 4);
  CHECK(std::stoi(limited.header("Retry-After")) <= 3600);
  // Refresh is not a login: it is not limited by this.
  CHECK(api_call(server.port(), "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + user.refresh_token + R"("})")
            .status == 200);
}

TEST_CASE("failed logins per account are limited across addresses, known email or not",
          "[api][auth][ratelimit]") {
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.rate_limits.enabled = true;
  config.rate_limits.login_per_ip = {1000, 3600};
  config.rate_limits.login_failures_per_account = {3, 3600};
  config.server.trusted_proxies = {"127.0.0.1"};  // lets the test speak for many addresses
  TestServer server(config);
  const Account user = register_account(server.port(), "guess@example.com");

  auto login_from = [&](const std::string& ip, const std::string& email,
                        const std::string& password) {
    return api_call(server.port(), "POST", "/api/v1/auth/login",
                    credentials_json(email, password), "", {{"X-Forwarded-For", ip}});
  };
  for (const std::string& email : {user.email, std::string("nobody@example.com")}) {
    INFO(email);
    for (int i = 0; i < 3; ++i) {
      CHECK(login_from("198.51.100." + std::to_string(i), email, "wrong guess 1").status == 401);
    }
    // The fourth guess, from yet another address, is refused before checking anything...
    check_limited(login_from("198.51.100.77", email, "wrong guess 1"), 3);
  }
  // ...and so is the right password, until the window ends: that is what slows guessing.
  check_limited(login_from("203.0.113.9", user.email, user.password), 3);
  // Other accounts are unaffected.
  register_account(server.port(), "other@example.com");
  CHECK(login_from("198.51.100.1", "other@example.com", "correct horse 1").status == 200);
}

TEST_CASE("the limited address is the one trusted proxies vouch for, never a forged header",
          "[api][auth][ratelimit]") {
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.rate_limits.enabled = true;
  config.rate_limits.register_per_ip = {1, 3600};
  SECTION("no trusted proxy: X-Forwarded-For is ignored, so rotating it does not help") {
    TestServer server(config);
    CHECK(register_nth(server.port(), 1, {{"X-Forwarded-For", "198.51.100.1"}}).status == 201);
    check_limited(register_nth(server.port(), 2, {{"X-Forwarded-For", "198.51.100.2"}}), 1);
  }
  SECTION("behind a trusted proxy: each forwarded client has its own budget") {
    config.server.trusted_proxies = {"127.0.0.1"};
    TestServer server(config);
    CHECK(register_nth(server.port(), 1, {{"X-Forwarded-For", "198.51.100.1"}}).status == 201);
    CHECK(register_nth(server.port(), 2, {{"X-Forwarded-For", "198.51.100.2"}}).status == 201);
    check_limited(register_nth(server.port(), 3, {{"X-Forwarded-For", "198.51.100.2"}}), 1);
    // IPv6 clients count per /64: another address in the same /64 shares the budget.
    CHECK(register_nth(server.port(), 4, {{"X-Forwarded-For", "2001:db8:1:2::1"}}).status == 201);
    check_limited(register_nth(server.port(), 5, {{"X-Forwarded-For", "2001:db8:1:2::ffff"}}),
                  1);
    CHECK(register_nth(server.port(), 6, {{"X-Forwarded-For", "2001:db8:1:3::1"}}).status == 201);
  }
}
