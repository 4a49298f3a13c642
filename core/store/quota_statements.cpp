#include "core/store/quota_statements.h"

#include "core/store/sql_dialect.h"

namespace moodgate::store::quota_sql {

using config::Capability;

std::string column(Capability capability, const char* what) {
  return std::string(config::to_string(capability)) + "_" + what;
}

std::string count_upsert(const Attempt& a) {
  const std::string calls = column(a.capability, "calls");
  const std::string window = column(a.capability, "window");
  std::string columns = "user_id";
  std::string values = ":user_id";
  std::string sets;
  std::string room;
  if (a.calls) {
    columns += ", " + window + ", " + calls;
    values += ", :calls_window, 1";
    sets += calls + " = CASE WHEN q." + window + " = excluded." + window + " THEN q." + calls +
            " + 1 ELSE 1 END, " + window + " = excluded." + window;
    room += "(q." + window + " <> excluded." + window + " OR q." + calls + " < :calls_limit)";
  }
  if (a.spend) {
    columns += ", spend_window, spend_micros";
    values += ", :spend_window, :estimate";
    sets += std::string(sets.empty() ? "" : ", ") +
            "spend_micros = CASE WHEN q.spend_window = excluded.spend_window"
            " THEN q.spend_micros + excluded.spend_micros ELSE excluded.spend_micros END,"
            " spend_window = excluded.spend_window";
    room += std::string(room.empty() ? "" : " AND ") +
            "(q.spend_window <> excluded.spend_window OR q.spend_micros < :spend_limit)";
  }
  return "INSERT INTO quota_counters AS q (" + columns + ") VALUES (" + values +
         ") ON CONFLICT (user_id) DO UPDATE SET " + sets + " WHERE " + room + " RETURNING user_id";
}

std::string reservation_values(const Attempt& a, Backend backend) {
  return std::string(", '") + config::to_string(a.capability) + "', " +
         (a.calls ? ":calls_window" : "NULL") + ", " + (a.spend ? ":spend_window" : "NULL") +
         ", :estimate, " + time_param(backend, "expires_at");
}

std::string give_back_sets(const std::string& gone, bool calls, long long kept_micros) {
  std::string sets;
  if (calls) {
    for (const Capability c : config::kCapabilities) {
      sets += column(c, "calls") + " = q." + column(c, "calls") + " - (SELECT count(*) FROM " +
              gone + " g WHERE g.user_id = q.user_id AND g.capability = '" + config::to_string(c) +
              "' AND g.calls_window = q." + column(c, "window") + "), ";
    }
  }
  // kept_micros is an integer of ours, so it is written into the text rather than bound.
  return sets + "spend_micros = q.spend_micros - (SELECT COALESCE(SUM(g.estimated_micros - " +
         std::to_string(kept_micros) + "), 0) FROM " + gone +
         " g WHERE g.user_id = q.user_id AND g.spend_window = q.spend_window)";
}

std::string counters_select() {
  std::string query = "SELECT spend_window, spend_micros";
  for (const Capability c : config::kCapabilities) {
    query += ", " + column(c, "window") + ", " + column(c, "calls");
  }
  return query + " FROM quota_counters WHERE user_id = :user_id";
}

}  // namespace moodgate::store::quota_sql
