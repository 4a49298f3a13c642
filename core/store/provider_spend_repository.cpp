#include "core/store/provider_spend_repository.h"

#include <soci/soci.h>

#include <utility>

namespace moodgate::store {

ProviderSpendRepository::ProviderSpendRepository(soci::session& sql) : sql_(sql) {}

void ProviderSpendRepository::add(const std::vector<ProviderSpend>& spends) {
  for (const ProviderSpend& s : spends) {
    // The same text on PostgreSQL and SQLite (3.24+).
    sql_ << "INSERT INTO provider_spend (instance, window_s, window_start, spend_micros)"
            " VALUES (:instance, :window_s, :window_start, :micros)"
            " ON CONFLICT (instance, window_s, window_start)"
            " DO UPDATE SET spend_micros = provider_spend.spend_micros + excluded.spend_micros",
        soci::use(s.instance, "instance"), soci::use(s.window_s, "window_s"),
        soci::use(static_cast<long long>(s.window_start), "window_start"),
        soci::use(s.spend_micros, "micros");
  }
}

std::vector<ProviderSpend> ProviderSpendRepository::current(std::int64_t now_s) {
  const long long now = now_s;
  ProviderSpend row;
  long long window_start = 0;
  soci::statement st(sql_);
  st.exchange(soci::into(row.instance));
  st.exchange(soci::into(row.window_s));
  st.exchange(soci::into(window_start));
  st.exchange(soci::into(row.spend_micros));
  st.exchange(soci::use(now, "now"));
  st.alloc();
  st.prepare(
      "SELECT instance, window_s, window_start, spend_micros FROM provider_spend"
      " WHERE window_start + window_s > :now",
      soci::details::st_one_time_query);
  st.define_and_bind();
  std::vector<ProviderSpend> out;
  for (bool got = st.execute(true); got; got = st.fetch()) {
    row.window_start = window_start;
    out.push_back(row);
  }
  return out;
}

long long ProviderSpendRepository::purge_ended(std::int64_t now_s) {
  const long long now = now_s;
  soci::statement st(sql_);
  st.exchange(soci::use(now, "now"));
  st.alloc();
  st.prepare("DELETE FROM provider_spend WHERE window_start + window_s <= :now",
             soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace moodgate::store
