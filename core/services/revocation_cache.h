// RevocationCache: remembers, for at most `ttl`, what the database said about an access token
// (allowed or not), so a busy instance may skip one query per request. Bounded: at most
// `capacity` entries; when full, expired entries go first, then everything.
//
// A ttl of zero disables it (every lookup misses), which is the default: logout then holds on
// every instance at once. With a ttl, another instance may accept a revoked token for at most
// ttl; this instance forgets everything it cached when it revokes something itself.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace moodgate::services {

class RevocationCache {
 public:
  RevocationCache(std::chrono::milliseconds ttl, std::size_t capacity);

  // The cached verdict for token id `jti` (true = allowed), if fresh.
  std::optional<bool> get(const std::string& jti);
  void put(const std::string& jti, bool allowed);
  // Forgets everything (after this instance revoked a token or session).
  void clear();

  bool enabled() const { return ttl_.count() > 0; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    bool allowed;
    Clock::time_point expires;
  };

  const std::chrono::milliseconds ttl_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace moodgate::services
