#include "core/services/idempotency_service.h"

#include <spdlog/spdlog.h>

namespace moodgate::services {

IdempotencyService::IdempotencyService(store::Database& database, std::chrono::seconds ttl,
                                       std::chrono::milliseconds stale_after,
                                       std::function<WallClock::time_point()> clock)
    : db_(database), ttl_(ttl), stale_after_(stale_after), clock_(std::move(clock)) {}

Result<store::IdempotencyClaim> IdempotencyService::claim(const std::string& user_id,
                                                          const std::string& key,
                                                          const std::string& request_hash) {
  const WallClock::time_point now = clock_();
  return db_.transaction("idempotency.claim", [&](soci::session& sql) {
    return store::IdempotencyRepository(sql).claim(
        user_id, key, request_hash, format_rfc3339_ms(now), format_rfc3339_ms(now + ttl_),
        format_rfc3339_ms(now - stale_after_));
  });
}

void IdempotencyService::complete(const std::string& user_id, const std::string& key,
                                  const std::string& request_hash,
                                  const store::StoredResponse& response) {
  auto done = db_.run("idempotency.complete", [&](soci::session& sql) {
    return store::IdempotencyRepository(sql).complete(user_id, key, request_hash, response);
  });
  if (!done) spdlog::warn("could not record an idempotent answer: {}", done.error().message);
}

void IdempotencyService::release(const std::string& user_id, const std::string& key,
                                 const std::string& request_hash) {
  Status done = db_.run("idempotency.release", [&](soci::session& sql) {
    store::IdempotencyRepository(sql).release(user_id, key, request_hash);
  });
  if (!done) spdlog::warn("could not release an idempotency key: {}", done.error().message);
}

Result<long long> IdempotencyService::purge_expired() {
  const std::string now = format_rfc3339_ms(clock_());
  return db_.run("idempotency.purge", [&](soci::session& sql) {
    return store::IdempotencyRepository(sql).purge_expired(now);
  });
}

}  // namespace moodgate::services
