// sql_script: runs a whole SQL script (several statements, comments, dollar-quoted bodies,
// triggers) on a SOCI session, by handing it to the database's own parser.
//
// SOCI executes one statement per call (SQLite silently ignores everything after the first),
// so migrations go through sqlite3_exec / PQexec on the session's native handle instead of a
// hand-written statement splitter. Failures are thrown as the backend's soci error type, so
// Database::run() classifies them like any other database error.
//
// Not thread-safe beyond the session's own rules: call it with a leased session.
#pragma once

#include <string>

namespace soci {
class session;
}  // namespace soci

namespace moodgate::store {

// Executes every statement of `sql` in order; throws soci::postgresql_soci_error /
// soci::sqlite3_soci_error (or soci::soci_error for an unknown backend) on the first failure.
void execute_script(soci::session& session, const std::string& sql);

}  // namespace moodgate::store
