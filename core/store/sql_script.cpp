#include "core/store/sql_script.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

namespace moodgate::store {
namespace {

void execute_sqlite(soci::sqlite3_session_backend& backend, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite_api::sqlite3_exec(backend.conn_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string text = message != nullptr ? message : sqlite_api::sqlite3_errstr(rc);
  sqlite_api::sqlite3_free(message);
  throw soci::sqlite3_soci_error("Cannot execute script: " + text, rc);
}

void execute_postgres(soci::postgresql_session_backend& backend, const std::string& sql) {
  // PQexec runs a multi-statement string in one round trip and reports the first failure; with
  // a transaction already open (BEGIN) the statements are part of it.
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(backend.conn_, sql.c_str()),
                                                       &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return;
  }
  const char* sqlstate = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  std::string text = result ? PQresultErrorMessage(result.get()) : PQerrorMessage(backend.conn_);
  // Connection-level failures carry no SQLSTATE; 08006 (connection_failure) makes Database
  // treat them as a lost connection.
  if (sqlstate == nullptr && PQstatus(backend.conn_) != CONNECTION_OK) sqlstate = "08006";
  throw soci::postgresql_soci_error("Cannot execute script: " + text,
                                    sqlstate != nullptr ? sqlstate : "XX000");
}

}  // namespace

void execute_script(soci::session& session, const std::string& sql) {
  soci::details::session_backend* backend = session.get_backend();
  if (backend == nullptr) throw soci::soci_error("Session is not connected.");
  const std::string name = backend->get_backend_name();
  if (name == "sqlite3") {
    execute_sqlite(*static_cast<soci::sqlite3_session_backend*>(backend), sql);
  } else if (name == "postgresql") {
    execute_postgres(*static_cast<soci::postgresql_session_backend*>(backend), sql);
  } else {
    throw soci::soci_error("execute_script does not support the " + name + " backend");
  }
}

}  // namespace moodgate::store
