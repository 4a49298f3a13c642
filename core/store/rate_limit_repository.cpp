#include "core/store/rate_limit_repository.h"

#include <soci/soci.h>

#include <utility>

#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {
namespace {

}  // namespace

RateLimitRepository::RateLimitRepository(soci::session& sql)
    : sql_(sql), postgres_(backend_of(sql) == Backend::kPostgres) {}

long long RateLimitRepository::add(const std::string& bucket, std::int64_t window_start,
                                   long long amount, const std::string& expires_at) {
  const Backend backend = postgres_ ? Backend::kPostgres : Backend::kSqlite;
  const long long start = window_start;
  long long count = 0;
  sql_ << "INSERT INTO rate_limit_counters (bucket, window_start, count, expires_at)"
          " VALUES (:bucket, :window_start, :amount, " +
              time_param(backend, "expires_at") +
              ") ON CONFLICT (bucket, window_start)"
              " DO UPDATE SET count = rate_limit_counters.count + excluded.count"
              " RETURNING count",
      soci::use(bucket, "bucket"), soci::use(start, "window_start"), soci::use(amount, "amount"),
      soci::use(expires_at, "expires_at"), soci::into(count);
  if (!sql_.got_data()) throw soci::soci_error("rate_limit_counters upsert returned no row");
  return count;
}

long long RateLimitRepository::count(const std::string& bucket, std::int64_t window_start) {
  const long long start = window_start;
  long long count = 0;
  sql_ << "SELECT count FROM rate_limit_counters"
          " WHERE bucket = :bucket AND window_start = :window_start",
      soci::use(bucket, "bucket"), soci::use(start, "window_start"), soci::into(count);
  return sql_.got_data() ? count : 0;
}

long long RateLimitRepository::purge_expired(const std::string& now) {
  const Backend backend = postgres_ ? Backend::kPostgres : Backend::kSqlite;
  return execute_counted(
      sql_, "DELETE FROM rate_limit_counters WHERE expires_at < " + time_param(backend, "now"),
      soci::use(now, "now"));
}

}  // namespace moodgate::store
