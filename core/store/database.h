// Database: the pool of SOCI sessions every repository works through.
//
// Opened once from `database` config; owns a soci::connection_pool of `pool_size` sessions to
// SQLite (WAL, foreign keys on, synchronous=NORMAL, busy timeout) or PostgreSQL (sessions in UTC
// and UTF-8). Work borrows a session through a SessionLease, which waits at most
// `acquire_timeout_ms` for a free one and gives it back when destroyed.
//
// Errors are values: run() and transaction() turn SOCI and std exceptions into an Error whose
// message never shows SQL or driver text (that goes to the log): kUnavailable when the
// connection is lost or the database is busy, kConflict for a unique-key violation, kInternal
// otherwise. A PostgreSQL session found disconnected is reconnected before it is handed out
// again, so the pool heals by itself when the server comes back; work is never retried behind
// the caller's back (it may not be idempotent) — except ping(), which is.
//
// Thread-safe: any number of threads may call any method at once. A SessionLease (and the
// soci::session in it) belongs to one thread at a time and must not outlive its Database.
// Every call may block (for a session, on the database): never on a thread whose role forbids
// it (event loops, the upstream thread, the watchdog; core/common/threads.h). Debug builds
// check at acquire(), run() and transaction(), through which every database call goes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/common/result.h"
#include "core/common/threads.h"
#include "core/config/config.h"
#include "core/store/database_url.h"

namespace soci {
class session;
class connection_pool;
}  // namespace soci

namespace moodgate::store {

class Database;

// Exclusive use of one pooled session; gives it back to the pool when destroyed.
class SessionLease {
 public:
  SessionLease(SessionLease&& other) noexcept;
  SessionLease& operator=(SessionLease&& other) noexcept;
  SessionLease(const SessionLease&) = delete;
  SessionLease& operator=(const SessionLease&) = delete;
  ~SessionLease();

  // The leased session; valid while this lease lives.
  soci::session& session() const;
  soci::session& operator*() const { return session(); }
  soci::session* operator->() const { return &session(); }
  // The session's slot in the pool.
  std::size_t position() const { return pos_; }

 private:
  friend class Database;
  SessionLease(Database* db, std::size_t pos) : db_(db), pos_(pos) {}

  Database* db_ = nullptr;
  std::size_t pos_ = 0;
};

namespace detail {
template <typename T>
struct ResultFor {
  using type = Result<T>;
};
template <typename T>
struct ResultFor<Result<T>> {
  using type = Result<T>;
};
template <>
struct ResultFor<void> {
  using type = Status;
};
// What run()/transaction() return for a callable F(soci::session&): Status for void, Result<T>
// for T or Result<T>.
template <typename F>
using RunResult = typename ResultFor<std::invoke_result_t<F&, soci::session&>>::type;
}  // namespace detail

class Database {
 public:
  // Parses the URL, creates the SQLite file's directory if needed, and opens every session of
  // the pool. kInvalidInput for a bad URL or pool size, kUnavailable when the database cannot be
  // reached (the driver's reason is logged).
  static Result<std::unique_ptr<Database>> open(const config::DatabaseConfig& config);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Which database this is.
  Backend backend() const { return url_.backend; }
  // The URL with the password masked; safe to log.
  const std::string& display_url() const { return url_.display; }
  // How many sessions the pool holds.
  std::size_t pool_size() const { return slots_.size(); }

  // Borrows a session, waiting at most acquire_timeout_ms (or `timeout`); kUnavailable when none
  // frees up in time or a lost connection cannot be re-established.
  Result<SessionLease> acquire();
  Result<SessionLease> acquire(std::chrono::milliseconds timeout);

  // OK when the database answers SELECT 1. On PostgreSQL a lost connection is reconnected and
  // the query tried once more, so ping() turns OK again as soon as the server is back. Waits at
  // most acquire_timeout_ms (or `acquire_timeout`) for a session: an exhausted pool is not
  // ready either. Reconnecting is bounded by connect_timeout_s.
  Status ping();
  Status ping(std::chrono::milliseconds acquire_timeout);

