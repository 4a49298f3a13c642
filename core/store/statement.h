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

template <typename... Uses>
long long execute_counted(soci::session& sql, const std::string& query, Uses&&... uses) {
  soci::statement st(sql);
  (st.exchange(std::forward<Uses>(uses)), ...);
  st.alloc();
  st.prepare(query, soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace moodgate::store
