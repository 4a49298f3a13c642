#include "core/store/database.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace moodgate::store {
namespace {

// SQLite primary result codes (sqlite3.h), kept here so this file needs no sqlite3 header.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteConstraint = 19;

enum class Failure { kConnectionLost, kBusy, kConflict, kOther };

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

Failure classify_postgres(const std::string& sqlstate) {
  if (starts_with(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return Failure::kConnectionLost;  // connection exception, or the server shutting down
  }
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014" ||
      starts_with(sqlstate, "53")) {
    return Failure::kBusy;  // serialization, deadlock, lock/statement timeout, out of resources
  }
  if (sqlstate == "23505") return Failure::kConflict;
  return Failure::kOther;
}

}  // namespace

// ---- SessionLease -------------------------------------------------------------------------

SessionLease::SessionLease(SessionLease&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), pos_(other.pos_) {}

SessionLease& SessionLease::operator=(SessionLease&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) db_->give_back(pos_);
    db_ = std::exchange(other.db_, nullptr);
    pos_ = other.pos_;
  }
  return *this;
}

SessionLease::~SessionLease() {
  if (db_ != nullptr) db_->give_back(pos_);
}

soci::session& SessionLease::session() const {
  return db_->pool_->at(pos_);
}

// ---- Database -----------------------------------------------------------------------------

Database::Database(DatabaseUrl url, const config::DatabaseConfig& config)
    : url_(std::move(url)),
      acquire_timeout_ms_(std::max(config.acquire_timeout_ms, 0)),
      busy_timeout_ms_(std::max(config.busy_timeout_ms, 0)),
      pool_(std::make_unique<soci::connection_pool>(static_cast<std::size_t>(config.pool_size))),
      slots_(static_cast<std::size_t>(config.pool_size)) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const config::DatabaseConfig& config) {
  if (config.pool_size < 1 || config.pool_size > 1000) {
    return Error::invalid_input("database.pool_size must be between 1 and 1000",
                                "database.pool_size");
  }
  auto url = parse_database_url(config.url, {config.busy_timeout_ms, config.connect_timeout_s});
  if (!url) return std::move(url).error();

  if (url->backend == Backend::kSqlite) {
    const std::filesystem::path parent = std::filesystem::path(url->sqlite_path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      spdlog::error("cannot create the directory of {}: {}", url->display, ec.message());
      return Error(ErrorCode::kUnavailable,
                   "cannot create the directory of the SQLite database " + url->display);
    }
  }
  std::unique_ptr<Database> db(new Database(std::move(url).value(), config));
  if (auto opened = db->open_sessions(); !opened) return std::move(opened).error();
  spdlog::info("database {} open with {} sessions", db->display_url(), db->pool_size());
  return db;
}

Status Database::open_sessions() {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    soci::session& session = pool_->at(i);
    try {
      if (url_.backend == Backend::kSqlite) {
        session.open(soci::sqlite3, url_.connect_string);
      } else {
        session.open(soci::postgresql, url_.connect_string);
      }
      configure_session(session);
    } catch (const std::exception& e) {
      spdlog::error("cannot open a session to {}: {}", url_.display, e.what());
      return Error(ErrorCode::kUnavailable,
                   "cannot connect to the database " + url_.display + " (the log says why)");
    }
  }
  return {};
}

void Database::configure_session(soci::session& session) const {
  if (url_.backend != Backend::kSqlite)
    return;  // PostgreSQL's settings ride in the connect
             // string, so they survive reconnect().
  std::string journal_mode;
  session << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
  if (journal_mode != "wal") {
    spdlog::warn("SQLite {} refused WAL mode (journal_mode={})", url_.display, journal_mode);
  }
  session << "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms_);
  session << "PRAGMA foreign_keys = ON";
  session << "PRAGMA synchronous = NORMAL";
}

Result<SessionLease> Database::acquire() {
  return acquire(std::chrono::milliseconds(acquire_timeout_ms_));
}

Result<SessionLease> Database::acquire(std::chrono::milliseconds timeout) {
  MG_EXPECT_MAY_BLOCK();
  std::size_t pos = 0;
  const int timeout_ms = static_cast<int>(std::clamp<long long>(timeout.count(), 0, 3600000));
  bool leased = false;
  try {
    leased = pool_->try_lease(pos, timeout_ms);
  } catch (const std::exception& e) {
    spdlog::error("database pool lease failed: {}", e.what());
  }
  if (!leased) {
    spdlog::warn("no database session came free within {} ms", timeout_ms);
    return Error::unavailable("database unavailable: all connections are busy");
  }
  SessionLease lease(this, pos);
  if (auto healed = heal(pos); !healed) return std::move(healed).error();
  return lease;
}

void Database::give_back(std::size_t pos) {
  pool_->give_back(pos);
}

