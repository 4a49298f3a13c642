// RateLimiter: fixed-window limits counted in the database, so every instance shares them.
//
// A limit is a RateLimitRule (at most `limit` events per `window_s` seconds) applied to a
// bucket, e.g. "login:ip:203.0.113.7". Windows are aligned to multiples of window_s since the
// Unix epoch, so all instances agree on where a window starts without talking to each other.
// Over-limit answers are Error kRateLimited whose details carry "retry_after_s" and "limit"
// (error_envelope.h turns them into Retry-After and X-RateLimit-* headers).
//
// Blocking (database): call on the worker pool. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/config/config.h"
#include "core/store/database.h"

namespace moodgate::services {

// Where a bucket stands after (or without) counting an event.
struct RateDecision {
  bool allowed = true;
  int limit = 0;
  int remaining = 0;      // events left in this window
  int reset_after_s = 0;  // seconds until the window ends
};

// The bucket key for a client address. IPv6 addresses count per /64 (one subscriber's
// allocation), so rotating through one's own prefix does not escape a limit.
std::string client_bucket(std::string_view scope, std::string_view client_ip);

// The kRateLimited error for a refused decision; `what` completes "Too many <what>".
Error rate_limited_error(const RateDecision& decision, std::string_view what);

class RateLimiter {
 public:
  explicit RateLimiter(store::Database& database) : db_(database) {}

  // Counts one event in `bucket` at `now_s` (Unix seconds) and decides. A disabled rule always
  // allows and touches nothing.
  Result<RateDecision> hit(const std::string& bucket, const config::RateLimitRule& rule,
                           std::int64_t now_s);
  // Decides whether one more event would be allowed, without counting it.
  Result<RateDecision> peek(const std::string& bucket, const config::RateLimitRule& rule,
                            std::int64_t now_s);

  // Counting and deciding on a session the caller already holds (inside its transaction).
  static RateDecision hit_on(soci::session& sql, const std::string& bucket,
                             const config::RateLimitRule& rule, std::int64_t now_s);
  static RateDecision peek_on(soci::session& sql, const std::string& bucket,
                              const config::RateLimitRule& rule, std::int64_t now_s);

 private:
  store::Database& db_;
};

}  // namespace moodgate::services
