// PasswordHasher: argon2id password hashes (libsodium crypto_pwhash_str), with a bound on how
// many run at once.
//
// Each hash holds `mem_limit` bytes for tens of milliseconds, so a login storm must not run
// them all at once: at most `max_concurrent` hash or verify at a time; a caller waits for a slot
// at most `queue_timeout` and then gets kUnavailable (answered 503), instead of the process
// growing by mem_limit per request. Call from worker-pool threads, never an event loop.
//
// Timing: verify_unknown_account() costs what verify() costs against a real hash made with the
// current limits, so a login for an unknown email takes as long as a wrong password.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace moodgate::auth {

struct PasswordHashLimits {
  unsigned long long ops_limit = 2;          // crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t mem_limit = std::size_t{64} * 1024 * 1024;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
};

class PasswordHasher {
 public:
  enum class Verdict {
    kMismatch,
    kMatch,
    kMatchNeedsRehash,  // right password, hashed with other limits: store hash() of it again
  };

  // Limits outside libsodium's argon2id bounds are a wiring bug (config validates them).
  PasswordHasher(PasswordHashLimits limits, int max_concurrent,
                 std::chrono::milliseconds queue_timeout);

  // The argon2id encoded string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") of `password`.
  // kUnavailable when no slot frees within queue_timeout; kInternal when libsodium fails
  // (out of memory).
  Result<std::string> hash(std::string_view password);

  // Whether `password` matches `encoded`. A malformed `encoded` is a mismatch (and logged).
  // kUnavailable when no slot frees within queue_timeout.
  Result<Verdict> verify(std::string_view encoded, std::string_view password);

  // Costs one verify() against a hash made with the current limits, and always mismatches.
  Status verify_unknown_account(std::string_view password);

  const PasswordHashLimits& limits() const { return limits_; }

 private:
  class Slot;
  Result<Slot> acquire_slot();
  void release_slot();

  PasswordHashLimits limits_;
  int max_concurrent_;
  std::chrono::milliseconds queue_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // made on first use of verify_unknown_account()
};

}  // namespace moodgate::auth