  // Runs fn(soci::session&) on a borrowed session. `what` names the operation in logs
  // (e.g. "entries.insert"); it must not contain user data.
  template <typename F>
  detail::RunResult<F> run(std::string_view what, F&& fn);
  template <typename F>
  detail::RunResult<F> run(SessionLease& lease, std::string_view what, F&& fn);

  // Like run(), inside a transaction (BEGIN IMMEDIATE on SQLite, so writers queue up front
  // instead of failing at commit). Commits when fn returns normally and, if it returns a Result,
  // that Result is OK; rolls back otherwise.
  template <typename F>
  detail::RunResult<F> transaction(std::string_view what, F&& fn);
  template <typename F>
  detail::RunResult<F> transaction(SessionLease& lease, std::string_view what, F&& fn);

  // Converts the exception being handled into an Error and logs it; marks the lease's session
  // for reconnection if the connection was lost. Call only from inside a catch block.
  Error error_from_current_exception(SessionLease& lease, std::string_view what);

 private:
  struct Slot {
    bool needs_reconnect = false;  // touched only by the lease holder
    std::uint64_t checked_epoch = 0;
  };

  Database(DatabaseUrl url, const config::DatabaseConfig& config);
  Status open_sessions();
  void configure_session(soci::session& session) const;
  // Makes a freshly leased session usable: reconnects it if it (or, on PostgreSQL, any session
  // since it was last checked) lost its connection.
  Status heal(std::size_t pos);
  void give_back(std::size_t pos);
  Status begin_transaction(SessionLease& lease, std::string_view what);
  Status commit_transaction(SessionLease& lease, std::string_view what);
  void rollback_transaction(SessionLease& lease, std::string_view what);

  friend class SessionLease;

  DatabaseUrl url_;
  int acquire_timeout_ms_;
  int busy_timeout_ms_;
  std::unique_ptr<soci::connection_pool> pool_;
  std::vector<Slot> slots_;
  // Bumped whenever any session loses its connection: every other session is then checked
  // once before its next use, so one outage costs each caller at most one failed attempt.
  std::atomic<std::uint64_t> connection_epoch_{0};
};

template <typename F>
detail::RunResult<F> Database::run(SessionLease& lease, std::string_view what, F&& fn) {
  MG_EXPECT_MAY_BLOCK();
  using R = std::invoke_result_t<F&, soci::session&>;
  using Out = detail::RunResult<F>;
  try {
    if constexpr (std::is_void_v<R>) {
      fn(lease.session());
      return Out();
    } else {
      return Out(fn(lease.session()));
    }
  } catch (...) {
    return Out(error_from_current_exception(lease, what));
  }
}

template <typename F>
detail::RunResult<F> Database::run(std::string_view what, F&& fn) {
  MG_EXPECT_MAY_BLOCK();
  using Out = detail::RunResult<F>;
  auto lease = acquire();
  if (!lease) return Out(std::move(lease).error());
  return run(*lease, what, std::forward<F>(fn));
}

template <typename F>
detail::RunResult<F> Database::transaction(SessionLease& lease, std::string_view what, F&& fn) {
  MG_EXPECT_MAY_BLOCK();
  using Out = detail::RunResult<F>;
  if (auto begun = begin_transaction(lease, what); !begun) return Out(std::move(begun).error());
  Out out = run(lease, what, std::forward<F>(fn));
  if (!out.ok()) {
    rollback_transaction(lease, what);
    return out;
  }
  if (auto committed = commit_transaction(lease, what); !committed) {
    return Out(std::move(committed).error());
  }
  return out;
}

template <typename F>
detail::RunResult<F> Database::transaction(std::string_view what, F&& fn) {
  MG_EXPECT_MAY_BLOCK();
  using Out = detail::RunResult<F>;
  auto lease = acquire();
  if (!lease) return Out(std::move(lease).error());
  return transaction(*lease, what, std::forward<F>(fn));
}

}  // namespace moodgate::store
