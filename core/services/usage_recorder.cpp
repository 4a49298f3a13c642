#include "core/services/usage_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include "core/common/threads.h"
#include "core/store/provider_spend_repository.h"
#include "core/store/quota_repository.h"
#include "core/store/usage_repository.h"

namespace moodgate::services {
namespace {

constexpr auto kDropWarningEvery = std::chrono::seconds(10);
constexpr auto kMinRetryDelay = std::chrono::milliseconds(100);
constexpr auto kMaxRetryDelay = std::chrono::milliseconds(5000);

// The spend of `records` on instances with a budget, per instance and window, at `now_s`.
std::vector<store::ProviderSpend> budget_spends(const std::vector<ai::UsageRecord>& records,
                                                std::int64_t now_s) {
  std::map<std::tuple<std::string, int, std::int64_t>, long long> sums;
  for (const ai::UsageRecord& r : records) {
    const long long micros = ai::to_micros(r.cost_usd);
    if (r.budget_window_s <= 0 || micros <= 0) continue;
    sums[{r.provider, r.budget_window_s, ai::budget_window_start(r.budget_window_s, now_s)}] +=
        micros;
  }
  std::vector<store::ProviderSpend> out;
  for (const auto& [key, micros] : sums) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), micros});
  }
  return out;
}

// Settles (billed) or refunds (not) each record's quota reservation on `sql`.
void settle_reservations(soci::session& sql, const std::vector<ai::UsageRecord>& records) {
  store::QuotaRepository quotas(sql);
  for (const ai::UsageRecord& r : records) {
    if (r.reservation_id.empty()) continue;
    if (r.stored && r.outcome == "ok") {
      quotas.settle(r.reservation_id, ai::to_micros(r.cost_usd));
    } else {
      quotas.refund(r.reservation_id);
    }
  }
}

// Stores `records`: their ai_usage rows and their instances' budget spend in one transaction,
// their quota reservations settled (billed) or refunded. The spend written, for ProviderBudgets.
//
// On SQLite the reservations are settled in that transaction too (one writer at a time
// anyway). On PostgreSQL each is its own statement after the commit: in the transaction, the
// first settle would lock the user's counter row until the whole batch commits, and every
// reservation of that user would wait for it. A settle lost to a crash between the two is
// refunded when the reservation expires.
Result<std::vector<store::ProviderSpend>> insert(store::Database& db,
                                                 const std::vector<ai::UsageRecord>& records) {
  std::vector<ai::UsageRecord> rows;
  for (const ai::UsageRecord& r : records) {
    if (r.stored) rows.push_back(r);
  }
  const bool settle_inside = db.backend() == store::Backend::kSqlite;
  std::vector<store::ProviderSpend> spends = budget_spends(rows, std::time(nullptr));
  Status done = db.transaction("ai_usage.insert", [&](soci::session& sql) {
    store::UsageRepository(sql).insert(rows);
    store::ProviderSpendRepository(sql).add(spends);
    if (settle_inside) settle_reservations(sql, records);
  });
  if (!done) return std::move(done).error();
  if (!settle_inside) {
    Status settled = db.run("quota.settle",
                            [&](soci::session& sql) { settle_reservations(sql, records); });
    if (!settled) {
      spdlog::warn("usage recorder: cannot settle quota reservations ({}); they are refunded "
                   "when they expire",
                   settled.error().message);
    }
  }
  return spends;
}

}  // namespace

UsageRecorder::UsageRecorder(store::Database& db, UsageRecorderOptions options,
                             ai::ProviderBudgets* budgets)
    : db_(db),
      budgets_(budgets),
      queue_limit_(std::max<std::size_t>(options.queue_limit, 1)),
      batch_size_(std::max<std::size_t>(options.batch_size, 1)),
      flush_interval_(std::max(options.flush_interval, std::chrono::milliseconds(1))),
      thread_([this] { run(); }) {}

UsageRecorder::~UsageRecorder() {
  stop();
}

void UsageRecorder::record(ai::UsageRecord record) {
  bool batch_ready = false;
  bool warn = false;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < queue_limit_) {
      queue_.push_back(std::move(record));
      ++accepted_;
      batch_ready = queue_.size() == batch_size_;
    } else {
      dropped = ++dropped_;
      warn = drop_warning_due();
    }
  }
  // Smaller batches wait for the flush interval, so a trickle of calls is written in batches too.
  if (batch_ready) wake_.notify_one();
  if (warn) {
    spdlog::warn(
        "usage recorder: queue full or stopped, dropping usage records ({} dropped so far)",
        dropped);
  }
}

Status UsageRecorder::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = accepted_;
  const std::uint64_t failures = failures_;
  if (resolved_ >= target) return {};
  flush_requested_ = true;
  wake_.notify_one();
  progress_.wait(lock, [&] { return resolved_ >= target || failures_ != failures || finished_; });
  // A failure wins even if the target was reached: the records may be the oldest it dropped.
  if (failures_ != failures) return last_error_;
  if (resolved_ >= target) return {};
  return Error::unavailable("usage recorder stopped");
}

void UsageRecorder::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

std::uint64_t UsageRecorder::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

