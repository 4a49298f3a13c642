// The few places where the SQL of the two backends differs, spelled once.
//
// Repositories write one statement for both backends and ask here for the pieces that differ:
// how a time column reads back as RFC 3339 text, and how RFC 3339 text binds to a time column.
// Times cross this boundary only as text in format_rfc3339_ms()'s shape ("...T09:15:02.123Z"):
// SQLite stores exactly that text; PostgreSQL stores timestamptz.
#pragma once

#include <string>
#include <string_view>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

// Which backend a session talks to.
Backend backend_of(soci::session& session);

// A select-list expression reading time column `column` as RFC 3339 UTC text with milliseconds.
std::string time_text(Backend backend, std::string_view column);

// An expression for the UTC calendar day of time column `column`, as "YYYY-MM-DD" text.
std::string utc_date_text(Backend backend, std::string_view column);

// An expression for the number of days from 1970-01-01 to `date_text` ("YYYY-MM-DD" text).
std::string day_number(Backend backend, std::string_view date_text);

// A placeholder binding RFC 3339 text named `name` (without the colon) as a time value.
std::string time_param(Backend backend, std::string_view name);

}  // namespace moodgate::store
