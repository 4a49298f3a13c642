// UsageRecorder: the UsageSink that stores AI usage records in the ai_usage table.
//
// With each record: the cost of a call on an instance with a budget is added to provider_spend
// in the transaction that stores the record (and, once committed, to the ProviderBudgets
// given); its quota reservation (ai::UsageRecord::reservation_id) is settled at the call's cost
// when it was billed, else refunded -- in that transaction on SQLite, right after its commit on
// PostgreSQL (insert() in usage_recorder.cpp says why). So quotas and budgets agree with the
// ai_usage rows.
//
// record() only appends to a bounded in-memory queue and never waits for the database, so
// accounting cannot slow the AI call path (mostly on the upstream thread). One background
// thread, mg-usage, writes the queue in batches of up to batch_size records per transaction, at
// the latest flush_interval after they arrive.
// While the database is unavailable (down, or busy beyond its timeouts) the records are kept and
// retried with a growing delay (100 ms up to 5 s): nothing is lost while the queue has room.
//
// Loss is counted in dropped(), never silent: a record that finds the queue full (or arrives
// after stop()) is dropped; when records whose write failed no longer fit beside newer ones, the
// oldest are dropped; a record the table refuses (e.g. a negative token count) is dropped on
// its own rather than failing its batch forever. Drops are logged (queue-full warnings at most once
// per 10 s) without user ids or any other user data.
//
// Thread-safe: any thread may call any method at once. The Database must outlive the recorder.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/ai/provider_budgets.h"
#include "core/ai/usage.h"
#include "core/common/result.h"
#include "core/common/thread_annotations.h"
#include "core/store/database.h"

namespace moodgate::services {

struct UsageRecorderOptions {
  std::size_t queue_limit = 10000;  // records waiting at most; more are dropped (0 counts as 1)
  std::size_t batch_size = 256;     // records written per transaction at most (0 counts as 1)
  std::chrono::milliseconds flush_interval{200};  // longest wait before queued records are written
};

class UsageRecorder : public ai::UsageSink {
 public:
  // `budgets` (may be null) hears of the budget spend each committed batch wrote.
  explicit UsageRecorder(store::Database& db, UsageRecorderOptions options = {},
                         ai::ProviderBudgets* budgets = nullptr);
  // Stops (see stop()).
  ~UsageRecorder() override;
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  // Queues the record, or drops and counts it when the queue is full or the recorder stopped.
  // Never blocks on the database.
  void record(ai::UsageRecord record) override;

  // Waits until every record queued before the call is written (a record the table refuses is
  // dropped and counted instead): OK. Returns the Error of a write that fails meanwhile
  // (kUnavailable, typically) as soon as it fails; its records stay queued for retrying while
  // the queue has room.
  Status flush();

  // Writes what is queued (one last attempt; what it cannot write is dropped and counted) and
  // joins the writer thread. Later records are dropped. Idempotent.
  void stop();

  // Records written to the table so far.
  std::uint64_t written() const;
  // Records dropped so far, for any of the reasons above.
  std::uint64_t dropped() const;
  // Records waiting in the queue now, not counting a batch being written.
  std::size_t queued() const;

 private:
  // What writing one batch came to. The first `written + refused` records of the batch are
  // done with; when `error` is set the database was unavailable and the rest must be retried.
  struct BatchOutcome {
    std::size_t written = 0;
    std::size_t refused = 0;
    std::optional<Error> error;
  };

  void run();
  // Writes queued records batch by batch until the queue is empty or a write fails (returned).
  // Called, and returns, with `lock` held; releases it while writing.
  Status drain(std::unique_lock<std::mutex>& lock) MG_REQUIRES(mu_);
  BatchOutcome write_batch(const std::vector<ai::UsageRecord>& batch);
  // Whether a drop warning may be logged now (once per 10 s).
  bool drop_warning_due() MG_REQUIRES(mu_);

  store::Database& db_;
  ai::ProviderBudgets* const budgets_;
  const std::size_t queue_limit_;
  const std::size_t batch_size_;
  const std::chrono::milliseconds flush_interval_;

  mutable std::mutex mu_;
  std::condition_variable wake_;      // the writer: work, a flush request, or stop
  std::condition_variable progress_;  // flush(): records done with, a failed write, or finished
  std::deque<ai::UsageRecord> queue_ MG_GUARDED_BY(mu_);
  // Records leave in the order they were accepted, so flush() waits for resolved_ (records
  // written or dropped after acceptance) to reach accepted_ as it was when flush() was called.
  std::uint64_t accepted_ MG_GUARDED_BY(mu_) = 0;
  std::uint64_t resolved_ MG_GUARDED_BY(mu_) = 0;
  std::uint64_t written_ MG_GUARDED_BY(mu_) = 0;
  std::uint64_t dropped_ MG_GUARDED_BY(mu_) = 0;
  std::uint64_t failures_ MG_GUARDED_BY(mu_) = 0;  // failed writes; flush() returns when this moves
  Error last_error_ MG_GUARDED_BY(mu_);
  bool flush_requested_ MG_GUARDED_BY(mu_) = false;
  bool stopping_ MG_GUARDED_BY(mu_) = false;
  bool finished_ MG_GUARDED_BY(mu_) = false;  // the writer has exited; all queued is resolved
  std::optional<std::chrono::steady_clock::time_point> last_drop_warning_ MG_GUARDED_BY(mu_);
  int failing_rounds_ = 0;  // writer thread only: consecutive failed writes, for logging

  std::mutex join_mu_;  // serialises stop()'s join
  std::thread thread_;  // last: starts once everything above is initialised
};

// Reads provider_spend's open windows into `budgets` (what every instance settled); how many
// windows. Housekeeping runs it every kBudgetRefreshInterval.
Result<long long> refresh_provider_budgets(store::Database& db, ai::ProviderBudgets& budgets);
inline constexpr std::chrono::seconds kBudgetRefreshInterval{5};
// Removes the provider_spend windows that have ended; how many.
Result<long long> purge_ended_provider_spend(store::Database& db);

}  // namespace moodgate::services
