// IdempotencyService: the Idempotency-Key rules of API.md on top of IdempotencyRepository.
//
// The same key from the same user within the TTL (journal.idempotency_ttl_s, 24 h by default)
// with the same request (method, path, query, body: the caller's hash) replays the first
// answer; with another request it is a conflict; while the first request still runs, the
// repeat is told to retry. A claim left in progress longer than `stale_after` (its instance
// died mid-request) is free again. Thread-safe; every method blocks on the database.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/common/result.h"
#include "core/common/time_format.h"
#include "core/store/database.h"
#include "core/store/idempotency_repository.h"

namespace moodgate::services {

class IdempotencyService {
 public:
  IdempotencyService(store::Database& database, std::chrono::seconds ttl,
                     std::chrono::milliseconds stale_after,
                     std::function<WallClock::time_point()> clock = WallClock::now);

  Result<store::IdempotencyClaim> claim(const std::string& user_id, const std::string& key,
                                        const std::string& request_hash);
  // Records the answer to replay. A failure is logged: the claim then goes stale and the
  // request may run again, which is the best left to do.
  void complete(const std::string& user_id, const std::string& key, const std::string& request_hash,
                const store::StoredResponse& response);
  // Frees the key for a retry (answers that must not be replayed: 5xx, 429).
  void release(const std::string& user_id, const std::string& key, const std::string& request_hash);
  // Deletes expired keys (housekeeping); how many.
  Result<long long> purge_expired();

 private:
  store::Database& db_;
  std::chrono::seconds ttl_;
  std::chrono::milliseconds stale_after_;
  std::function<WallClock::time_point()> clock_;
};

}  // namespace moodgate::services
