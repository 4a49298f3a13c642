// database_url: turns the `database.url` setting into what SOCI 4.0.3 needs to connect.
//
//   sqlite:///var/moodgate.db     -> relative path "var/moodgate.db"
//   sqlite:////srv/moodgate.db    -> absolute path "/srv/moodgate.db"
//   postgresql://user:pass@host:5432/db?sslmode=require   (also postgres://)
//
// SOCI 4.0.3 takes neither URIs nor arbitrary libpq quoting: its PostgreSQL factory re-tokenises
// the connect string on whitespace (understanding only "..." quotes, which it strips) before
// libpq sees it, and its SQLite backend splits on spaces with "..." for paths with spaces.
// build_postgres_connect_string() and the SQLite path quoting below produce strings that survive
// that re-tokenising byte for byte; the few values no encoding can carry are refused with an
// Error. Error messages name the part that is wrong and never contain the password.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"

namespace moodgate::store {

enum class Backend { kSqlite, kPostgres };

// "sqlite" or "postgresql".
const char* backend_name(Backend backend);

struct DatabaseUrl {
  Backend backend = Backend::kSqlite;
  std::string connect_string;  // for soci::session::open with the backend's factory
  std::string display;         // the URL with any password masked: safe to log and show
  std::string sqlite_path;     // kSqlite only: the database file as given (relative or absolute)
};

struct UrlOptions {
  int busy_timeout_ms = 5000;  // SQLite: how long a locked database is waited for
  int connect_timeout_s = 5;   // PostgreSQL: libpq connect_timeout (a URL parameter overrides it)
};

// Parses a database URL; an Error (kInvalidInput, field "database.url") says what is wrong.
Result<DatabaseUrl> parse_database_url(std::string_view url, const UrlOptions& options = {});

// Builds a libpq key=value string from ordered parameters so that SOCI 4.0.3 hands exactly these
// values to libpq. An Error names the parameter (never its value) that cannot be carried.
Result<std::string> build_postgres_connect_string(
    const std::vector<std::pair<std::string, std::string>>& params);

// Decodes %XX escapes; an Error names `what` (e.g. "password") when an escape is malformed or
// decodes to a NUL byte. '+' is kept as is (URLs, not forms).
Result<std::string> percent_decode(std::string_view text, std::string_view what);

}  // namespace moodgate::store
