#include "core/store/migrations.h"

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/store/sql_script.h"

namespace moodgate::store {
namespace {

namespace fs = std::filesystem;

// pg_advisory_lock key shared by every instance: "moodgate" in ASCII.
constexpr long long kMigrationLockKey = 0x6d6f6f6467617465LL;

const char* dialect_dir(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgresql";
}

Error migration_error(std::string message) {
  return Error(ErrorCode::kInternal, std::move(message));
}

std::string padded(int version) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", version);
  return buf;
}

// Parses "NNNN_description.sql"; nullopt if the name does not follow the pattern.
std::optional<int> version_of(const std::string& file_name) {
  const std::size_t underscore = file_name.find('_');
  if (underscore == std::string::npos || underscore < 4 || underscore > 9) return std::nullopt;
  int version = 0;
  for (std::size_t i = 0; i < underscore; ++i) {
    if (file_name[i] < '0' || file_name[i] > '9') return std::nullopt;
    version = version * 10 + (file_name[i] - '0');
  }
  const std::string description =
      file_name.substr(underscore + 1, file_name.size() - underscore - 5);
  if (version == 0 || description.empty()) return std::nullopt;
  for (char c : description) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return std::nullopt;
  }
  return version;
}

std::string create_table_sql(Backend backend) {
  if (backend == Backend::kPostgres) {
    return "CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version integer PRIMARY KEY,"
           " name text NOT NULL,"
           " checksum text NOT NULL,"
           " applied_at timestamptz NOT NULL DEFAULT now())";
  }
  return "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " version INTEGER PRIMARY KEY,"
         " name TEXT NOT NULL,"
         " checksum TEXT NOT NULL,"
         " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT";
}

// Reads schema_migrations; the table must exist.
std::vector<AppliedMigration> read_applied(soci::session& session, Backend backend) {
  int count = 0;
  session << "SELECT count(*) FROM schema_migrations", soci::into(count);
  std::vector<AppliedMigration> rows;
  if (count == 0) return rows;
  std::vector<int> versions(static_cast<std::size_t>(count) + 1);
  std::vector<std::string> names(versions.size());
  std::vector<std::string> checksums(versions.size());
  std::vector<std::string> times(versions.size());
  const std::string applied_at =
      backend == Backend::kPostgres
          ? "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
          : "applied_at";
  session << "SELECT version, name, checksum, " + applied_at +
                 " FROM schema_migrations ORDER BY version",
      soci::into(versions), soci::into(names), soci::into(checksums), soci::into(times);
  for (std::size_t i = 0; i < versions.size(); ++i) {
    rows.push_back({versions[i], names[i], checksums[i], times[i]});
  }
  return rows;
}

bool table_exists(soci::session& session, Backend backend) {
  int count = 0;
  if (backend == Backend::kPostgres) {
    session << "SELECT count(*) FROM pg_catalog.pg_tables"
               " WHERE schemaname = current_schema() AND tablename = 'schema_migrations'",
        soci::into(count);
  } else {
    session << "SELECT count(*) FROM sqlite_master"
               " WHERE type = 'table' AND name = 'schema_migrations'",
        soci::into(count);
  }
  return count > 0;
}

// Holds the PostgreSQL migration lock on one session; releases it when destroyed.
class AdvisoryLock {
 public:
  AdvisoryLock(Database& db, SessionLease& lease) : db_(db), lease_(lease) {}
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;
  ~AdvisoryLock() {
    if (!held_) return;
    Status released = db_.run(lease_, "migrations.unlock", [](soci::session& session) {
      int unlocked = 0;
      session << "SELECT CAST(pg_advisory_unlock(:k) AS integer)", soci::use(kMigrationLockKey),
          soci::into(unlocked);
    });
    if (!released) spdlog::warn("could not release the migration lock (dropped with session)");
  }

  Status acquire() {
    auto got = db_.run(lease_, "migrations.lock", [](soci::session& session) {
      int locked = 0;
      session << "SELECT CAST(pg_try_advisory_lock(:k) AS integer)", soci::use(kMigrationLockKey),
          soci::into(locked);
      if (locked == 0) {
        spdlog::info("another instance is migrating the database; waiting for it");
        session << "SELECT pg_advisory_lock(:k)", soci::use(kMigrationLockKey);
      }
    });
    if (!got) return got;
    held_ = true;
    return {};
  }

 private:
  Database& db_;
  SessionLease& lease_;
  bool held_ = false;
};

