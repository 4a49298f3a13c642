// The SQL text of QuotaRepository's statements (quota_repository.h), built per operation: the
// counter columns of a capability (named by the enum, never by input) and the limits one
// reservation counts against decide what the text holds. Both dialects read the same text unless
// a function says otherwise; the repository binds the placeholders.
#pragma once

#include <string>

#include "core/config/capability.h"
#include "core/store/database_url.h"

namespace moodgate::store::quota_sql {

// One reservation being made: the values it binds, and which limits it counts against.
struct Attempt {
  std::string id;
  std::string user_id;
  config::Capability capability = config::Capability::kAnalysis;
  bool calls = false;  // the capability's calls are limited, so counted
  bool spend = false;  // the spend is capped, so counted
  long long calls_window = 0;
  long long calls_limit = 0;
  long long spend_window = 0;
  long long spend_limit = 0;
  long long estimate = 0;
  std::string expires_at;
};

// A counter column of quota_counters: column(kAnalysis, "calls") is "analysis_calls".
std::string column(config::Capability capability, const char* what);

// The upsert counting one call (when limited) and the estimate (when capped) on the user's
// counter row, only if each counted limit has room in its current window (or the row's window
// has ended, so its count restarts): RETURNING the row when it counted, nothing when refused.
// Reads :user_id, :calls_window and :calls_limit (calls), :spend_window, :estimate and
// :spend_limit (spend).
std::string count_upsert(const Attempt& a);

// "INSERT INTO quota_reservations (<every column>) ": to be followed by VALUES or a SELECT of
// :id, the user, then reservation_values().
inline constexpr const char* kInsertReservation =
    "INSERT INTO quota_reservations"
    " (id, user_id, capability, calls_window, spend_window, estimated_micros, expires_at) ";

// The reservation's values after its id and user: its capability, the windows it counted in
// (NULL for a limit not counted), :estimate and :expires_at.
std::string reservation_values(const Attempt& a, Backend backend);

// The columns of a reservation row that give_back_sets() reads from `gone`.
inline constexpr const char* kGoneFields =
    "user_id, capability, calls_window, spend_window, estimated_micros";

// SET items (for UPDATE quota_counters AS q) giving back, to each counter row, what the
// reservations in `gone` (a relation with kGoneFields) counted there: their calls, when `calls`,
// where the call's window is still the row's; and their estimates less `kept_micros` each,
// where the spend window still is.
std::string give_back_sets(const std::string& gone, bool calls, long long kept_micros);

// SELECT spend_window, spend_micros, then each capability's window and calls in
// config::kCapabilities order, of the counter row of :user_id.
std::string counters_select();

}  // namespace moodgate::store::quota_sql
