#include "core/http/router.h"

#include <catch2/catch.hpp>

using moodgate::http::Method;
using moodgate::http::RouteMatch;
using moodgate::http::Router;

namespace {
Router sample_router() {
  Router r;
  r.add(Method::kGet, "/api/v1/entries", [](auto) {});
  r.add(Method::kPost, "/api/v1/entries", [](auto) {});
  r.add(Method::kGet, "/api/v1/entries/{id}", [](auto) {});
  r.add(Method::kGet, "/api/v1/entries/export", [](auto) {});
  r.add(Method::kDelete, "/api/v1/entries/{id}", [](auto) {});
  return r;
}
}  // namespace

TEST_CASE("the router finds a route and extracts its path parameters", "[http][router]") {
  const Router r = sample_router();
  const RouteMatch m = r.match(Method::kGet, "/api/v1/entries/abc-123");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.pattern == "/api/v1/entries/{id}");
  CHECK(m.params.at("id") == "abc-123");
}

TEST_CASE("a literal segment wins over a parameter at the same place", "[http][router]") {
  const RouteMatch m = sample_router().match(Method::kGet, "/api/v1/entries/export");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.pattern == "/api/v1/entries/export");
}

TEST_CASE("an unknown path is not found and a known path with another method is 405",
          "[http][router]") {
  const Router r = sample_router();
  CHECK(r.match(Method::kGet, "/api/v1/nothing").kind == RouteMatch::Kind::kNotFound);
  CHECK(r.match(Method::kGet, "/api/v1/entries/a/b").kind == RouteMatch::Kind::kNotFound);
  const RouteMatch m = r.match(Method::kPatch, "/api/v1/entries/abc");
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allowed == std::vector<Method>{Method::kGet, Method::kDelete});
}

TEST_CASE("HEAD is served by the GET route and trailing slashes do not matter", "[http][router]") {
  const Router r = sample_router();
  CHECK(r.match(Method::kHead, "/api/v1/entries").kind == RouteMatch::Kind::kFound);
  CHECK(r.match(Method::kGet, "/api/v1/entries/").kind == RouteMatch::Kind::kFound);
}

TEST_CASE("registering the same route twice is a wiring bug that throws", "[http][router]") {
  Router r = sample_router();
  CHECK_THROWS_AS(r.add(Method::kGet, "/api/v1/entries", [](auto) {}), std::logic_error);
  CHECK_THROWS_AS(r.add(Method::kGet, "relative", [](auto) {}), std::logic_error);
}
