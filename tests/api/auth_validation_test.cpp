// API.md's field rules for the accounts endpoints: every bad input is a 400 naming the field
// (415 for a body that is not JSON), a taken email is 409, and a failed login says nothing
// about whether the email exists. Also: every /api/v1 route but three demands a token.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;

namespace {

struct BadBody {
  const char* body;
  const char* field;  // "" when the error is about the body as a whole
};

}  // namespace

TEST_CASE("registration refuses each invalid field with a 400 that names it", "[api][auth]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const std::string long_local(250, 'a');
  const std::string long_email = "\"" + long_local + "@example.com\"";
  const std::string long_password = "\"1" + std::string(128, 'x') + "\"";
  const std::string long_name = "\"" + std::string(101, 'n') + "\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"password":"good password 1"})", "email"},
      {R"({"email":null,"password":"good password 1"})", "email"},
      {R"({"email":42,"password":"good password 1"})", "email"},
      {R"({"email":"","password":"good password 1"})", "email"},
      {R"({"email":"no-at-sign","password":"good password 1"})", "email"},
      {R"({"email":"two@@example.com","password":"good password 1"})", "email"},
      {R"({"email":"@example.com","password":"good password 1"})", "email"},
      {R"({"email":"a@localhost","password":"good password 1"})", "email"},
      {R"({"email":"a b@example.com","password":"good password 1"})", "email"},
      {R"({"email":"a@example..com","password":"good password 1"})", "email"},
      {"{\"email\":" + long_email + ",\"password\":\"good password 1\"}", "email"},
      {R"({"email":"a@example.com"})", "password"},
      {R"({"email":"a@example.com","password":["x"]})", "password"},
      {R"({"email":"a@example.com","password":"short1"})", "password"},
      {R"({"email":"a@example.com","password":"onlyletters"})", "password"},
      {R"({"email":"a@example.com","password":"1234567890"})", "password"},
      {"{\"email\":\"a@example.com\",\"password\":" + long_password + "}", "password"},
      {R"({"email":"a@example.com","password":"good password 1","display_name":5})",
       "display_name"},
      {"{\"email\":\"a@example.com\",\"password\":\"good password 1\",\"display_name\":" +
           long_name + "}",
       "display_name"},
      {R"({"email":"a@example.com","password":"good password 1","display_name":"a\u0007b"})",
       "display_name"},
  };
  for (const auto& [body, field] : cases) {
    INFO(body);
    const HttpReply reply = api_call(server.port(), "POST", "/api/v1/auth/register", body);
    CHECK(reply.status == 400);
    CHECK(error_code(reply) == "INVALID_INPUT");
    CHECK(error_field(reply) == field);
    CHECK_FALSE(error_message(reply).empty());
  }
  // None of them created an account.
  CHECK(api_call(server.port(), "POST", "/api/v1/auth/login",
                 credentials_json("a@example.com", "good password 1"))
            .status == 401);
}

TEST_CASE("passwords count characters, not bytes, and welcome any script", "[api][auth]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  // 8 characters, 2 bytes each but one digit: long enough.
  const std::string cyrillic = "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb1" "7";
  register_account(server.port(), "utf8@example.com", cyrillic);
  login_account(server.port(), "utf8@example.com", cyrillic);
  // 128 characters is the limit, inclusive.
  register_account(server.port(), "long@example.com", "1" + std::string(127, 'x'));
}

TEST_CASE("bodies that are not a JSON object are refused before anything runs", "[api][auth]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();

  const HttpReply form = http_request(port, "POST", "/api/v1/auth/register",
                                      "email=a@example.com&password=x",
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(form.status == 415);
  CHECK(error_code(form) == "UNSUPPORTED_MEDIA_TYPE");
  const HttpReply untyped = http_raw(port,
                                     "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n"
                                     "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
  CHECK(untyped.status == 415);

  for (const std::string body : {"", "{", "[]", "\"text\"", "{\"email\":1}}", "nul",
                                 "{\"email\":\"\xff\"}"}) {
    INFO(body);
    const HttpReply reply = api_call(port, "POST", "/api/v1/auth/login", body.empty() ? " " : body);
    CHECK(reply.status == 400);
    CHECK(error_code(reply) == "INVALID_INPUT");
  }
  // A charset parameter and upper case are fine.
  const HttpReply charset = http_request(
      port, "POST", "/api/v1/auth/login", credentials_json("x@example.com", "password 1"),
      {{"Content-Type", "Application/JSON; charset=utf-8"}});
  CHECK(charset.status == 401);
  // Unknown fields are ignored.
  CHECK(api_call(port, "POST", "/api/v1/auth/register",
                 R"({"email":"extra@example.com","password":"good password 1","age":3})")
            .status == 201);
}

TEST_CASE("a taken email is 409 whatever its case or spacing", "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  register_account(server.port(), "taken@example.com");
  const HttpReply again = api_call(server.port(), "POST", "/api/v1/auth/register",
                                   credentials_json(" TAKEN@Example.com ", "other password 2"));
  CHECK(again.status == 409);
  CHECK(error_code(again) == "CONFLICT");
  CHECK(error_field(again) == "email");
  // Logging in with any spelling of the email works.
  login_account(server.port(), "Taken@EXAMPLE.com ");
}

TEST_CASE("a failed login says the same thing for an unknown email and a wrong password",
          "[api][auth]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  register_account(server.port(), "known@example.com");
  const HttpReply unknown = api_call(server.port(), "POST", "/api/v1/auth/login",
                                     credentials_json("unknown@example.com", "whatever 1"));
  const HttpReply wrong = api_call(server.port(), "POST", "/api/v1/auth/login",
                                   credentials_json("known@example.com", "whatever 1"));
  CHECK(unknown.status == 401);
  CHECK(wrong.status == 401);
  CHECK(error_code(unknown) == "UNAUTHORIZED");
  CHECK(error_message(unknown) == error_message(wrong));
  CHECK(unknown.json()["error"]["details"] == wrong.json()["error"]["details"]);
}

TEST_CASE("every /api/v1 route except register, login and refresh demands a token",
          "[api][auth]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const Account someone = register_account(server.port(), "someone@example.com");
  const std::vector<std::string> open = {"/api/v1/auth/register", "/api/v1/auth/login",
                                         "/api/v1/auth/refresh"};
  int guarded = 0;
  for (const auto& [method, pattern] : server.app().routes()) {
    if (pattern.rfind("/api/v1/", 0) != 0) continue;
    if (std::find(open.begin(), open.end(), pattern) != open.end()) continue;
    std::string path = pattern;
    for (std::size_t b; (b = path.find('{')) != std::string::npos;) {
      path.replace(b, path.find('}', b) - b + 1, "00000000-0000-4000-8000-000000000000");
    }
    const std::string m = moodgate::http::method_name(method);
    INFO(m << " " << path);
    for (const std::string& auth : {std::string(), std::string("Bearer"),
                                    std::string("Bearer not-a-jwt"), std::string("Basic abc"),
                                    "Token " + someone.access_token}) {
      INFO("Authorization: " << auth);
      Headers headers = {{"Content-Type", "application/json"}};
      if (!auth.empty()) headers.emplace_back("Authorization", auth);
      const HttpReply reply = http_request(server.port(), m, path, "{}", headers);
      CHECK(reply.status == 401);
      CHECK(error_code(reply) == "UNAUTHORIZED");
      CHECK(reply.header("WWW-Authenticate") == "Bearer");
    }
    ++guarded;
  }
  CHECK(guarded >= 4);  // logout, GET/PATCH/DELETE me, and every later resource
}
