// JsonBody and every JSON route: a body nested deeper than 64 levels is a 400 INVALID_INPUT that
// says so, decided after reading its first 65 levels, so no body within max_body_bytes can crash
// the gateway (a body of 110,000 '[' used to overflow the parser's stack). Over real sockets, on
// public and authenticated routes, on both backends; the server keeps answering afterwards.
#include "core/api/json_body.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/deep_json.h"
#include "tests/support/entries_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;

namespace {

http::HttpRequest json_request(std::string body) {
  http::HttpRequest request;
  request.method = http::Method::kPost;
  request.headers["Content-Type"] = "application/json";
  request.body = std::move(body);
  return request;
}

// The bodies an attacker would send: brackets and objects, closed or not, ~100 KB to ~900 KB.
std::vector<std::string> too_deep_bodies() {
  return {nested_arrays(110'000, false), nested_objects(150'000, false), nested_objects(150'000),
          nested_arrays(65)};
}

void check_too_deep(const HttpReply& reply) {
  INFO(reply.status << " " << reply.body.substr(0, 300));
  REQUIRE(reply.status == 400);
  const auto doc = reply.json();
  REQUIRE(doc.IsObject());
  CHECK(error_code(reply) == "INVALID_INPUT");
  CHECK(error_message(reply) == "The request body nests deeper than 64 levels");
  CHECK(doc["error"]["details"]["max_depth"].GetInt() == 64);
  CHECK_FALSE(text_of(doc["error"], "request_id").empty());
}

void check_still_answering(std::uint16_t port) {
  const HttpReply health = http_request(port, "GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
}

}  // namespace

TEST_CASE("JsonBody refuses a body nested deeper than 64 levels with a 400 naming the depth",
          "[api][json]") {
  for (const std::string& body : too_deep_bodies()) {
    INFO(body.substr(0, 20) << " ... " << body.size() << " bytes");
    const auto parsed = api::JsonBody::parse(json_request(body));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == ErrorCode::kInvalidInput);
    CHECK(parsed.error().message == "The request body nests deeper than 64 levels");
  }
  // 64 levels are read; such a body is then refused only for not being an object.
  const auto arrays = api::JsonBody::parse(json_request(nested_arrays(64)));
  REQUIRE_FALSE(arrays.ok());
  CHECK(arrays.error().message == "The request body must be a JSON object");
  CHECK(api::JsonBody::parse(json_request(R"({"a":)" + nested_arrays(63) + "}")).ok());
}

TEST_CASE("JsonBody still refuses invalid UTF-8 and trailing content, with the offset",
          "[api][json]") {
  const auto utf8 = api::JsonBody::parse(json_request("{\"a\": \"caf\xC3\"}"));
  REQUIRE_FALSE(utf8.ok());
  CHECK(utf8.error().message == "The request body is not valid JSON: Invalid encoding in string.");
  const auto trailing = api::JsonBody::parse(json_request(R"({"a": 1} {"b": 2})"));
  REQUIRE_FALSE(trailing.ok());
  CHECK(trailing.error().message ==
        "The request body is not valid JSON: The document root must not be followed by other "
        "values.");
  REQUIRE(trailing.error().details.size() == 1);
  CHECK(trailing.error().details[0].first == "offset");
  CHECK(std::get<long long>(trailing.error().details[0].second) == 9);
}

TEST_CASE("a deeply nested body on a public auth route is a 400 and the server keeps answering",
          "[api][auth][json]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  for (const std::string path :
       {"/api/v1/auth/refresh", "/api/v1/auth/login", "/api/v1/auth/register"}) {
    for (const std::string& body : too_deep_bodies()) {
      INFO(path << " " << body.substr(0, 20) << " ... " << body.size() << " bytes");
      check_too_deep(api_call(port, "POST", path, body));
      check_still_answering(port);
    }
  }
  // The routes still work.
  const Account me = register_account(port, "deep@example.com");
  login_account(port, "deep@example.com");
  const HttpReply refreshed = api_call(port, "POST", "/api/v1/auth/refresh",
                                       R"({"refresh_token":")" + me.refresh_token + "\"}");
  CHECK(refreshed.status == 200);
}

TEST_CASE("a deeply nested body on an authenticated route is a 400 that saves nothing",
          "[api][entries][json]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "nested@example.com");
  const auto entry = create_entry(port, me.access_token, entry_body("Kept"), "?analyze=false");
  const std::string path = "/api/v1/entries/" + text_of(entry, "id");

  int key = 0;
  for (const std::string& body : too_deep_bodies()) {
    INFO(body.substr(0, 20) << " ... " << body.size() << " bytes");
    check_too_deep(post_entry(port, me.access_token, body));
    check_too_deep(post_entry(port, me.access_token, body, "",
                              {{"Idempotency-Key", "deep-" + std::to_string(++key)}}));
    check_too_deep(api_call(port, "PATCH", path, body, me.access_token));
    check_too_deep(api_call(port, "POST", path + "/scenarios", body, me.access_token));
    check_still_answering(port);
  }
  CHECK(list_ids(port, me.access_token) == std::vector<std::string>{text_of(entry, "id")});
  CHECK(get_entry(port, me.access_token, text_of(entry, "id")).json()["situation"] == "Kept");
}
