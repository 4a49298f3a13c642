// QuotaService: per-user AI quotas as the rest of the gateway uses them -- the limits a user runs
// under (quotas.per_user, or an operator's override), a reservation around each provider call,
// what GET /usage shows, operator overrides, and the sweep of reservations whose instance died.
//
// It adds the configuration to store::QuotaRepository, whose header is the contract of a
// reservation (reserve, then settle or refund; expire for the dead) and says how it stays exact
// across instances; database failures come back as Error values (kUnavailable, kInternal).
// A service calling a provider for a user does:
//
//   ai::AiCall call{...};
//   if (Status held = quotas.reserve_for(call, ai); !held) -> the error: QUOTA_EXCEEDED (the
//       429's details and headers in it), or the database's (do not call the provider then)
//   ... co_await ai::ask(ai, std::move(call)) ...
//
// reserve_for() puts the reservation on the call (AiCall::reservation_id); the call's usage
// record carries it, and the usage recorder settles it at the call's cost, or refunds it when
// nothing was billed, as it stores the record (services/usage_recorder.h).
// Image jobs hold theirs on the job instead (VisualizationService reserves at enqueue, inside
// the enqueue's transaction, with reserve_on(); the worker settles or refunds it with the job's
// final state). A call that is never made (a cache hit) is simply never reserved.
//
// Estimates are the caller's (the instance's prices, its max_output_tokens and the input size;
// price_per_image), in micro-USD. A settle or refund that fails leaves the reservation to
// expire: its call then stays counted until reservation_ttl_s, never longer. With
// quotas.enabled false, reserve() grants at once with an empty id and reads nothing; settle and
// refund of that id do nothing.
//
// Blocking (database): call on the worker pool or a background thread, never on an event loop
// (core/README.md). Thread-safe: every call borrows its own session.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/common/result.h"
#include "core/common/thread_annotations.h"
#include "core/common/time_format.h"
#include "core/config/config.h"
#include "core/store/database.h"
#include "core/store/quota_repository.h"

namespace moodgate::services {

// The scopes an override can name: each capability's name, then "spend_usd".
std::vector<std::string> quota_scopes();

// The canonical text of `limit` for `scope`: "<count>/<window>" or "off" for a capability
// ("100/1d"), "<usd>/<window>" or "off" for spend_usd ("5.00/1d"); nullopt when `scope` is no
// quota scope or `limit` does not parse for it.
std::optional<std::string> canonical_quota_limit(std::string_view scope, std::string_view limit);

// What "<LIMIT>" must look like for `scope`, for messages: "<count>/<window> such as ...".
std::string quota_limit_syntax(std::string_view scope);

// `defaults` with each override in place. kInternal naming the scope when a stored override
// does not parse (written by hand or by another version).
Result<config::QuotaLimits> apply_quota_overrides(
    config::QuotaLimits defaults, const std::vector<store::QuotaOverride>& overrides);

// The 429 QUOTA_EXCEEDED of a refused `capability` call at `now_s`. Details: capability,
// reason ("calls" or "spend"), window_s, reset_at (Unix seconds the window ends) and
// retry_after_s (until then, at least 1); for calls limit and remaining (0), for spend limit_usd
// and remaining_usd ("0.00"). error_response() turns them into Retry-After and X-Quota-*.
Error quota_exceeded(config::Capability capability, const store::QuotaRefusal& refusal,
                     std::int64_t now_s);

// How long a reservation trusts the overrides it read for a user: saving that read makes a
// reservation one statement on PostgreSQL. An override changed through this QuotaService holds
// at once; one changed elsewhere (`moodgate quota set`, another instance) within this long.
inline constexpr std::chrono::seconds kOverridesCacheTtl{2};
// Users whose limits are remembered at most; beyond, the cache starts over.
inline constexpr std::size_t kOverridesCacheUsers = 100000;

class QuotaService {
 public:
  QuotaService(store::Database& database, config::QuotasConfig config);

  // quotas.enabled.
  bool enabled() const { return config_.enabled; }
  const config::QuotasConfig& config() const { return config_; }

  // The limits `user_id` runs under: quotas.per_user with the user's overrides in place.
  Result<config::QuotaLimits> limits_for(const std::string& user_id);

  // Reserves one `capability` call estimated at `estimated_micros` (>= 0) for `user_id` at
  // `now_s` (Unix seconds) under limits_for(user_id), for quotas.reservation_ttl_s: a granted
  // reservation (settle or refund its id) or a refusal naming the limit in the way. Two
  // statements: the user's overrides, then the reservation (store/quota_repository.h).
  Result<store::QuotaReservation> reserve(const std::string& user_id, config::Capability capability,
                                          long long estimated_micros, std::int64_t now_s);
  // Reserves `call` for its user (nothing when call.user_id is empty or quotas are off) at the
  // estimate `ai` gives, and puts the reservation's id on the call. A refusal is
  // quota_exceeded()'s error; a database failure its own error.
  Status reserve_for(ai::AiCall& call, const ai::AiCalls& ai, std::int64_t now_s = unix_now());
  // reserve() on the caller's session, inside a transaction of the caller's (throws SOCI
  // exceptions like a repository): the user's overrides, then the reservation, which expires
  // after `ttl_s` (0: quotas.reservation_ttl_s).
  store::QuotaReservation reserve_on(soci::session& sql, const std::string& user_id,
                                     config::Capability capability, long long estimated_micros,
                                     std::int64_t now_s, int ttl_s = 0);

  // Settles a reservation at the call's real cost; false when it was already settled, refunded
  // or expired (nothing changes then).
  Result<bool> settle(const std::string& reservation_id, long long actual_micros);
  // Gives a reservation back; false when it was already settled, refunded or expired.
  Result<bool> refund(const std::string& reservation_id);
  // Refunds the reservations that expired before `now_s`; how many (housekeeping).
  Result<long long> expire(std::int64_t now_s);

  // Where `user_id` stands at `now_s`: per capability and for spend, used/limit/remaining/
  // resets_at (GET /usage). With quotas off every limit shows as unlimited.
  Result<store::QuotaUsage> usage(const std::string& user_id, std::int64_t now_s);

  // Operator overrides (`moodgate quota`). set_override() refuses (kInvalidInput) a scope that
  // is none of quota_scopes() or a limit that does not parse for it, and stores the canonical
  // text. A user's overrides are listed by scope.
  Status set_override(const std::string& user_id, const std::string& scope,
                      const std::string& limit);
  Result<std::vector<store::QuotaOverride>> overrides(const std::string& user_id);
  // False when the user had no override of `scope`.
  Result<bool> clear_override(const std::string& user_id, const std::string& scope);
  // How many overrides were removed.
  Result<long long> clear_overrides(const std::string& user_id);

 private:
  // limits_for() on `sql`, from the cache while its entry is younger than kOverridesCacheTtl.
  config::QuotaLimits cached_limits(soci::session& sql, const std::string& user_id)
      MG_EXCLUDES(mu_);
  void forget(const std::string& user_id) MG_EXCLUDES(mu_);

  struct CachedLimits {
    config::QuotaLimits limits;
    std::chrono::steady_clock::time_point read_at;
  };

  store::Database& db_;
  const config::QuotasConfig config_;
  std::mutex mu_;
  std::unordered_map<std::string, CachedLimits> cache_ MG_GUARDED_BY(mu_);
};

}  // namespace moodgate::services
