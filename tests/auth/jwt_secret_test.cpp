// Specification: the access-token key is a strong secret from config or, on the embedded
// default, a key file generated once (mode 0600) and reused; with PostgreSQL it must be given.
// No message ever quotes the key.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/auth/jwt_secret.h"
#include "tests/support/temp_dir.h"

namespace moodgate::auth {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

const std::string kGoodSecret = "Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS1sb25nLXNlY3JldA";

config::AuthConfig auth_with(std::string secret, std::string file) {
  config::AuthConfig auth;
  auth.jwt_secret = std::move(secret);
  auth.jwt_secret_file = std::move(file);
  return auth;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Changes the working directory for the lifetime of the object.
class ScopedCwd {
 public:
  explicit ScopedCwd(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~ScopedCwd() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

}  // namespace

TEST_CASE("A secret shorter than 32 bytes is refused without being quoted", "[auth]") {
  Status s = check_secret_strength("abcdefghijkl", "auth.jwt_secret");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kInvalidInput);
  CHECK(s.error().message ==
        "auth.jwt_secret: must be at least 32 bytes (got 12); generate one with: openssl rand "
        "-base64 48");
  CHECK_FALSE(check_secret_strength(kGoodSecret.substr(0, 31), "k").ok());
  CHECK_FALSE(check_secret_strength("", "k").ok());
}

TEST_CASE("A long secret made of few distinct bytes is refused as weak", "[auth]") {
  for (const std::string& weak :
       {std::string(64, 'a'), std::string("12121212121212121212121212121212"),
        std::string("abcdefgabcdefgabcdefgabcdefgabcdefg")}) {
    Status s = check_secret_strength(weak, "auth.jwt_secret");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::kInvalidInput);
    CHECK(s.error().message.rfind("auth.jwt_secret: ", 0) == 0);
    CHECK(s.error().message.find("openssl rand -base64 48") != std::string::npos);
    CHECK(s.error().message.find(weak) == std::string::npos);
  }
}

TEST_CASE("A secret of 32 bytes with 8 distinct values is strong enough", "[auth]") {
  CHECK(check_secret_strength("abcdefghabcdefghabcdefghabcdefgh", "k").ok());
  CHECK(check_secret_strength(kGoodSecret, "k").ok());
}

TEST_CASE("A configured secret is used as it is, whatever the database", "[auth]") {
  for (const bool allow_generated : {true, false}) {
    Result<std::string> secret = resolve_jwt_secret(auth_with(kGoodSecret, ""), allow_generated);
    REQUIRE(secret.ok());
    CHECK(*secret == kGoodSecret);
  }
}

TEST_CASE("A weak configured secret is refused, naming auth.jwt_secret", "[auth]") {
  TempDir dir;
  const std::string file = (dir.path() / "jwt-secret").string();
  Result<std::string> secret = resolve_jwt_secret(auth_with("too-short", file), true);
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.error().message.rfind("auth.jwt_secret: must be at least 32 bytes (got 9)", 0) == 0);
  CHECK(secret.error().message.find("too-short") == std::string::npos);
  CHECK_FALSE(fs::exists(file));  // no fallback to the file
}

TEST_CASE("With PostgreSQL an empty secret is refused and no key file is made", "[auth]") {
  TempDir dir;
  const std::string file = (dir.path() / "jwt-secret").string();
  Result<std::string> secret = resolve_jwt_secret(auth_with("", file), false);
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.error().code == ErrorCode::kInvalidInput);
  CHECK(secret.error().message.find("MOODGATE_JWT_SECRET") != std::string::npos);
  CHECK(secret.error().message.rfind("auth.jwt_secret: required with PostgreSQL", 0) == 0);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("An empty secret with no key file configured is refused", "[auth]") {
  Result<std::string> secret = resolve_jwt_secret(auth_with("", ""), true);
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.error().code == ErrorCode::kInvalidInput);
  CHECK(secret.error().message == "auth.jwt_secret: required when auth.jwt_secret_file is empty");
}

TEST_CASE("A missing key file is generated once, mode 0600, and reused", "[auth]") {
  TempDir dir;
  const std::string file = (dir.path() / "var" / "keys" / "jwt-secret").string();
  Result<std::string> first = resolve_jwt_secret(auth_with("", file), true);
  REQUIRE(first.ok());
  CHECK(first->size() == 64);  // 48 random bytes, base64url
  CHECK(check_secret_strength(*first, "k").ok());
  CHECK(read_all(file) == *first + "\n");

  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  Result<std::string> second = resolve_jwt_secret(auth_with("", file), true);
  REQUIRE(second.ok());
  CHECK(*second == *first);
}

TEST_CASE("A relative key file path is relative to the working directory", "[auth]") {
  TempDir dir;
  Result<std::string> secret = [&] {
    ScopedCwd cwd(dir.path());
    return resolve_jwt_secret(auth_with("", "var/jwt-secret"), true);
  }();
  REQUIRE(secret.ok());
  CHECK(read_all((dir.path() / "var" / "jwt-secret").string()) == *secret + "\n");
}

TEST_CASE("Processes starting together agree on one generated key", "[auth]") {
  TempDir dir;
  const std::string file = (dir.path() / "jwt-secret").string();
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::string& key : keys) {
    threads.emplace_back([&key, &file] {
      Result<std::string> secret = resolve_jwt_secret(auth_with("", file), true);
      if (secret.ok()) key = *secret;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& key : keys) CHECK(key == keys.front());
  CHECK(keys.front().size() == 64);
}

TEST_CASE("An existing key file is read with its trailing newline trimmed", "[auth]") {
  TempDir dir;
  const std::string file = dir.write("jwt-secret", kGoodSecret + " \r\n\n");
  Result<std::string> secret = resolve_jwt_secret(auth_with("", file), true);
  REQUIRE(secret.ok());
  CHECK(*secret == kGoodSecret);
}

TEST_CASE("A key file holding a weak key is refused, naming the file", "[auth]") {
  TempDir dir;
  for (const std::string& weak :
       {std::string("short-key\n"), std::string(48, 'x') + "\n", std::string("")}) {
    const std::string file = dir.write("jwt-secret", weak);
    Result<std::string> secret = resolve_jwt_secret(auth_with("", file), true);
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().code == ErrorCode::kInvalidInput);
    CHECK(secret.error().message.find(file) != std::string::npos);
    if (!weak.empty()) CHECK(secret.error().message.find(weak) == std::string::npos);
    CHECK(read_all(file) == weak);  // never overwritten
  }
}

TEST_CASE("A key file that cannot be read or created is an internal error", "[auth]") {
  TempDir dir;
  const std::string not_a_dir = dir.write("plain-file", "x");
  for (const std::string& path : {dir.path().string(), not_a_dir + "/jwt-secret"}) {
    Result<std::string> secret = resolve_jwt_secret(auth_with("", path), true);
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().code == ErrorCode::kInternal);
  }
}

}  // namespace moodgate::auth
