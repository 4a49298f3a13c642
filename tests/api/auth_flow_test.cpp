// The accounts flow of API.md end to end, through a real server and real HTTP, on SQLite and
// PostgreSQL: register, me, edit, refresh with rotation, logout, password change, deletion.
#include <catch2/catch.hpp>

#include <soci/soci.h>

#include "core/common/time_format.h"
#include "core/store/database.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using moodgate::store::Database;

namespace {

std::string str(const rapidjson::Value& v, const char* name) {
  REQUIRE(v.HasMember(name));
  REQUIRE(v[name].IsString());
  return v[name].GetString();
}

long long count_rows(Database& db, const std::string& sql_text, const std::string& user_id) {
  auto n = db.run("test.count", [&](soci::session& sql) {
    long long count = 0;
    sql << sql_text, soci::use(user_id, "u"), soci::into(count);
    return count;
  });
  REQUIRE(n.ok());
  return *n;
}

}  // namespace

TEST_CASE("a user registers, reads and edits their profile, refreshes and logs out",
          "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();

  const HttpReply registered = api_call(
      port, "POST", "/api/v1/auth/register",
      R"({"email":"  Ada@Example.COM ","password":"analytical engine 1","display_name":" Ada "})");
  INFO(registered.body);
  REQUIRE(registered.status == 201);
  const auto doc = registered.json();
  const std::string user_id = str(doc["user"], "id");
  CHECK(str(doc["user"], "email") == "ada@example.com");
  CHECK(str(doc["user"], "display_name") == "Ada");
  CHECK(moodgate::parse_rfc3339_ms(str(doc["user"], "created_at")).has_value());
  CHECK(doc["user"].MemberCount() == 4);  // id, email, display_name, created_at: nothing more
  CHECK(str(doc["tokens"], "token_type") == "Bearer");
  CHECK(doc["tokens"]["expires_in"].GetInt() == 900);
  const std::string access = str(doc["tokens"], "access_token");
  const std::string refresh = str(doc["tokens"], "refresh_token");
  CHECK(registered.header("Cache-Control") == "no-store");

  SECTION("GET /me shows the account") {
    const HttpReply me = api_call(port, "GET", "/api/v1/auth/me", "", access);
    REQUIRE(me.status == 200);
    CHECK(str(me.json()["user"], "id") == user_id);
    CHECK(str(me.json()["user"], "email") == "ada@example.com");
  }

  SECTION("PATCH /me changes the display name and null clears it") {
    const HttpReply renamed =
        api_call(port, "PATCH", "/api/v1/auth/me", R"({"display_name":"Countess"})", access);
    REQUIRE(renamed.status == 200);
    CHECK(str(renamed.json()["user"], "display_name") == "Countess");
    const HttpReply cleared =
        api_call(port, "PATCH", "/api/v1/auth/me", R"({"display_name":null})", access);
    REQUIRE(cleared.status == 200);
    CHECK(cleared.json()["user"]["display_name"].IsNull());
    const HttpReply unchanged = api_call(port, "PATCH", "/api/v1/auth/me", "{}", access);
    REQUIRE(unchanged.status == 200);
    CHECK(unchanged.json()["user"]["display_name"].IsNull());
  }

  SECTION("refresh rotates both tokens; the new ones work") {
    const HttpReply rotated = api_call(port, "POST", "/api/v1/auth/refresh",
                                       R"({"refresh_token":")" + refresh + R"("})");
    INFO(rotated.body);
    REQUIRE(rotated.status == 200);
    const auto tokens = rotated.json();
    REQUIRE(tokens.HasMember("tokens"));
    CHECK_FALSE(tokens.HasMember("user"));
    const std::string access2 = str(tokens["tokens"], "access_token");
    const std::string refresh2 = str(tokens["tokens"], "refresh_token");
    CHECK(access2 != access);
    CHECK(refresh2 != refresh);
    CHECK(api_call(port, "GET", "/api/v1/auth/me", "", access2).status == 200);
    // The rotated token is good for exactly one more rotation.
    CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                   R"({"refresh_token":")" + refresh2 + R"("})")
              .status == 200);
  }

  SECTION("logout stops the access token and the refresh token at once") {
    const HttpReply out = api_call(port, "POST", "/api/v1/auth/logout", "", access);
    REQUIRE(out.status == 204);
    CHECK(out.body.empty());
    const HttpReply me = api_call(port, "GET", "/api/v1/auth/me", "", access);
    CHECK(me.status == 401);
    CHECK(error_code(me) == "UNAUTHORIZED");
    CHECK(me.header("WWW-Authenticate") == "Bearer");
    CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                   R"({"refresh_token":")" + refresh + R"("})")
              .status == 401);
    CHECK(api_call(port, "POST", "/api/v1/auth/logout", "", access).status == 401);
    // Signing in again works: logout ends a session, not the account.
    CHECK(login_account(port, "ada@example.com", "analytical engine 1").id == user_id);
  }
}