Status Database::heal(std::size_t pos) {
  Slot& slot = slots_[pos];
  const std::uint64_t epoch = connection_epoch_.load();
  const bool suspect = url_.backend == Backend::kPostgres && slot.checked_epoch < epoch;
  if (!slot.needs_reconnect && !suspect) return {};
  soci::session& session = pool_->at(pos);
  if (!slot.needs_reconnect && session.is_connected()) {
    slot.checked_epoch = epoch;
    return {};
  }
  try {
    session.reconnect();
    configure_session(session);
  } catch (const std::exception& e) {
    slot.needs_reconnect = true;
    spdlog::warn("database {}: reconnecting session {} failed: {}", url_.display, pos, e.what());
    return Error::unavailable("database unavailable");
  }
  slot.needs_reconnect = false;
  slot.checked_epoch = epoch;
  spdlog::info("database {}: session {} reconnected", url_.display, pos);
  return {};
}

Status Database::ping() {
  return ping(std::chrono::milliseconds(acquire_timeout_ms_));
}

Status Database::ping(std::chrono::milliseconds acquire_timeout) {
  auto lease = acquire(acquire_timeout);
  if (!lease) return std::move(lease).error();
  for (int attempt = 0;; ++attempt) {
    Status status = run(*lease, "ping", [](soci::session& session) {
      int one = 0;
      session << "SELECT 1", soci::into(one);
    });
    if (status.ok() || attempt > 0 || !slots_[lease->position()].needs_reconnect) return status;
    if (auto healed = heal(lease->position()); !healed) return healed;
  }
}

Error Database::error_from_current_exception(SessionLease& lease, std::string_view what) {
  Failure failure = Failure::kOther;
  std::string detail;
  bool driver_error = false;
  try {
    throw;
  } catch (const soci::postgresql_soci_error& e) {
    detail = e.what();
    driver_error = true;
    const std::string sqlstate = e.sqlstate();
    failure = e.get_error_category() == soci::soci_error::connection_error
                  ? Failure::kConnectionLost
                  : classify_postgres(sqlstate);
    detail += " [sqlstate " + sqlstate + "]";
  } catch (const soci::sqlite3_soci_error& e) {
    detail = e.what();
    if (e.result() == kSqliteBusy || e.result() == kSqliteLocked) failure = Failure::kBusy;
    if (e.result() == kSqliteConstraint &&
        (detail.find("UNIQUE constraint") != std::string::npos ||
         detail.find("PRIMARY KEY constraint") != std::string::npos)) {
      failure = Failure::kConflict;
    }
  } catch (const soci::soci_error& e) {
    detail = e.what();
    driver_error = true;
    if (e.get_error_category() == soci::soci_error::connection_error) {
      failure = Failure::kConnectionLost;
    }
  } catch (const std::exception& e) {
    detail = e.what();
  } catch (...) {
    detail = "unknown exception";
  }

  // libpq reports a dropped connection without a SQLSTATE; ask the session itself.
  if (failure == Failure::kOther && driver_error && url_.backend == Backend::kPostgres &&
      !lease.session().is_connected()) {
    failure = Failure::kConnectionLost;
  }

  switch (failure) {
    case Failure::kConnectionLost:
      slots_[lease.position()].needs_reconnect = true;
      connection_epoch_.fetch_add(1);
      spdlog::warn("database connection lost during {}: {}", what, detail);
      return Error::unavailable("database unavailable");
    case Failure::kBusy:
      spdlog::warn("database busy during {}: {}", what, detail);
      return Error::unavailable("database busy, try again");
    case Failure::kConflict:
      spdlog::debug("unique constraint violated during {}: {}", what, detail);
      return Error(ErrorCode::kConflict, "already exists");
    case Failure::kOther:
      break;
  }
  spdlog::error("database error during {}: {}", what, detail);
  return Error::internal();
}

Status Database::begin_transaction(SessionLease& lease, std::string_view what) {
  return run(lease, what, [this](soci::session& session) {
    if (url_.backend == Backend::kSqlite) {
      session << "BEGIN IMMEDIATE";
    } else {
      session.begin();
    }
  });
}

Status Database::commit_transaction(SessionLease& lease, std::string_view what) {
  Status committed = run(lease, what, [](soci::session& session) { session.commit(); });
  // A failed COMMIT can leave an SQLite transaction open (SQLITE_BUSY): never hand that back.
  if (!committed) rollback_transaction(lease, what);
  return committed;
}

void Database::rollback_transaction(SessionLease& lease, std::string_view what) {
  try {
    lease.session().rollback();
  } catch (const std::exception& e) {
    if (url_.backend == Backend::kPostgres && !lease.session().is_connected()) {
      slots_[lease.position()].needs_reconnect = true;
    }
    spdlog::debug("rollback after {} failed: {}", what, e.what());
  }
}

}  // namespace moodgate::store