// Refuses edited migrations and holes in the history; returns the files still to apply.
Result<std::vector<const MigrationFile*>> pending_files(
    const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied) {
  std::map<int, const AppliedMigration*> recorded;
  for (const auto& row : applied) recorded[row.version] = &row;
  const int newest = applied.empty() ? 0 : applied.back().version;
  std::vector<const MigrationFile*> pending;
  for (const auto& file : files) {
    auto it = recorded.find(file.version);
    if (it == recorded.end()) {
      if (file.version < newest) {
        return migration_error("migration " + file.name + " was never applied but " +
                               padded(newest) +
                               " already was; give it a number above the newest instead");
      }
      pending.push_back(&file);
      continue;
    }
    if (it->second->checksum != file.checksum) {
      return migration_error("migration " + file.name + " changed after it was applied (recorded " +
                             it->second->checksum + ", file " + file.checksum +
                             "); released migrations are never edited: add a new one instead");
    }
    recorded.erase(it);
  }
  for (const auto& [version, row] : recorded) {
    spdlog::warn("database has migration {} ({}) that this build does not know", padded(version),
                 row->name);
  }
  return pending;
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\r' && i + 1 < sql.size() && sql[i + 1] == '\n') continue;
    hash ^= static_cast<unsigned char>(sql[i]);
    hash *= 1099511628211ULL;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::string default_schema_dir() {
  if (const char* env = std::getenv("MOODGATE_SCHEMA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / ".." / "share" / "moodgate" / "schema";
    if (fs::is_directory(installed, ec)) return installed.lexically_normal().string();
  }
#ifdef MOODGATE_SCHEMA_DIR
  return MOODGATE_SCHEMA_DIR;
#else
  return "schema";
#endif
}

Result<std::vector<MigrationFile>> load_migrations(const std::string& schema_dir, Backend backend) {
  const fs::path dir = fs::path(schema_dir) / dialect_dir(backend);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return migration_error("schema directory " + dir.string() +
                           " not found (set MOODGATE_SCHEMA_DIR to the schema/ folder)");
  }
  std::vector<MigrationFile> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    const auto version = version_of(name);
    if (!version) {
      return migration_error("migration file " + name +
                             " is not named NNNN_description.sql (lower case, digits, '_')");
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return migration_error("cannot read migration file " + entry.path().string());
    files.push_back({*version, name, migration_checksum(text.str()), text.str()});
  }
  if (ec) return migration_error("cannot list " + dir.string() + ": " + ec.message());
  if (files.empty()) return migration_error("no migrations in " + dir.string());
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].version == files[i - 1].version) {
      return migration_error("migrations " + files[i - 1].name + " and " + files[i].name +
                             " share version " + padded(files[i].version));
    }
  }
  return files;
}

Result<std::vector<AppliedMigration>> applied_migrations(Database& db) {
  const Backend backend = db.backend();
  return db.run("migrations.list", [backend](soci::session& session) {
    return table_exists(session, backend) ? read_applied(session, backend)
                                          : std::vector<AppliedMigration>{};
  });
}

Result<MigrationReport> migrate(Database& db, const std::string& schema_dir) {
  const Backend backend = db.backend();
  auto files = load_migrations(schema_dir, backend);
  if (!files) return std::move(files).error();

  // One session for the whole run: the PostgreSQL advisory lock belongs to it.
  auto lease = db.acquire();
  if (!lease) return std::move(lease).error();
  AdvisoryLock lock(db, *lease);
  if (backend == Backend::kPostgres) {
    if (auto locked = lock.acquire(); !locked) return std::move(locked).error();
  }

  auto applied = db.run(*lease, "migrations.read", [backend](soci::session& session) {
    session << create_table_sql(backend);
    return read_applied(session, backend);
  });
  if (!applied) return std::move(applied).error();
  auto pending = pending_files(*files, *applied);
  if (!pending) return std::move(pending).error();

  MigrationReport report;
  report.already_applied = static_cast<int>(applied->size());
  for (const MigrationFile* file : *pending) {
    auto done = db.transaction(*lease, "migrations.apply", [&](soci::session& session) {
      int recorded = 0;
      session << "SELECT count(*) FROM schema_migrations WHERE version = :v",
          soci::use(file->version), soci::into(recorded);
      if (recorded > 0) return false;  // another instance got there first (SQLite)
      execute_script(session, file->sql);
      session << "INSERT INTO schema_migrations (version, name, checksum)"
                 " VALUES (:v, :n, :c)",
          soci::use(file->version), soci::use(file->name), soci::use(file->checksum);
      return true;
    });
    if (!done) {
      Error error = std::move(done).error();
      error.message = "migration " + file->name + " failed: " + error.message +
                      " (the log has the database's reason)";
      return error;
    }
    if (*done) {
      spdlog::info("applied migration {} to {}", file->name, db.display_url());
      report.applied.push_back({file->version, file->name, file->checksum, ""});
    } else {
      ++report.already_applied;
    }
  }

  auto final_rows = db.run(*lease, "migrations.read", [backend](soci::session& session) {
    return read_applied(session, backend);
  });
  if (!final_rows) return std::move(final_rows).error();
  for (auto& row : report.applied) {
    for (const auto& recorded : *final_rows) {
      if (recorded.version == row.version) row.applied_at = recorded.applied_at;
    }
  }
  report.schema_version = final_rows->empty() ? 0 : final_rows->back().version;
  return report;
}

}  // namespace moodgate::store
