#include "core/store/analysis_cache_repository.h"

#include <soci/soci.h>

#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {

AnalysisCacheRepository::AnalysisCacheRepository(soci::session& sql)
    : sql_(sql), backend_(backend_of(sql)) {}

std::optional<CachedAnswer> AnalysisCacheRepository::get(const std::string& key,
                                                         const std::string& now) {
  CachedAnswer answer;
  sql_ << "SELECT provider, model, result_json FROM analysis_cache WHERE cache_key = :key"
          " AND (expires_at IS NULL OR expires_at > " +
              time_param(backend_, "now") + ")",
      soci::use(key, "key"), soci::use(now, "now"), soci::into(answer.provider),
      soci::into(answer.model), soci::into(answer.result_json);
  if (!sql_.got_data()) return std::nullopt;
  return answer;
}

void AnalysisCacheRepository::put(const std::string& key, const CachedAnswer& answer,
                                  const std::string& now, const std::string& expires_at) {
  sql_ << "INSERT INTO analysis_cache (cache_key, provider, model, result_json, created_at,"
          " expires_at) VALUES (:key, :provider, :model, :result, " +
              time_param(backend_, "now") + ", " + time_param(backend_, "expires_at") +
              ") ON CONFLICT (cache_key) DO UPDATE SET provider = excluded.provider,"
              " model = excluded.model, result_json = excluded.result_json,"
              " created_at = excluded.created_at, expires_at = excluded.expires_at",
      soci::use(key, "key"), soci::use(answer.provider, "provider"),
      soci::use(answer.model, "model"), soci::use(answer.result_json, "result"),
      soci::use(now, "now"), soci::use(expires_at, "expires_at");
}

long long AnalysisCacheRepository::purge_expired(const std::string& now) {
  return execute_counted(
      sql_,
      "DELETE FROM analysis_cache WHERE expires_at IS NOT NULL AND expires_at <= " +
          time_param(backend_, "now"),
      soci::use(now, "now"));
}

}  // namespace moodgate::store
