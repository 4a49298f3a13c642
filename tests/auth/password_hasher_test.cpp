// Specification: passwords are stored as argon2id strings; a hash made with older limits is
// flagged for rehashing; at most max_concurrent hashes run at once and a caller that cannot get
// a slot in time is told to come back (kUnavailable) instead of queueing without bound.
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/auth/password_hasher.h"

namespace moodgate::auth {
namespace {

using namespace std::chrono_literals;
using Verdict = PasswordHasher::Verdict;

constexpr PasswordHashLimits kSmall{1, crypto_pwhash_MEMLIMIT_MIN};
// Slow enough (tens of milliseconds) that another caller reliably finds the slot taken.
constexpr PasswordHashLimits kSlow{3, 32 * 1024 * 1024};

PasswordHasher small_hasher() {
  return PasswordHasher(kSmall, 2, 5000ms);
}

// Keeps `hasher` busy hashing on another thread until `stop` is set.
class BusyHasher {
 public:
  explicit BusyHasher(PasswordHasher& hasher)
      : thread_([&hasher, this] {
          while (!stop_.load()) (void)hasher.hash("occupying the only slot");
        }) {}
  ~BusyHasher() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Calls `attempt` until it reports kUnavailable or 30 s pass; true if it did.
template <typename Attempt>
bool eventually_unavailable(Attempt attempt) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (attempt()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("A password hash is an argon2id string that verifies the same password", "[auth]") {
  PasswordHasher hasher(kSmall, 2, 5000ms);
  Result<std::string> encoded = hasher.hash("correct horse battery staple");
  REQUIRE(encoded.ok());
  CHECK(encoded->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0) == 0);

  Result<Verdict> verdict = hasher.verify(*encoded, "correct horse battery staple");
  REQUIRE(verdict.ok());
  CHECK(*verdict == Verdict::kMatch);
}

TEST_CASE("A wrong password does not match", "[auth]") {
  PasswordHasher hasher(kSmall, 2, 5000ms);
  Result<std::string> encoded = hasher.hash("correct horse battery staple");
  REQUIRE(encoded.ok());
  for (const char* wrong : {"correct horse battery stapl", "", "Correct horse battery staple"}) {
    Result<Verdict> verdict = hasher.verify(*encoded, wrong);
    REQUIRE(verdict.ok());
    CHECK(*verdict == Verdict::kMismatch);
  }
}

TEST_CASE("Hashing the same password twice gives different strings (random salt)", "[auth]") {
  PasswordHasher hasher(kSmall, 2, 5000ms);
  Result<std::string> a = hasher.hash("pw");
  Result<std::string> b = hasher.hash("pw");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
}

TEST_CASE("A hash made with other limits verifies as a match that needs rehashing", "[auth]") {
  PasswordHasher older({2, 2 * crypto_pwhash_MEMLIMIT_MIN}, 2, 5000ms);
  PasswordHasher current(kSmall, 2, 5000ms);
  Result<std::string> encoded = older.hash("s3cret password");
  REQUIRE(encoded.ok());

  Result<Verdict> right = current.verify(*encoded, "s3cret password");
  REQUIRE(right.ok());
  CHECK(*right == Verdict::kMatchNeedsRehash);
  Result<Verdict> wrong = current.verify(*encoded, "other password");
  REQUIRE(wrong.ok());
  CHECK(*wrong == Verdict::kMismatch);
}

TEST_CASE("An argon2i hash matches but needs rehashing as argon2id", "[auth]") {
  char encoded[crypto_pwhash_STRBYTES];
  REQUIRE(crypto_pwhash_str_alg(encoded, "pw", 2, 3, crypto_pwhash_MEMLIMIT_MIN,
                                crypto_pwhash_ALG_ARGON2I13) == 0);
  PasswordHasher hasher = small_hasher();
  Result<Verdict> verdict = hasher.verify(encoded, "pw");
  REQUIRE(verdict.ok());
  CHECK(*verdict == Verdict::kMatchNeedsRehash);
}

TEST_CASE("A malformed encoded hash is a mismatch, not an error", "[auth]") {
  PasswordHasher hasher = small_hasher();
  Result<std::string> good = hasher.hash("pw");
  REQUIRE(good.ok());
  const std::string cases[] = {
      "",
      "not a hash",
      "$argon2id$v=19$m=8,t=1,p=1$garbage",
      "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$2b$12$abcdefghijklmnopqrstuuS1G6gqK0nJkyvXyW0LjSeqG6A1Cx9SO",
      good->substr(0, good->size() / 2),
      *good + std::string(200, 'A'),
  };
  for (const std::string& encoded : cases) {
    Result<Verdict> verdict = hasher.verify(encoded, "pw");
    REQUIRE(verdict.ok());
    CHECK(*verdict == Verdict::kMismatch);
  }
}

TEST_CASE("Checking an unknown account never matches and reports success", "[auth]") {
  PasswordHasher hasher = small_hasher();
  for (const char* password : {"", "pw", "correct horse battery staple"}) {
    CHECK(hasher.verify_unknown_account(password).ok());
  }
}

TEST_CASE("Callers queue for a busy slot while the queue timeout allows", "[auth]") {
  PasswordHasher hasher(kSmall, 1, 30000ms);
  std::atomic<int> hashed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        if (hasher.hash("pw").ok()) ++hashed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(hashed.load() == 20);
}

TEST_CASE("A hash call that finds every slot taken past the timeout is unavailable", "[auth]") {
  PasswordHasher hasher(kSlow, 1, 1ms);
  Error seen;
  {
    BusyHasher busy(hasher);
    CHECK(eventually_unavailable([&] {
      Result<std::string> r = hasher.hash("pw");
      if (r.ok() || r.error().code != ErrorCode::kUnavailable) return false;
      seen = r.error();
      return true;
    }));
  }
  CHECK(seen.message == "Too many sign-ins at once, try again shortly");
}

TEST_CASE("Verify calls share the bound with hash calls", "[auth]") {
  PasswordHasher hasher(kSlow, 1, 1ms);
  Result<std::string> encoded = hasher.hash("pw");
  REQUIRE(encoded.ok());
  BusyHasher busy(hasher);
  CHECK(eventually_unavailable([&] {
    Result<Verdict> r = hasher.verify(*encoded, "pw");
    return !r.ok() && r.error().code == ErrorCode::kUnavailable;
  }));
  CHECK(eventually_unavailable([&] {
    Status r = hasher.verify_unknown_account("pw");
    return !r.ok() && r.error().code == ErrorCode::kUnavailable;
  }));
}

TEST_CASE("A slot is given back after every call, so a lone caller never waits", "[auth]") {
  PasswordHasher hasher(kSmall, 1, 1ms);
  Result<std::string> encoded = hasher.hash("pw");
  REQUIRE(encoded.ok());
  for (int i = 0; i < 10; ++i) {
    CHECK(hasher.hash("pw").ok());
    CHECK(hasher.verify(*encoded, "pw").ok());
    CHECK(hasher.verify_unknown_account("pw").ok());
  }
}

}  // namespace moodgate::auth
