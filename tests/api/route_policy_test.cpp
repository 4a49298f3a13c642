// The route table: every route's policy is declared where it is registered, and the table is
// what the server does.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "core/api/routes.h"
#include "tests/support/api_client.h"
#include "tests/support/test_server.h"

using moodgate::api::Access;
using moodgate::http::Method;
using namespace moodgate::testing;

namespace {

std::string concrete(std::string pattern) {
  for (std::size_t b; (b = pattern.find('{')) != std::string::npos;) {
    pattern.replace(b, pattern.find('}', b) - b + 1, "00000000-0000-4000-8000-000000000000");
  }
  return pattern;
}

bool under_api(const std::string& pattern) {
  return pattern.rfind("/api/v1/", 0) == 0;
}

}  // namespace

TEST_CASE(
    "every authenticated POST and PATCH under /api/v1 takes an Idempotency-Key unless "
    "its policy says why not",
    "[api][routes]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  int writes = 0;
  for (const auto& route : server.app().route_table()) {
    if (!under_api(route.pattern) || route.policy.access != Access::kToken) continue;
    if (route.method != Method::kPost && route.method != Method::kPatch) continue;
    INFO(moodgate::http::method_name(route.method) << " " << route.pattern);
    const bool explained = route.policy.not_keyed_because != nullptr &&
                           std::string(route.policy.not_keyed_because).size() > 10;
    CHECK((route.policy.idempotency_key || explained));
    ++writes;
  }
  CHECK(writes >= 8);  // entries (4), visualizations, insights summary, logout, PATCH /auth/me
}

TEST_CASE("every route whose policy takes an Idempotency-Key replays its answer", "[api][routes]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const Account someone = register_account(server.port(), "keys@example.com");
  std::vector<moodgate::api::RouteInfo> keyed;
  for (const auto& route : server.app().route_table()) {
    if (route.policy.idempotency_key) keyed.push_back(route);
  }
  REQUIRE(keyed.size() >= 8);
  // Logout ends the session the others use: last.
  std::stable_partition(keyed.begin(), keyed.end(),
                        [](const auto& r) { return r.pattern != "/api/v1/auth/logout"; });
  int n = 0;
  for (const auto& route : keyed) {
    const std::string method = moodgate::http::method_name(route.method);
    const std::string path = concrete(route.pattern);
    INFO(method << " " << path);
    const Headers key = {{"Idempotency-Key", "route-" + std::to_string(++n)}};
    const HttpReply first = api_call(server.port(), method, path, "{}", someone.access_token, key);
    CHECK(first.header("Idempotent-Replayed") == "");
    REQUIRE(first.status < 500);
    const HttpReply again = api_call(server.port(), method, path, "{}", someone.access_token, key);
    if (route.pattern == "/api/v1/auth/logout") {
      // The session is gone: the token is refused before any key is looked at.
      CHECK(first.status == 204);
      CHECK(again.status == 401);
      continue;
    }
    CHECK(again.status == first.status);
    CHECK(again.body == first.body);
    CHECK(again.header("Idempotent-Replayed") == "true");
  }
}

TEST_CASE("public routes are exactly sign-up, sign-in, refresh and the system routes",
          "[api][routes]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  std::vector<std::string> open_api;
  for (const auto& route : server.app().route_table()) {
    if (route.policy.access == Access::kPublic && under_api(route.pattern)) {
      open_api.push_back(route.pattern);
    }
  }
  std::sort(open_api.begin(), open_api.end());
  CHECK(open_api == std::vector<std::string>{"/api/v1/auth/login", "/api/v1/auth/refresh",
                                             "/api/v1/auth/register"});
}

TEST_CASE("only public routes without a key may run with no pool, and they never block",
          "[api][routes]") {
  moodgate::http::Router router;
  moodgate::api::Routes routes(moodgate::api::RoutesDeps{&router});
  auto handler = [](const moodgate::api::Call&) {
    return moodgate::api::answer_now(moodgate::http::HttpResponse::json(200, "{}"));
  };
  using moodgate::api::Runs;
  CHECK_THROWS_AS(
      routes.add(Method::kGet, "/a", {.access = Access::kToken, .runs = Runs::kInline}, handler),
      std::logic_error);
  CHECK_THROWS_AS(
      routes.add(Method::kPost, "/b",
                 {.access = Access::kPublic, .idempotency_key = true, .runs = Runs::kInline},
                 handler),
      std::logic_error);
  CHECK_NOTHROW(
      routes.add(Method::kPost, "/c", {.access = Access::kPublic, .runs = Runs::kInline}, handler));

  // The server's own: the AI debug route for text, answered where the AI call ends.
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.server.debug_endpoints = true;
  TestServer server(config);
  std::vector<std::string> inline_routes;
  for (const auto& route : server.app().route_table()) {
    if (route.policy.runs != Runs::kInline) continue;
    inline_routes.push_back(route.pattern);
    CHECK(route.policy.access == Access::kPublic);
    CHECK_FALSE(route.policy.idempotency_key);
  }
  CHECK(inline_routes == std::vector<std::string>{"/debug/ai/{capability}"});
}
