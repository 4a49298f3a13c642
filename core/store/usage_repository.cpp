#include "core/store/usage_repository.h"

#include <soci/soci.h>

#include <cstddef>
#include <utility>

#include "core/store/enum_column.h"

namespace moodgate::store {

UsageRepository::UsageRepository(soci::session& sql) : sql_(sql) {}

void UsageRepository::insert(const std::vector<ai::UsageRecord>& records) {
  if (records.empty()) return;  // SOCI refuses to bind empty vectors
  // One bulk statement: SOCI runs it once per row (a one-time query, so no server-side prepared
  // statement is left behind on PostgreSQL).
  const std::size_t n = records.size();
  std::vector<std::string> user_ids(n), request_ids(n), capabilities(n), providers(n), models(n),
      outcomes(n);
  std::vector<soci::indicator> user_id_inds(n), request_id_inds(n);
  std::vector<long long> tokens_in(n), tokens_out(n), latency_ms(n);
  std::vector<double> costs(n);
  std::vector<int> attempts(n);
  for (std::size_t i = 0; i < n; ++i) {
    const ai::UsageRecord& r = records[i];
    user_ids[i] = r.user_id.value_or("");
    user_id_inds[i] = r.user_id ? soci::i_ok : soci::i_null;
    request_ids[i] = r.request_id;
    request_id_inds[i] = r.request_id.empty() ? soci::i_null : soci::i_ok;
    capabilities[i] = config::to_string(r.capability);
    providers[i] = r.provider;
    models[i] = r.model;
    tokens_in[i] = r.tokens_in;
    tokens_out[i] = r.tokens_out;
    costs[i] = r.cost_usd;
    latency_ms[i] = r.latency.count();
    outcomes[i] = r.outcome;
    attempts[i] = r.attempts;
  }
  sql_ << "INSERT INTO ai_usage (user_id, request_id, capability, provider, model, tokens_in,"
          " tokens_out, cost_usd, latency_ms, outcome, attempts)"
          " VALUES (:user_id, :request_id, :capability, :provider, :model, :tokens_in,"
          " :tokens_out, :cost_usd, :latency_ms, :outcome, :attempts)",
      soci::use(user_ids, user_id_inds, "user_id"),
      soci::use(request_ids, request_id_inds, "request_id"), soci::use(capabilities, "capability"),
      soci::use(providers, "provider"), soci::use(models, "model"),
      soci::use(tokens_in, "tokens_in"), soci::use(tokens_out, "tokens_out"),
      soci::use(costs, "cost_usd"), soci::use(latency_ms, "latency_ms"),
      soci::use(outcomes, "outcome"), soci::use(attempts, "attempts");
}

UsageTotals UsageRepository::totals_for_user(const std::string& user_id) {
  UsageTotals totals;
  sql_ << "SELECT count(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0),"
          " COALESCE(SUM(cost_usd), 0.0) FROM ai_usage WHERE user_id = :user_id",
      soci::use(user_id, "user_id"), soci::into(totals.calls), soci::into(totals.tokens_in),
      soci::into(totals.tokens_out), soci::into(totals.cost_usd);
  return totals;
}

std::vector<ai::UsageRecord> UsageRepository::recent(int limit) {
  std::vector<ai::UsageRecord> rows;
  if (limit <= 0) return rows;
  ai::UsageRecord row;
  std::string user_id;
  std::string request_id;
  std::string capability;
  soci::indicator user_id_ind = soci::i_null;
  soci::indicator request_id_ind = soci::i_null;
  long long latency_ms = 0;
  // Built by hand like execute_counted(): a one-time query that is fetched row by row.
  soci::statement st(sql_);
  st.exchange(soci::into(user_id, user_id_ind));
  st.exchange(soci::into(request_id, request_id_ind));
  st.exchange(soci::into(capability));
  st.exchange(soci::into(row.provider));
  st.exchange(soci::into(row.model));
  st.exchange(soci::into(row.tokens_in));
  st.exchange(soci::into(row.tokens_out));
  st.exchange(soci::into(row.cost_usd));
  st.exchange(soci::into(latency_ms));
  st.exchange(soci::into(row.outcome));
  st.exchange(soci::into(row.attempts));
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(
      "SELECT user_id, request_id, capability, provider, model, tokens_in, tokens_out, cost_usd,"
      " latency_ms, outcome, attempts FROM ai_usage ORDER BY id DESC LIMIT :limit",
      soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) {
    ai::UsageRecord out = row;
    out.user_id = user_id_ind == soci::i_ok ? std::optional<std::string>(user_id) : std::nullopt;
    out.request_id = request_id_ind == soci::i_ok ? request_id : std::string();
    out.capability = enum_column("ai_usage.capability", capability, config::capability_from_string);
    out.latency = std::chrono::milliseconds(latency_ms);
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace moodgate::store
