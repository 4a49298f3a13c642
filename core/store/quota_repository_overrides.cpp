// QuotaRepository's operator overrides (quota_overrides); the counters are in quota_repository.cpp.
#include "core/store/quota_repository.h"

#include <soci/soci.h>

#include "core/common/time_format.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {

void QuotaRepository::set_override(const std::string& user_id, const std::string& scope,
                                   const std::string& limit) {
  const std::string now = format_rfc3339_ms(WallClock::now());
  sql_ << "INSERT INTO quota_overrides (user_id, scope, limit_text, updated_at)"
          " VALUES (:user_id, :scope, :limit_text, " +
              time_param(backend_, "now") +
              ") ON CONFLICT (user_id, scope)"
              " DO UPDATE SET limit_text = excluded.limit_text, updated_at = excluded.updated_at",
      soci::use(user_id, "user_id"), soci::use(scope, "scope"), soci::use(limit, "limit_text"),
      soci::use(now, "now");
}

std::optional<QuotaOverride> QuotaRepository::find_override(const std::string& user_id,
                                                            const std::string& scope) {
  for (QuotaOverride& found : overrides(user_id)) {
    if (found.scope == scope) return std::move(found);
  }
  return std::nullopt;
}

std::vector<QuotaOverride> QuotaRepository::overrides(const std::string& user_id) {
  std::vector<QuotaOverride> out;
  QuotaOverride row;
  soci::statement st(sql_);
  st.exchange(soci::into(row.scope));
  st.exchange(soci::into(row.limit));
  st.exchange(soci::into(row.updated_at));
  st.exchange(soci::use(user_id, "user_id"));
  st.alloc();
  st.prepare("SELECT scope, limit_text, " + time_text(backend_, "updated_at") +
                 " FROM quota_overrides WHERE user_id = :user_id ORDER BY scope",
             soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) out.push_back(row);
  return out;
}

bool QuotaRepository::clear_override(const std::string& user_id, const std::string& scope) {
  return execute_counted(sql_,
                         "DELETE FROM quota_overrides WHERE user_id = :user_id AND scope = :scope",
                         soci::use(user_id, "user_id"), soci::use(scope, "scope")) == 1;
}

long long QuotaRepository::clear_overrides(const std::string& user_id) {
  return execute_counted(sql_, "DELETE FROM quota_overrides WHERE user_id = :user_id",
                         soci::use(user_id, "user_id"));
}

}  // namespace moodgate::store
