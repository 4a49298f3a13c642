// RateLimitRepository: fixed-window counters in rate_limit_counters, shared by every instance.
//
// A bucket names what is counted ("login:ip:203.0.113.7"); a window is identified by its start
// in Unix seconds. add() is one atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING),
// so concurrent requests on any number of instances never lose a count. Same usage rules as the
// other repositories (borrowed session, throws SOCI exceptions). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace soci {
class session;
}

namespace moodgate::store {

class RateLimitRepository {
 public:
  explicit RateLimitRepository(soci::session& sql);

  // Adds `amount` (>= 1) to the bucket's counter for the window starting at `window_start` and
  // returns the count after adding. `expires_at` (RFC 3339) is when the row may be purged.
  long long add(const std::string& bucket, std::int64_t window_start, long long amount,
                const std::string& expires_at);
  // The bucket's count in that window without changing it (0 if none).
  long long count(const std::string& bucket, std::int64_t window_start);
  // Deletes counters whose expires_at is before `now`; returns how many.
  long long purge_expired(const std::string& now);

 private:
  soci::session& sql_;
  bool postgres_;
};

}  // namespace moodgate::store
