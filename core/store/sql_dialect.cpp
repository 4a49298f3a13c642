#include "core/store/sql_dialect.h"

#include <soci/soci.h>

namespace moodgate::store {

Backend backend_of(soci::session& session) {
  return session.get_backend_name() == "postgresql" ? Backend::kPostgres : Backend::kSqlite;
}

std::string time_text(Backend backend, std::string_view column) {
  if (backend == Backend::kSqlite) return std::string(column);
  return "to_char(" + std::string(column) +
         " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string utc_date_text(Backend backend, std::string_view column) {
  if (backend == Backend::kSqlite) return "substr(" + std::string(column) + ", 1, 10)";
  return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
}

std::string day_number(Backend backend, std::string_view date_text) {
  if (backend == Backend::kSqlite) {
    return "CAST(julianday(" + std::string(date_text) + ") - 2440587.5 AS INTEGER)";
  }
  return "(CAST(" + std::string(date_text) + " AS date) - DATE '1970-01-01')";
}

std::string time_param(Backend backend, std::string_view name) {
  if (backend == Backend::kSqlite) return ":" + std::string(name);
  return "CAST(:" + std::string(name) + " AS timestamptz)";
}

}  // namespace moodgate::store