TEST_CASE("a spent refresh token presented again revokes the whole session", "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account a = register_account(port, "thief@example.com");
  const Account other_device = login_account(port, "thief@example.com");

  const HttpReply first = api_call(port, "POST", "/api/v1/auth/refresh",
                                   R"({"refresh_token":")" + a.refresh_token + R"("})");
  REQUIRE(first.status == 200);
  const std::string next_refresh = str(first.json()["tokens"], "refresh_token");
  const std::string next_access = str(first.json()["tokens"], "access_token");

  // Someone replays the old (spent) token: refused, and the chain it belongs to dies.
  const HttpReply replay = api_call(port, "POST", "/api/v1/auth/refresh",
                                    R"({"refresh_token":")" + a.refresh_token + R"("})");
  CHECK(replay.status == 401);
  CHECK(error_code(replay) == "UNAUTHORIZED");
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + next_refresh + R"("})")
            .status == 401);
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", next_access).status == 401);
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", a.access_token).status == 401);

  // The other device's session is untouched.
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", other_device.access_token).status == 200);
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + other_device.refresh_token + R"("})")
            .status == 200);

  // Unknown and malformed refresh tokens are simply refused.
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh", R"({"refresh_token":"nope"})").status ==
        401);
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh", R"({"refresh_token":""})").status == 401);
}

TEST_CASE("logout takes effect at once on a second instance sharing the database",
          "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer a(test_config(db.url()));
  TestServer b(test_config(db.url()));
  const Account user = register_account(a.port(), "two@example.com");

  // Instance B accepts what instance A issued (shared key, shared database)...
  REQUIRE(api_call(b.port(), "GET", "/api/v1/auth/me", "", user.access_token).status == 200);
  // ...and the very next request after a logout on A is refused on B.
  REQUIRE(api_call(a.port(), "POST", "/api/v1/auth/logout", "", user.access_token).status == 204);
  CHECK(api_call(b.port(), "GET", "/api/v1/auth/me", "", user.access_token).status == 401);
  CHECK(api_call(b.port(), "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + user.refresh_token + R"("})")
            .status == 401);
}

TEST_CASE("a password change needs the current password and signs out every other session",
          "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account phone = register_account(port, "pw@example.com", "first password 1");
  const Account laptop = login_account(port, "pw@example.com", "first password 1");

  const HttpReply missing =
      api_call(port, "PATCH", "/api/v1/auth/me", R"({"password":"second password 2"})",
               phone.access_token);
  CHECK(missing.status == 400);
  CHECK(error_field(missing) == "current_password");

  const HttpReply wrong = api_call(
      port, "PATCH", "/api/v1/auth/me",
      R"({"password":"second password 2","current_password":"not it 1"})", phone.access_token);
  CHECK(wrong.status == 401);
  CHECK(error_field(wrong) == "current_password");
  // A wrong current password changes nothing: the laptop is still signed in.
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", laptop.access_token).status == 200);

  const HttpReply weak = api_call(
      port, "PATCH", "/api/v1/auth/me",
      R"({"password":"short","current_password":"first password 1"})", phone.access_token);
  CHECK(weak.status == 400);
  CHECK(error_field(weak) == "password");

  const HttpReply changed = api_call(
      port, "PATCH", "/api/v1/auth/me",
      R"({"password":"second password 2","current_password":"first password 1"})",
      phone.access_token);
  INFO(changed.body);
  REQUIRE(changed.status == 200);

  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", phone.access_token).status == 200);
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", laptop.access_token).status == 401);
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + laptop.refresh_token + R"("})")
            .status == 401);
  CHECK(api_call(port, "POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + phone.refresh_token + R"("})")
            .status == 200);
  CHECK(api_call(port, "POST", "/api/v1/auth/login",
                 credentials_json("pw@example.com", "first password 1"))
            .status == 401);
  login_account(port, "pw@example.com", "second password 2");
}

TEST_CASE("deleting the account needs the password and removes every row the user owns",
          "[api][auth]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account gone = register_account(port, "gone@example.com");
  const Account second_session = login_account(port, "gone@example.com");
  const Account stays = register_account(port, "stays@example.com");
  REQUIRE(api_call(port, "POST", "/api/v1/auth/refresh",
                   R"({"refresh_token":")" + gone.refresh_token + R"("})")
              .status == 200);

  const HttpReply no_password = api_call(port, "DELETE", "/api/v1/auth/me", "{}",
                                         gone.access_token);
  CHECK(no_password.status == 400);
  CHECK(error_field(no_password) == "password");
  const HttpReply wrong = api_call(port, "DELETE", "/api/v1/auth/me",
                                   R"({"password":"wrong one 1"})", gone.access_token);
  CHECK(wrong.status == 401);
  CHECK(error_field(wrong) == "password");

  const HttpReply deleted =
      api_call(port, "DELETE", "/api/v1/auth/me",
               R"({"password":")" + gone.password + R"("})", second_session.access_token);
  INFO(deleted.body);
  REQUIRE(deleted.status == 204);

  auto opened = Database::open(db.config());
  REQUIRE(opened.ok());
  Database& check = **opened;
  CHECK(count_rows(check, "SELECT count(*) FROM users WHERE id = :u", gone.id) == 0);
  CHECK(count_rows(check, "SELECT count(*) FROM sessions WHERE user_id = :u", gone.id) == 0);
  CHECK(count_rows(check, "SELECT count(*) FROM refresh_tokens WHERE user_id = :u", gone.id) ==
        0);
  CHECK(count_rows(check, "SELECT count(*) FROM users WHERE id = :u", stays.id) == 1);
  CHECK(count_rows(check, "SELECT count(*) FROM sessions WHERE user_id = :u", stays.id) == 1);

  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", gone.access_token).status == 401);
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", second_session.access_token).status == 401);
  CHECK(api_call(port, "POST", "/api/v1/auth/login", credentials_json(gone.email, gone.password))
            .status == 401);
  // The email is free again.
  register_account(port, "gone@example.com");
  CHECK(api_call(port, "GET", "/api/v1/auth/me", "", stays.access_token).status == 200);
}