std::uint64_t UsageRecorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::size_t UsageRecorder::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void UsageRecorder::run() {
  name_this_thread(ThreadRole::kUsage, "mg-usage");
  std::unique_lock lock(mu_);
  std::chrono::milliseconds retry_delay{0};  // while the database fails: wait before retrying
  while (!stopping_) {
    if (retry_delay.count() > 0) {
      wake_.wait_for(lock, retry_delay, [this] { return stopping_ || flush_requested_; });
    } else {
      wake_.wait_for(lock, flush_interval_, [this] {
        return stopping_ || flush_requested_ || queue_.size() >= batch_size_;
      });
    }
    if (stopping_) break;
    // Also when the queue is empty (the records a flush() waits for may have been in flight):
    // a request left standing would wake this loop at once, forever.
    flush_requested_ = false;
    if (drain(lock).ok()) {
      retry_delay = std::chrono::milliseconds(0);
    } else {
      retry_delay = std::clamp(retry_delay * 2, kMinRetryDelay, kMaxRetryDelay);
    }
  }

  // Stopping: one last attempt; whatever it cannot write is lost, and counted.
  (void)drain(lock);
  const std::size_t lost = queue_.size();
  queue_.clear();
  dropped_ += lost;
  resolved_ += lost;
  finished_ = true;
  lock.unlock();
  progress_.notify_all();
  if (lost > 0) {
    spdlog::warn(
        "usage recorder: stopped while the database was unavailable; {} usage record(s) "
        "dropped",
        lost);
  }
}

Status UsageRecorder::drain(std::unique_lock<std::mutex>& lock) {
  while (!queue_.empty()) {
    flush_requested_ = false;  // this write answers every flush() waiting so far
    const auto end =
        queue_.begin() + static_cast<std::ptrdiff_t>(std::min(batch_size_, queue_.size()));
    std::vector<ai::UsageRecord> batch(std::make_move_iterator(queue_.begin()),
                                       std::make_move_iterator(end));
    queue_.erase(queue_.begin(), end);

    lock.unlock();
    const BatchOutcome outcome = write_batch(batch);
    if (outcome.error) {
      if (failing_rounds_ == 0) {
        spdlog::warn("usage recorder: cannot write usage records ({}); keeping them to retry",
                     outcome.error->message);
      }
      ++failing_rounds_;
    } else if (failing_rounds_ > 0) {
      spdlog::info("usage recorder: writing usage records again after {} failed attempt(s)",
                   failing_rounds_);
      failing_rounds_ = 0;
    }
    lock.lock();

    const std::size_t done = outcome.written + outcome.refused;
    written_ += outcome.written;
    dropped_ += outcome.refused;
    resolved_ += done;
    if (!outcome.error) {
      progress_.notify_all();
      continue;
    }

    // Back to the front, in order; if newer records took the room meanwhile, the oldest go.
    queue_.insert(queue_.begin(),
                  std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(done)),
                  std::make_move_iterator(batch.end()));
    const std::size_t excess = queue_.size() > queue_limit_ ? queue_.size() - queue_limit_ : 0;
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(excess));
    dropped_ += excess;
    resolved_ += excess;
    ++failures_;
    last_error_ = *outcome.error;
    progress_.notify_all();
    if (excess > 0 && drop_warning_due()) {
      const std::uint64_t dropped = dropped_;
      lock.unlock();
      spdlog::warn(
          "usage recorder: queue full while the database is unavailable, dropped the "
          "oldest usage records ({} dropped so far)",
          dropped);
      lock.lock();
    }
    return last_error_;
  }
  return {};
}

UsageRecorder::BatchOutcome UsageRecorder::write_batch(const std::vector<ai::UsageRecord>& batch) {
  BatchOutcome outcome;
  auto status = insert(db_, batch);
  if (status.ok()) {
    if (budgets_ != nullptr) budgets_->written(*status);
    outcome.written = batch.size();
    return outcome;
  }
  if (status.error().code == ErrorCode::kUnavailable) {
    outcome.error = std::move(status).error();
    return outcome;
  }
  // Not the database being away but a row it refuses, most likely (a CHECK constraint). Retrying
  // the batch would fail forever: write the records one by one and drop only those refused.
  for (const ai::UsageRecord& record : batch) {
    auto one = insert(db_, {record});
    if (one.ok()) {
      if (budgets_ != nullptr) budgets_->written(*one);
      ++outcome.written;
    } else if (one.error().code == ErrorCode::kUnavailable) {
      outcome.error = std::move(one).error();
      return outcome;
    } else {
      ++outcome.refused;
      spdlog::error(
          "usage recorder: the database refused a usage record (capability '{}', "
          "provider '{}', outcome '{}'); dropped it",
          config::to_string(record.capability), record.provider, record.outcome);
    }
  }
  return outcome;
}

bool UsageRecorder::drop_warning_due() {
  const auto now = std::chrono::steady_clock::now();
  if (last_drop_warning_ && now - *last_drop_warning_ < kDropWarningEvery) return false;
  last_drop_warning_ = now;
  return true;
}

Result<long long> refresh_provider_budgets(store::Database& db, ai::ProviderBudgets& budgets) {
  auto current = db.run("provider_spend.current", [](soci::session& sql) {
    return store::ProviderSpendRepository(sql).current(std::time(nullptr));
  });
  if (!current) return std::move(current).error();
  budgets.replace(*current);
  return static_cast<long long>(current->size());
}

Result<long long> purge_ended_provider_spend(store::Database& db) {
  return db.run("provider_spend.purge", [](soci::session& sql) {
    return store::ProviderSpendRepository(sql).purge_ended(std::time(nullptr));
  });
}

}  // namespace moodgate::services
