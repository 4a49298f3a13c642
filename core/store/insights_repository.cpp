#include "core/store/insights_repository.h"

#include <soci/soci.h>

#include "core/store/sql_dialect.h"

namespace moodgate::store {

InsightsRepository::InsightsRepository(soci::session& sql) : sql_(sql), backend_(backend_of(sql)) {}

long long InsightsRepository::entry_count(const std::string& user_id, const std::string& from,
                                          const std::string& to) {
  long long count = 0;
  sql_ << "SELECT count(*) FROM entries WHERE user_id = :user_id AND created_at >= " +
              time_param(backend_, "from_at") + " AND created_at < " +
              time_param(backend_, "to_at"),
      soci::use(user_id, "user_id"), soci::use(from, "from_at"), soci::use(to, "to_at"),
      soci::into(count);
  return count;
}

std::vector<EmotionCount> InsightsRepository::top_emotions(const std::string& user_id,
                                                           const std::string& from,
                                                           const std::string& to, int limit) {
  std::vector<EmotionCount> out;
  EmotionCount row;
  soci::statement st(sql_);
  st.exchange(soci::into(row.name));
  st.exchange(soci::into(row.count));
  st.exchange(soci::into(row.avg_intensity));
  st.exchange(soci::use(user_id, "user_id"));
  st.exchange(soci::use(from, "from_at"));
  st.exchange(soci::use(to, "to_at"));
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(
      "SELECT m.name, count(*) AS n, avg(m.intensity) AS avg_intensity"
      " FROM entry_emotions m JOIN entries e ON e.id = m.entry_id"
      " WHERE e.user_id = :user_id AND e.created_at >= " +
          time_param(backend_, "from_at") + " AND e.created_at < " + time_param(backend_, "to_at") +
          " GROUP BY m.name ORDER BY n DESC, avg_intensity DESC, m.name LIMIT :limit",
      soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) out.push_back(row);
  return out;
}

std::vector<DaySentiment> InsightsRepository::sentiment_by_day(const std::string& user_id,
                                                               const std::string& from,
                                                               const std::string& to) {
  std::vector<DaySentiment> out;
  std::string day;
  double avg = 0;
  soci::indicator avg_ind = soci::i_null;
  long long entries = 0;
  const std::string day_expr = utc_date_text(backend_, "created_at");
  soci::statement st(sql_);
  st.exchange(soci::into(day));
  st.exchange(soci::into(avg, avg_ind));
  st.exchange(soci::into(entries));
  st.exchange(soci::use(user_id, "user_id"));
  st.exchange(soci::use(from, "from_at"));
  st.exchange(soci::use(to, "to_at"));
  st.alloc();
  st.prepare("SELECT " + day_expr +
                 " AS day, avg(CASE WHEN analysis_status = 'ready' THEN analysis_score END),"
                 " count(*) FROM entries WHERE user_id = :user_id AND created_at >= " +
                 time_param(backend_, "from_at") + " AND created_at < " +
                 time_param(backend_, "to_at") + " GROUP BY day ORDER BY day",
             soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) {
    out.push_back(
        {day, avg_ind == soci::i_ok ? std::optional<double>(avg) : std::nullopt, entries});
  }
  return out;
}

int InsightsRepository::streak_days(const std::string& user_id, const std::string& today) {
  // Gaps and islands: consecutive days share (day number - rank); the streak is the island of
  // the latest day, if that day is today or yesterday.
  const std::string day_expr = utc_date_text(backend_, "created_at");
  long long streak = 0;
  sql_ << "WITH days AS (SELECT DISTINCT " + day_expr +
              " AS day FROM entries WHERE user_id = :user_id AND " + day_expr +
              " <= :today),"
              " islands AS (SELECT day, " +
              day_number(backend_, "day") +
              " - row_number() OVER (ORDER BY day) AS island FROM days),"
              " latest AS (SELECT day, island FROM islands ORDER BY day DESC LIMIT 1)"
              " SELECT count(*) FROM islands i JOIN latest l ON i.island = l.island"
              " WHERE " +
              day_number(backend_, "l.day") + " >= " + day_number(backend_, ":today2") + " - 1",
      soci::use(user_id, "user_id"), soci::use(today, "today"), soci::use(today, "today2"),
      soci::into(streak);
  return static_cast<int>(streak);
}

}  // namespace moodgate::store
