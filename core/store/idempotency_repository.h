// IdempotencyRepository: the idempotency_keys table behind the Idempotency-Key header.
//
// A request with a key first claims (user, key): the row is created `in_progress` with a hash
// of the request. The answer is then recorded with complete(), or the claim dropped with
// release() when the answer must not be replayed (a 5xx, a 429). A later request with the same
// key finds the row and, by claim()'s outcome, replays the recorded answer, or is refused
// because it is a different request or the first one is still running. A row past expires_at,
// or a claim left in_progress since before `stale_before` (its instance died), counts as free
// and is claimed afresh. claim() must run inside Database::transaction() (it reads, then
// writes). Same usage rules as the other repositories. Not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct StoredResponse {
  int status = 0;
  std::string headers_json;  // a JSON object of the headers to replay
  std::string body;
};

struct IdempotencyClaim {
  enum class Outcome {
    kClaimed,   // the caller runs the request, then calls complete() or release()
    kReplay,    // the same request was answered before: `response` is that answer
    kMismatch,  // the key was used for a different request
    kBusy,      // the same request is still running
  };
  Outcome outcome = Outcome::kClaimed;
  StoredResponse response;  // kReplay
};

class IdempotencyRepository {
 public:
  explicit IdempotencyRepository(soci::session& sql);

  // Times are RFC 3339 ms text.
  IdempotencyClaim claim(const std::string& user_id, const std::string& key,
                         const std::string& request_hash, const std::string& now,
                         const std::string& expires_at, const std::string& stale_before);
  // Records the answer of a claimed key. False when the claim is gone (released, taken over).
  bool complete(const std::string& user_id, const std::string& key, const std::string& request_hash,
                const StoredResponse& response);
  // Drops a claim still in progress.
  void release(const std::string& user_id, const std::string& key, const std::string& request_hash);
  // Deletes rows expired before `now`; returns how many.
  long long purge_expired(const std::string& now);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
