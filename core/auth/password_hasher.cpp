#include "core/auth/password_hasher.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <stdexcept>
#include <utility>

#include "core/auth/opaque_tokens.h"
#include "core/auth/sodium_init.h"

namespace moodgate::auth {

// Holds one of the max_concurrent slots; gives it back when destroyed.
class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher* owner) : owner_(owner) {}
  Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (owner_ != nullptr) owner_->release_slot();
  }

 private:
  PasswordHasher* owner_;
};

namespace {

const char kBusyMessage[] = "Too many sign-ins at once, try again shortly";

// crypto_pwhash_str under `limits`; false when libsodium fails (out of memory).
bool hash_into(std::string_view password, const PasswordHashLimits& limits, std::string& out) {
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(encoded, password.data(), password.size(), limits.ops_limit,
                        limits.mem_limit) != 0) {
    return false;
  }
  out.assign(encoded);
  sodium_memzero(encoded, sizeof encoded);
  return true;
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordHashLimits limits, int max_concurrent,
                               std::chrono::milliseconds queue_timeout)
    : limits_(limits), max_concurrent_(max_concurrent), queue_timeout_(queue_timeout) {
  ensure_sodium();
  assert(limits_.ops_limit >= crypto_pwhash_argon2id_OPSLIMIT_MIN);
  assert(limits_.ops_limit <= crypto_pwhash_argon2id_OPSLIMIT_MAX);
  assert(limits_.mem_limit >= crypto_pwhash_argon2id_MEMLIMIT_MIN);
  assert(limits_.mem_limit <= crypto_pwhash_argon2id_MEMLIMIT_MAX);
  assert(max_concurrent_ >= 1);
}

Result<PasswordHasher::Slot> PasswordHasher::acquire_slot() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, queue_timeout_, [this] { return running_ < max_concurrent_; })) {
    spdlog::debug("password hashing: no slot free within {} ms ({} running)",
                  queue_timeout_.count(), running_);
    return Error::unavailable(kBusyMessage);
  }
  ++running_;
  return Slot(this);
}

void PasswordHasher::release_slot() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_one();
}

Result<std::string> PasswordHasher::hash(std::string_view password) {
  Result<Slot> slot = acquire_slot();
  if (!slot) return slot.error();
  std::string encoded;
  if (!hash_into(password, limits_, encoded)) {
    spdlog::error("password hashing: crypto_pwhash_str failed (mem_limit {} bytes)",
                  limits_.mem_limit);
    return Error::internal();
  }
  return encoded;
}

Result<PasswordHasher::Verdict> PasswordHasher::verify(std::string_view encoded,
                                                       std::string_view password) {
  const std::string encoded_z(encoded);  // libsodium wants it NUL-terminated
  // needs_rehash parses the string without hashing: -1 means it is not an argon2 hash at all,
  // which needs no slot to refuse.
  const int rehash =
      encoded_z.size() < crypto_pwhash_STRBYTES
          ? crypto_pwhash_str_needs_rehash(encoded_z.c_str(), limits_.ops_limit, limits_.mem_limit)
          : -1;
  if (rehash < 0) {
    spdlog::warn("password verify: stored hash is malformed; treated as a mismatch");
    return Verdict::kMismatch;
  }
  Result<Slot> slot = acquire_slot();
  if (!slot) return slot.error();
  if (crypto_pwhash_str_verify(encoded_z.c_str(), password.data(), password.size()) != 0) {
    return Verdict::kMismatch;
  }
  return rehash == 0 ? Verdict::kMatch : Verdict::kMatchNeedsRehash;
}

Status PasswordHasher::verify_unknown_account(std::string_view password) {
  Result<Slot> slot = acquire_slot();
  if (!slot) return slot.error();
  try {
    // The first caller pays for making the dummy hash as well; a failure (out of memory) throws
    // out of call_once so that a later call tries again.
    std::call_once(dummy_once_, [this] {
      if (!hash_into(random_token(32), limits_, dummy_hash_)) {
        throw std::runtime_error("crypto_pwhash_str failed");
      }
    });
  } catch (const std::runtime_error&) {
    spdlog::error("password hashing: could not make the unknown-account hash (mem_limit {} bytes)",
                  limits_.mem_limit);
    return Error::internal();
  }
  // The result is ignored: the password of an unknown account never matches.
  [[maybe_unused]] const int ignored =
      crypto_pwhash_str_verify(dummy_hash_.c_str(), password.data(), password.size());
  return {};
}

}  // namespace moodgate::auth
