// Secrets stay secret: no response or log line carries a password, a password hash, the JWT
// key or a token (other than the token responses themselves); the signing key is found or
// made as documented; password hashes are upgraded when the limits change.
#include <catch2/catch.hpp>

#include <signal.h>
#include <soci/soci.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/app/application.h"
#include "core/store/database.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using moodgate::store::Database;

namespace {

constexpr const char* kSecret = "log-leak-check-secret-6f1d2c9a8b7e4d3c2b1a0f9e8d7c";
constexpr const char* kPassword = "Zebra-Quartz-Password-91";
constexpr const char* kNewPassword = "Yak-Onyx-Password-77";

std::string stored_hash(const std::string& url, const std::string& email) {
  moodgate::config::DatabaseConfig config;
  config.url = url;
  auto db = Database::open(config);
  REQUIRE(db.ok());
  auto hash = (*db)->run("test.hash", [&](soci::session& sql) {
    std::string h;
    sql << "SELECT password_hash FROM users WHERE email = :e", soci::use(email, "e"), soci::into(h);
    return h;
  });
  REQUIRE(hash.ok());
  return *hash;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("no response or log line carries a password, a hash, the key or a token",
          "[api][auth][secrets]") {
  TempDir dir;
  const std::string url = "sqlite:///" + (dir.path() / "leak.db").string();
  const std::string config_path =
      dir.write("leak.yaml", "server:\n  port: 0\ndatabase:\n  url: " + url +
                                 "\nauth:\n  jwt_secret: \"${MOODGATE_JWT_SECRET}\"\n"
                                 "  password_ops_limit: 1\n  password_mem_limit: 8KiB\n"
                                 "logging:\n  level: trace\n  access_log: true\n");
  ServerProcess server({"--config", config_path, "serve"},
                       {std::string("MOODGATE_JWT_SECRET=") + kSecret});
  const auto port = server.wait_for_port();
  REQUIRE(port != 0);

  std::vector<HttpReply> replies;
  std::vector<std::string> tokens;
  auto keep = [&](HttpReply r) {
    replies.push_back(r);
    return r;
  };
  const std::string email = "leak@example.com";
  HttpReply reg =
      keep(api_call(port, "POST", "/api/v1/auth/register", credentials_json(email, kPassword)));
  REQUIRE(reg.status == 201);
  const std::string access = reg.json()["tokens"]["access_token"].GetString();
  const std::string refresh = reg.json()["tokens"]["refresh_token"].GetString();
  tokens = {access, refresh};
  keep(api_call(port, "POST", "/api/v1/auth/login", credentials_json(email, "wrong pass 1")));
  keep(api_call(port, "POST", "/api/v1/auth/login", credentials_json("x@example.com", kPassword)));
  keep(api_call(port, "POST", "/api/v1/auth/register", credentials_json(email, kPassword)));
  HttpReply login =
      keep(api_call(port, "POST", "/api/v1/auth/login", credentials_json(email, kPassword)));
  REQUIRE(login.status == 200);
  tokens.push_back(login.json()["tokens"]["access_token"].GetString());
  tokens.push_back(login.json()["tokens"]["refresh_token"].GetString());
  keep(api_call(port, "GET", "/api/v1/auth/me", "", access));
  keep(api_call(port, "PATCH", "/api/v1/auth/me",
                std::string(R"({"password":")") + kNewPassword + R"(","current_password":")" +
                    kPassword + R"("})",
                access));
  keep(api_call(port, "PATCH", "/api/v1/auth/me",
                std::string(R"({"password":"x1","current_password":")") + kPassword + R"("})",
                access));
  HttpReply rotated = keep(
      api_call(port, "POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + refresh + R"("})"));
  REQUIRE(rotated.status == 200);
  tokens.push_back(rotated.json()["tokens"]["access_token"].GetString());
  tokens.push_back(rotated.json()["tokens"]["refresh_token"].GetString());
  keep(api_call(port, "POST", "/api/v1/auth/refresh", R"({"refresh_token":")" + refresh + R"("})"));
  keep(api_call(port, "GET", "/api/v1/auth/me", "", access + "x"));
  keep(api_call(port, "POST", "/api/v1/auth/logout", "", access));
  keep(api_call(port, "DELETE", "/api/v1/auth/me",
                std::string(R"({"password":")") + kPassword + R"("})", tokens[4]));

  const std::string hash = stored_hash(url, email);
  REQUIRE(hash.rfind("$argon2id$", 0) == 0);
  server.signal(SIGTERM);
  const int exit_code = server.wait_exit(std::chrono::seconds(10));
  const std::string err = server.stderr_text();
  INFO("server log tail: " << err.substr(err.size() > 3000 ? err.size() - 3000 : 0));
  REQUIRE(exit_code == 0);
  const std::string logs = server.stdout_text() + server.stderr_text();
  REQUIRE(logs.find("/api/v1/auth/login") != std::string::npos);  // the access log is there

  std::vector<std::string> never = {kSecret, kPassword, kNewPassword, hash, "$argon2id$"};
  never.insert(never.end(), tokens.begin(), tokens.end());
  for (const std::string& secret : never) {
    INFO("must not appear: " << secret.substr(0, 24));
    CHECK(logs.find(secret) == std::string::npos);
    // Only the token answers carry tokens; nothing else echoes one back.
    for (const HttpReply& r : replies) {
      if (r.body.find("\"tokens\"") != std::string::npos &&
          std::find(tokens.begin(), tokens.end(), secret) != tokens.end()) {
        continue;
      }
      CHECK(r.body.find(secret) == std::string::npos);
      for (const auto& [name, value] : r.headers) CHECK(value.find(secret) == std::string::npos);
    }
  }
  for (const HttpReply& r : replies) {
    CHECK(r.body.find("password_hash") == std::string::npos);
    CHECK(r.body.find("jti") == std::string::npos);
  }
}

TEST_CASE("the embedded default makes a private signing key once and keeps using it",
          "[api][auth][secrets]") {
  TempDir dir;
  auto config = test_config("sqlite:///" + (dir.path() / "k.db").string());
  config.auth.jwt_secret.clear();
  config.auth.jwt_secret_file = (dir.path() / "var" / "jwt-secret").string();
  Account user;
  {
    TestServer first(config);
    user = register_account(first.port(), "key@example.com");
  }
  struct stat st {};
  REQUIRE(stat(config.auth.jwt_secret_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string key = read_text(config.auth.jwt_secret_file);
  CHECK(key.size() >= 32);
  {
    // After a restart the same key verifies the tokens issued before it.
    TestServer second(config);
    CHECK(api_call(second.port(), "GET", "/api/v1/auth/me", "", user.access_token).status == 200);
  }
  CHECK(read_text(config.auth.jwt_secret_file) == key);
}

TEST_CASE("start-up refuses a missing or weak signing key where one must be given",
          "[api][auth][secrets]") {
  SECTION("PostgreSQL without auth.jwt_secret") {
    auto db = make_test_database("postgresql");
    auto config = test_config(db.url());
    config.auth.jwt_secret.clear();
    config.auth.jwt_secret_file = "var/jwt-secret";  // ignored: instances must share a key
    auto app = moodgate::app::Application::create(config);
    REQUIRE_FALSE(app.ok());
    CHECK_THAT(app.error().message, Catch::Contains("MOODGATE_JWT_SECRET"));
  }
  SECTION("a key of one repeated character") {
    TempDir dir;
    auto config = test_config("sqlite:///" + (dir.path() / "w.db").string());
    config.auth.jwt_secret = std::string(40, 'a');
    auto app = moodgate::app::Application::create(config);
    REQUIRE_FALSE(app.ok());
    CHECK_THAT(app.error().message, Catch::Contains("auth.jwt_secret"));
    CHECK(app.error().message.find(config.auth.jwt_secret) == std::string::npos);
  }
  SECTION("a key file holding a weak key") {
    TempDir dir;
    auto config = test_config("sqlite:///" + (dir.path() / "f.db").string());
    config.auth.jwt_secret.clear();
    config.auth.jwt_secret_file = dir.write("weak-key", "short\n");
    auto app = moodgate::app::Application::create(config);
    REQUIRE_FALSE(app.ok());
    CHECK_THAT(app.error().message, Catch::Contains("weak-key"));
  }
}

TEST_CASE("a password hashed with older limits is rehashed at the next login",
          "[api][auth][secrets]") {
  const std::string backend = GENERATE(from_range(test_backend_names()));
  INFO("backend: " << backend);
  auto db = make_test_database(backend);
  auto config = test_config(db.url());
  std::string before;
  {
    TestServer server(config);
    register_account(server.port(), "rehash@example.com");
    before = stored_hash(db.url(), "rehash@example.com");
  }
  CHECK_THAT(before, Catch::Contains("m=8,t=1"));
  config.auth.password_ops_limit = 2;
  config.auth.password_mem_limit = 16 * 1024;
  TestServer stronger(config);
  login_account(stronger.port(), "rehash@example.com");
  const std::string after = stored_hash(db.url(), "rehash@example.com");
  CHECK(after != before);
  CHECK_THAT(after, Catch::Contains("m=16,t=2"));
  // The upgraded hash still verifies.
  login_account(stronger.port(), "rehash@example.com");
}
