// Running a statement and learning how many rows it changed, on either backend.
//
// `sql << ...` cannot report affected rows, and session::prepare makes a named server-side
// statement on PostgreSQL (lost on reconnect, broken behind PgBouncer; see reference/stack.md).
// execute_counted() does what `sql << ...` does internally -- a one-time query, an unnamed
// PQexecParams on PostgreSQL -- and returns soci::statement::get_affected_rows().
#pragma once

#include <soci/soci.h>

#include <string>
#include <utility>

namespace moodgate::store {

// Runs `query` once with the bindings `exchange(statement)` adds (uses, and intos for a one-row
// answer), for bindings chosen at run time; returns the rows it changed.
template <typename Exchange>
long long execute_exchanged(soci::session& sql, const std::string& query, Exchange&& exchange) {
  soci::statement st(sql);
  std::forward<Exchange>(exchange)(st);
  st.alloc();
  st.prepare(query, soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

template <typename... Uses>
long long execute_counted(soci::session& sql, const std::string& query, Uses&&... uses) {
  return execute_exchanged(
      sql, query, [&](soci::statement& st) { (st.exchange(std::forward<Uses>(uses)), ...); });
}

}  // namespace moodgate::store
