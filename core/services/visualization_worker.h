// VisualizationWorkers: the loops that turn queued visualization jobs into images.
//
// `config.workers` threads (none when 0). Each loops: claim one due job from the shared table
// (VisualizationsRepository::claim_due, lease owner "<instance_id>:<index>"), build its prompt
// (visualization_prompt.h), make one AI call with capability "image" (user_id and request id
// "viz-<id>" go to the usage record), and wait for the answer while renewing the lease every
// lease_ms / 3. Then:
// - an image: its type and size are read from the bytes (image_info.h) and the job completes
//   with them; bytes that are neither PNG nor JPEG count as a bad response;
// - a failure the provider may get over (sdk::Failure::retryable(): unavailable, timeout, rate
//   limited, bad response): the job goes back to the queue after backoff_initial_ms, doubling
//   per attempt, at most backoff_max_ms and never before the provider's retry-after, until
//   attempts reach max_attempts; then it fails;
// - any other failure (invalid request, auth, content blocked) fails the job at once.
// A failed job keeps the API error code ai::error_for() gives (UPSTREAM_ERROR,
// UPSTREAM_TIMEOUT, CONTENT_BLOCKED, UNAVAILABLE) and its message. Every write is conditional on
// still holding the lease: a worker whose renewal finds the lease lost abandons the job (the
// answer, if it comes, is dropped), and a job is never completed twice.
//
// Idle workers look for jobs every poll_interval_ms, or at once after wake(). A database error
// is logged and backed off (100 ms doubling to 5 s), never spun on. stop() lets jobs in flight
// finish for up to `grace`, then abandons them: their leases simply expire and any instance
// takes them over.
//
// Thread-safe: start(), stop() and wake() may be called from any thread. The Database and
// AiCaller must outlive the workers (or at least stop()).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/config/config.h"
#include "core/store/database.h"
#include "core/store/visualizations_repository.h"

namespace moodgate::services {

class VisualizationWorkers {
 public:
  VisualizationWorkers(store::Database& db, ai::AiCaller& ai, config::VisualizationsConfig config,
                       std::string instance_id);
  // Stops (see stop()).
  ~VisualizationWorkers();
  VisualizationWorkers(const VisualizationWorkers&) = delete;
  VisualizationWorkers& operator=(const VisualizationWorkers&) = delete;

  // Starts the worker threads. Idempotent; does nothing after stop().
  void start();
  // Makes idle workers look for due jobs now (e.g. after a job was accepted).
  void wake();
  // Stops taking jobs, waits up to `grace` for jobs in flight, abandons the rest and joins the
  // threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Jobs this instance has finished (succeeded, failed, or put back for a retry) so far.
  std::uint64_t jobs_settled() const { return settled_.load(); }
  const std::string& instance_id() const { return instance_id_; }

 private:
  struct InFlight;  // one AI call a worker waits for

  void run(int index);
  // Runs one claimed job to its end (or until its lease is lost or stop's grace runs out).
  void run_job(int index, const store::ClaimedJob& claimed, const std::string& owner);
  // Records what the AI call came to; `answer` is the call's outcome.
  void settle(const store::VisualizationRow& job, const std::string& owner,
              const ai::AiAnswer& answer);
  // Waits `delay` or until stop (or wake(), when `wakeable`); returns false when stopping.
  bool idle_wait(std::chrono::milliseconds delay, bool wakeable, std::uint64_t& seen_wakes);

  store::Database& db_;
  ai::AiCaller& ai_;
  const config::VisualizationsConfig config_;
  const std::string instance_id_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::uint64_t wakes_ = 0;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::vector<std::shared_ptr<InFlight>> in_flight_;  // by worker index; null when idle
  std::atomic<std::uint64_t> settled_{0};

  std::mutex join_mu_;  // serialises stop()'s joins
  std::vector<std::thread> threads_;
};

}  // namespace moodgate::services
