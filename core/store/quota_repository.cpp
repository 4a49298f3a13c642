#include "core/store/quota_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/common/time_format.h"
#include "core/common/uuid.h"
#include "core/store/quota_statements.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {
namespace {

using config::Capability;
using quota_sql::Attempt;

// Attempts of a reservation refused while the read after it finds no limit in the way (a call
// or spend was given back in between).
constexpr int kReserveAttempts = 3;

std::int64_t window_start(std::int64_t now_s, int window_s) {
  return now_s - now_s % window_s;
}

std::string rfc3339(std::int64_t unix_s) {
  return format_rfc3339_ms(from_unix_seconds(unix_s));
}

// Runs `work` inside a SAVEPOINT -- a transaction of its own when none is open -- so the
// statements of one operation commit together, and rolls it back when `work` throws. For
// SQLite: PostgreSQL has savepoints only inside a transaction, and needs none here (each of its
// operations is one statement).
template <typename Work>
auto in_savepoint(soci::session& sql, Work&& work) -> decltype(work()) {
  sql << "SAVEPOINT quota";
  try {
    auto out = work();
    sql << "RELEASE quota";
    return out;
  } catch (...) {
    try {
      sql << "ROLLBACK TO quota";
      sql << "RELEASE quota";
    } catch (const std::exception&) {
      // The connection broke; the first error is the one worth reporting.
    }
    throw;
  }
}

// Binds what quota_sql::count_upsert() reads; the estimate too when `estimate` (it reads it only
// when it counts spend).
void bind_count(soci::statement& st, const Attempt& a, bool estimate) {
  st.exchange(soci::use(a.user_id, "user_id"));
  if (a.calls) {
    st.exchange(soci::use(a.calls_window, "calls_window"));
    st.exchange(soci::use(a.calls_limit, "calls_limit"));
  }
  if (a.spend) {
    st.exchange(soci::use(a.spend_window, "spend_window"));
    st.exchange(soci::use(a.spend_limit, "spend_limit"));
  }
  if (estimate) st.exchange(soci::use(a.estimate, "estimate"));
}

// PostgreSQL: counts and records in ONE statement. The upsert runs under the counter row's lock
// and its RETURNING feeds the reservation's insert, so the reservation exists exactly when the
// call was counted. True when counted.
bool count_and_record_postgres(soci::session& sql, const Attempt& a) {
  std::string id;
  soci::indicator id_ind = soci::i_null;
  execute_exchanged(sql,
                    "WITH counted AS (" + quota_sql::count_upsert(a) + ") " +
                        quota_sql::kInsertReservation + "SELECT :id, user_id" +
                        quota_sql::reservation_values(a, Backend::kPostgres) +
                        " FROM counted RETURNING id",
                    [&](soci::statement& st) {
                      bind_count(st, a, true);
                      st.exchange(soci::use(a.id, "id"));
                      st.exchange(soci::use(a.expires_at, "expires_at"));
                      st.exchange(soci::into(id, id_ind));
                    });
  return id_ind == soci::i_ok;
}

// SQLite: the upsert, then the reservation's row, in one savepoint. True when counted.
bool count_and_record_sqlite(soci::session& sql, const Attempt& a) {
  return in_savepoint(sql, [&] {
    std::string user_id;
    soci::indicator counted = soci::i_null;
    execute_exchanged(sql, quota_sql::count_upsert(a), [&](soci::statement& st) {
      bind_count(st, a, a.spend);
      st.exchange(soci::into(user_id, counted));
    });
    if (counted != soci::i_ok) return false;
    execute_exchanged(sql,
                      quota_sql::kInsertReservation + std::string("VALUES (:id, :user_id") +
                          quota_sql::reservation_values(a, Backend::kSqlite) + ")",
                      [&](soci::statement& st) {
                        st.exchange(soci::use(a.id, "id"));
                        st.exchange(soci::use(a.user_id, "user_id"));
                        if (a.calls) st.exchange(soci::use(a.calls_window, "calls_window"));
                        if (a.spend) st.exchange(soci::use(a.spend_window, "spend_window"));
                        st.exchange(soci::use(a.estimate, "estimate"));
                        st.exchange(soci::use(a.expires_at, "expires_at"));
                      });
    return true;
  });
}

// One user's counter row; a user without one has counted nothing.
struct Counters {
  std::map<Capability, std::pair<long long, long long>> calls;  // window start, calls
  long long spend_window = 0;
  long long spend_micros = 0;
};

Counters read_counters(soci::session& sql, const std::string& user_id) {
  Counters out;
  for (const Capability c : config::kCapabilities) out.calls[c] = {0, 0};
  soci::statement st(sql);
  st.exchange(soci::into(out.spend_window));
  st.exchange(soci::into(out.spend_micros));
  for (const Capability c : config::kCapabilities) {
    st.exchange(soci::into(out.calls[c].first));
    st.exchange(soci::into(out.calls[c].second));
  }
  st.exchange(soci::use(user_id, "user_id"));
  st.alloc();
  st.prepare(quota_sql::counters_select(), soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(true);  // no row: nothing counted yet, the zeros stay
  return out;
}

// The meter of a limit of `allowed` per `window_s` (allowed 0: none) whose counter holds `used`
// in the window starting at `counted_window`.
QuotaMeter meter(long long allowed, int window_s, long long counted_window, long long used,
                 std::int64_t now_s) {
  QuotaMeter m;
  if (allowed <= 0) return m;
  const std::int64_t start = window_start(now_s, window_s);
  m.used = counted_window == start ? used : 0;
  m.limit = allowed;
  m.remaining = std::max<long long>(0, allowed - m.used);
  m.resets_at = start + window_s;
  return m;
}

// The limit in the way of `a`, by the counters read after its refused attempt: the one whose
// window ends later when both are; nullopt when neither is (something was given back since).
std::optional<QuotaRefusal> limit_in_the_way(const Attempt& a, const Counters& counters,
                                             const config::RateLimitRule& calls,
                                             const config::SpendLimitRule& spend) {
  std::optional<QuotaRefusal> out;
  if (a.calls) {
    const auto [window, used] = counters.calls.at(a.capability);
    if (window == a.calls_window && used >= a.calls_limit) {
      out = QuotaRefusal{QuotaRefusal::Limit::kCalls, a.calls_limit, used,
                         a.calls_window + calls.window_s};
    }
  }
  if (a.spend && counters.spend_window == a.spend_window &&
      counters.spend_micros >= a.spend_limit) {
    const std::int64_t resets_at = a.spend_window + spend.window_s;
    if (!out || resets_at > out->resets_at) {
      out = QuotaRefusal{QuotaRefusal::Limit::kSpend, a.spend_limit, counters.spend_micros,
                         resets_at};
    }
  }
  return out;
}

// Deletes the reservations matching `filter` (with the uses `bind` adds) and gives back what
// they counted (quota_sql::give_back_sets()); returns how many it deleted. Whoever deletes a row
// gives back its counts, so concurrent calls never give back one reservation twice.
template <typename Bind>
long long give_back(soci::session& sql, Backend backend, const std::string& filter, bool calls,
                    long long kept_micros, Bind bind) {
  if (backend == Backend::kPostgres) {
    long long deleted = 0;
    execute_exchanged(sql,
                      "WITH gone AS (DELETE FROM quota_reservations WHERE " + filter +
                          " RETURNING " + quota_sql::kGoneFields +
                          "), given_back AS (UPDATE quota_counters AS q SET " +
                          quota_sql::give_back_sets("gone", calls, kept_micros) +
                          " WHERE q.user_id IN (SELECT user_id FROM gone) RETURNING 1)"
                          " SELECT count(*) FROM gone",
                      [&](soci::statement& st) {
                        bind(st);
                        st.exchange(soci::into(deleted));
                      });
    return deleted;
  }
  const std::string gone = std::string("(SELECT ") + quota_sql::kGoneFields +
                           " FROM quota_reservations WHERE " + filter + ")";
  return in_savepoint(sql, [&] {
    execute_exchanged(sql,
                      "UPDATE quota_counters AS q SET " +
                          quota_sql::give_back_sets(gone, calls, kept_micros) +
                          " WHERE q.user_id IN (SELECT user_id FROM " + gone + ")",
                      bind);
    return execute_exchanged(sql, "DELETE FROM quota_reservations WHERE " + filter, bind);
  });
}

}  // namespace

QuotaRepository::QuotaRepository(soci::session& sql) : sql_(sql), backend_(backend_of(sql)) {}

QuotaReservation QuotaRepository::reserve(const std::string& user_id, config::Capability capability,
                                          const config::RateLimitRule& calls,
                                          const config::SpendLimitRule& spend,
                                          long long estimated_micros, std::int64_t now_s,
                                          int ttl_s) {
  if (estimated_micros < 0) throw std::invalid_argument("quota reserve: negative estimate");
  if (ttl_s < 1) throw std::invalid_argument("quota reserve: ttl below 1 s");
  Attempt a;
  a.user_id = user_id;
  a.capability = capability;
  a.calls = calls.enabled();
  a.spend = spend.enabled();
  if (!a.calls && !a.spend) return {};
  if (a.calls) {
    a.calls_window = window_start(now_s, calls.window_s);
    a.calls_limit = calls.limit;
  }
  if (a.spend) {
    a.spend_window = window_start(now_s, spend.window_s);
    a.spend_limit = spend.micros;
  }
  a.estimate = estimated_micros;
  a.expires_at = rfc3339(now_s + ttl_s);
  for (int attempt = 1;; ++attempt) {
    a.id = new_uuid();
    const bool counted = backend_ == Backend::kPostgres ? count_and_record_postgres(sql_, a)
                                                        : count_and_record_sqlite(sql_, a);
    if (counted) return {a.id, std::nullopt};
    // Refused: only now is the row read, to say which limit and until when.
    const Counters counters = read_counters(sql_, user_id);
    if (auto refusal = limit_in_the_way(a, counters, calls, spend)) return {"", refusal};
    if (attempt == kReserveAttempts) {
      // Given back three times in a row between attempt and read: refuse on the calls limit
      // (else the spend cap) as it stands, rather than loop.
      if (a.calls) {
        return {"", QuotaRefusal{QuotaRefusal::Limit::kCalls, a.calls_limit,
                                 counters.calls.at(capability).second,
                                 a.calls_window + calls.window_s}};
      }
      return {"", QuotaRefusal{QuotaRefusal::Limit::kSpend, a.spend_limit, counters.spend_micros,
                               a.spend_window + spend.window_s}};
    }
  }
}

bool QuotaRepository::settle(const std::string& id, long long actual_micros) {
  if (actual_micros < 0) throw std::invalid_argument("quota settle: negative cost");
  if (id.empty()) return false;
  return give_back(sql_, backend_, "id = :id", false, actual_micros,
                   [&](soci::statement& st) { st.exchange(soci::use(id, "id")); }) == 1;
}

bool QuotaRepository::refund(const std::string& id) {
  if (id.empty()) return false;
  return give_back(sql_, backend_, "id = :id", true, 0,
                   [&](soci::statement& st) { st.exchange(soci::use(id, "id")); }) == 1;
}

long long QuotaRepository::expire(std::int64_t now_s) {
  const std::string now = rfc3339(now_s);
  std::vector<std::string> users;
  {
    std::string user_id;
    soci::statement st(sql_);
    st.exchange(soci::into(user_id));
    st.exchange(soci::use(now, "now"));
    st.alloc();
    st.prepare("SELECT DISTINCT user_id FROM quota_reservations WHERE expires_at < " +
                   time_param(backend_, "now"),
               soci::details::st_one_time_query);
    st.define_and_bind();
    for (bool got = st.execute(true); got; got = st.fetch()) users.push_back(user_id);
  }
  // One user per statement: a statement then locks one counter row, so sweepers running at once
  // never wait on each other in a cycle. On PostgreSQL the user's expired rows are taken FOR
  // UPDATE SKIP LOCKED: rows another sweeper (or a settle) holds are its to give back.
  const std::string expired = "user_id = :user_id AND expires_at < " + time_param(backend_, "now");
  const std::string filter =
      backend_ == Backend::kPostgres
          ? "id IN (SELECT id FROM quota_reservations WHERE " + expired + " FOR UPDATE SKIP LOCKED)"
          : expired;
  long long refunded = 0;
  for (const std::string& user_id : users) {
    refunded += give_back(sql_, backend_, filter, true, 0, [&](soci::statement& st) {
      st.exchange(soci::use(user_id, "user_id"));
      st.exchange(soci::use(now, "now"));
    });
  }
  return refunded;
}

QuotaUsage QuotaRepository::usage(const std::string& user_id, const config::QuotaLimits& limits,
                                  std::int64_t now_s) {
  const Counters counters = read_counters(sql_, user_id);
  QuotaUsage out;
  for (const Capability c : config::kCapabilities) {
    const config::RateLimitRule& rule = limits.calls(c);
    const auto [window, used] = counters.calls.at(c);
    out.calls[c] = meter(rule.limit, rule.window_s, window, used, now_s);
  }
  out.spend = meter(limits.spend_usd.micros, limits.spend_usd.window_s, counters.spend_window,
                    counters.spend_micros, now_s);
  return out;
}

}  // namespace moodgate::store
