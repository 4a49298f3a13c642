// migrations: brings a database's schema up to date from numbered SQL files.
//
// Layout: <schema_dir>/postgresql/NNNN_description.sql and <schema_dir>/sqlite/NNNN_...sql —
// the dialects differ, the versions and meaning match. Each pending file runs in its own
// transaction together with its row in schema_migrations(version, name, checksum, applied_at),
// so a failed migration leaves nothing behind. A released migration is never edited: a recorded
// migration whose file no longer has the recorded checksum stops the run with an Error.
//
// Safe to run from several instances at once: on PostgreSQL the whole run holds a session-level
// advisory lock, on SQLite each migration starts with BEGIN IMMEDIATE and re-checks that it is
// still pending. Either way every migration is applied exactly once, and a second run applies
// nothing.
//
// Limits: a file runs inside a transaction, so statements PostgreSQL refuses there (CREATE INDEX
// CONCURRENTLY, ALTER TYPE ... ADD VALUE before 12) do not belong in a migration.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/store/database.h"

namespace moodgate::store {

// One migration file of the backend's dialect.
struct MigrationFile {
  int version = 0;       // from the NNNN prefix
  std::string name;      // the file name, e.g. "0001_initial.sql"
  std::string checksum;  // migration_checksum() of the contents
  std::string sql;
};

// One row of schema_migrations.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // RFC 3339 UTC with milliseconds
};

struct MigrationReport {
  std::vector<AppliedMigration> applied;  // applied by this run, in order
  int already_applied = 0;                // found recorded (by an earlier run or another instance)
  int schema_version = 0;                 // the highest version recorded after the run
};

// Applies the pending migrations of <schema_dir>/<dialect>/ in version order.
Result<MigrationReport> migrate(Database& db, const std::string& schema_dir);

// The rows of schema_migrations in version order (empty if the table does not exist yet).
Result<std::vector<AppliedMigration>> applied_migrations(Database& db);

// Reads <schema_dir>/<dialect>/*.sql in version order; an Error names a bad file name, a
// duplicate version or a missing directory.
Result<std::vector<MigrationFile>> load_migrations(const std::string& schema_dir, Backend backend);

// The checksum recorded for a migration: FNV-1a 64 of the text with CRLF read as LF (it guards
// against edits, not against an attacker), as "fnv1a64:<16 hex digits>".
std::string migration_checksum(std::string_view sql);

// Where the schema files are: $MOODGATE_SCHEMA_DIR if set, else <exe dir>/../share/moodgate/schema
// if it exists (an installed build), else the source tree's schema/ (compile-time default).
std::string default_schema_dir();

}  // namespace moodgate::store
