// QuotaRepository: per-user AI quotas -- counters, reservations and operator overrides -- in
// quota_counters, quota_reservations and quota_overrides, shared by every instance.
//
// One provider call made for a user goes through one reservation:
//   1. reserve() before the call is sent: counts one call of its capability and its estimated
//      cost (micro-USD) against the user's limits, atomically, or refuses and counts nothing.
//   2. Then exactly one of:
//      settle(id, actual) once the provider billed the call: the spend becomes the real cost,
//        the call stays counted;
//      refund(id) when nothing was billed (a cache hit, a refusal before sending, a provider
//        failure without usage): the call and the estimate are given back;
//      expire(now), run by housekeeping, for a reservation nobody settled by its expires_at (the
//        instance holding it died): refunded like refund().
//   Whichever of these deletes the reservation's row acts; the others find no row and change
//   nothing (they return false / do not count it). So a reservation is given back at most once,
//   and settling a reservation that expired meanwhile is a harmless no-op.
//
// Windows are fixed and aligned: a limit of N per W seconds counts in the window starting at
// floor(now / W) * W (Unix seconds), like rate_limits; when it ends the count restarts. A call
// counts in the windows current at reserve(); settling or refunding it after such a window ended
// changes nothing there (that window's count is gone). Limits are the caller's: pass the user's
// effective limits (an override, else quotas.per_user; services/quota_service.h). A limit that
// is off is not checked and not counted (its `used` stays 0); with every limit off reserve()
// touches no table and returns an empty id (settle/refund of "" do nothing).
//
// The spend check is "spent so far in the window < cap": a reservation is let through while the
// spend is under the cap, whatever its own estimate, so a burst crossing the cap overshoots it by
// at most one reservation's estimate. Calls are exact: never more than the limit per window.
//
// Exactness under concurrency, across processes sharing one database, without table locks:
// - PostgreSQL: reserve() is ONE statement: an INSERT ... ON CONFLICT (user_id) DO UPDATE ...
//   WHERE <under every limit> on the user's counter row, whose RETURNING feeds the insert of the
//   reservation row in the same statement (a data-modifying CTE). Concurrent reservations of a
//   user queue on that row's lock and each is judged on the counts the previous one committed.
//   settle() and refund() are one statement each too (DELETE the reservation ... RETURNING, then
//   UPDATE the counters from what it returned); expire() runs one such statement per user,
//   taking that user's expired rows FOR UPDATE SKIP LOCKED, so concurrent sweepers never wait on
//   (or deadlock over) each other's rows and each row is refunded by exactly one of them.
// - SQLite: one writer at a time; each operation's statements run inside one SAVEPOINT, so they
//   commit together and never interleave with another writer.
//
// Usage: like the other repositories it works on a borrowed session (Database::run() or
// transaction()) and throws SOCI exceptions, which run() turns into Error values. Every
// operation is atomic by itself: call it through Database::run() -- on PostgreSQL that is one
// round trip with no transaction around it -- or inside a transaction of the caller's. Not
// thread-safe itself (one per session, like the session), but any number of threads and
// processes may run any of these operations at once, each on its own session.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config/capability.h"
#include "core/config/config.h"
#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

// The name an override of the spend cap is stored under; calls overrides use the capability's
// name ("analysis", ...).
inline constexpr const char* kSpendScope = "spend_usd";

// Why reserve() refused: the limit that is used up and when its window restarts.
struct QuotaRefusal {
  enum class Limit { kCalls, kSpend };
  Limit limit = Limit::kCalls;
  long long allowed = 0;       // the limit: calls, or micro-USD
  long long used = 0;          // counted in the window: calls, or micro-USD (may exceed `allowed`)
  std::int64_t resets_at = 0;  // Unix seconds when that window ends and a call may pass again
};

// What reserve() decided.
struct QuotaReservation {
  std::string id;                       // granted: settle or refund this ("" if nothing counted)
  std::optional<QuotaRefusal> refusal;  // refused: why (then `id` is empty)
  bool granted() const { return !refusal.has_value(); }
};

// One limit as GET /usage shows it; calls, or micro-USD for spend.
struct QuotaMeter {
  long long used = 0;                  // counted in the current window (0 when unlimited)
  std::optional<long long> limit;      // nullopt: unlimited
  std::optional<long long> remaining;  // limit - used, never below 0; nullopt: unlimited
  std::optional<std::int64_t>
      resets_at;  // Unix seconds the current window ends; nullopt: unlimited
};

struct QuotaUsage {
  std::map<config::Capability, QuotaMeter> calls;  // every capability
  QuotaMeter spend;                                // micro-USD
};

// One operator override of a user's limit.
struct QuotaOverride {
  std::string scope;       // a capability's name, or kSpendScope
  std::string limit;       // canonical text: "100/1d", "5.00/1d" or "off"
  std::string updated_at;  // RFC 3339 UTC with milliseconds
};

class QuotaRepository {
 public:
  explicit QuotaRepository(soci::session& sql);

  // Counts one `capability` call and `estimated_micros` (>= 0) of spend for `user_id` (an
  // existing user) at `now_s` (Unix seconds), if the calls counted in the current `calls` window
  // are under its limit and the spend in the current `spend` window is under its cap; the
  // reservation expires `ttl_s` (>= 1) seconds after `now_s`. Refused: nothing is counted, and the
  // refusal names the limit in the way (the later-resetting one if both are), read after the
  // failed attempt (a read that finds no limit in the way -- one was given back meanwhile --
  // tries again, a few times).
  QuotaReservation reserve(const std::string& user_id, config::Capability capability,
                           const config::RateLimitRule& calls, const config::SpendLimitRule& spend,
                           long long estimated_micros, std::int64_t now_s, int ttl_s);
  // Settles reservation `id` at the call's real cost `actual_micros` (>= 0): the spend it counted
  // becomes that, the call stays counted, the reservation is gone. False (and nothing changes)
  // when there is no such reservation: already settled, refunded or expired, or "".
  bool settle(const std::string& id, long long actual_micros);
  // Gives back reservation `id`: its call and estimated spend, where their windows are still
  // current. False (and nothing changes) when there is no such reservation.
  bool refund(const std::string& id);
  // Refunds every reservation whose expires_at is before `now_s`, each exactly once even with
  // other instances sweeping at the same time (a row another sweeper holds is left to it);
  // returns how many this call refunded.
  long long expire(std::int64_t now_s);

  // Where `user_id` stands at `now_s` under `limits` (their effective limits).
  QuotaUsage usage(const std::string& user_id, const config::QuotaLimits& limits,
                   std::int64_t now_s);

  // Sets (or replaces) the user's override of `scope` (a capability's name or kSpendScope) to
  // `limit`, text the caller has validated; throws on an unknown scope (the table's CHECK) or
  // user (its foreign key).
  void set_override(const std::string& user_id, const std::string& scope, const std::string& limit);
  // The user's override of `scope`, if any.
  std::optional<QuotaOverride> find_override(const std::string& user_id, const std::string& scope);
  // The user's overrides, by scope.
  std::vector<QuotaOverride> overrides(const std::string& user_id);
  // Removes the user's override of `scope`; false if there was none.
  bool clear_override(const std::string& user_id, const std::string& scope);
  // Removes every override of the user; returns how many.
  long long clear_overrides(const std::string& user_id);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
