// VisualizationWorkers: the loops that turn queued visualization jobs into images.
//
// `config.workers` worker coroutines (none when 0). Each loops: claim the due job whose turn it
// is from the shared table (VisualizationsRepository::claim_due: round-robin across users, so one
// user's backlog never holds up another's picture; lease owner "<instance_id>:<index>"), build
// its prompt (visualization_prompt.h), make one AI call with capability "image" (user_id and
// request id "viz-<id>" go to the usage record), and wait for the answer while renewing the
// lease every lease_ms / 3. Then:
// - an image: its type and size are read from the bytes (image_info.h) and the job completes
//   with them; bytes that are neither PNG nor JPEG count as a bad response;
// - a failure the provider may get over (sdk::Failure::retryable(): unavailable, timeout, rate
//   limited, bad response): the job goes back to the queue after the backoff of ai/backoff.h
//   (backoff_initial_ms doubling per attempt, at most backoff_max_ms, never before the
//   provider's retry-after), until attempts reach max_attempts; then it fails;
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
// Threads: the workers are coroutines on a pool of their own, min(workers, 2) threads named
// mg-jobs-N (ThreadRole::kJobs). A worker holds a thread only while it works the database
// (claim, renewal, storing the outcome: blocking calls, fine there) or builds a prompt; while
// its image is made, or while it idles or backs off, it is suspended on a timer and holds none.
// So the threads do not grow with `workers`, which only bounds how many images are made at
// once. Two, not one: a worker blocked on a slow database call (storing a large image, waiting
// up to database.acquire_timeout_ms for a session) then does not hold up the other workers'
// lease renewals, which have two thirds of a lease to spare; more would only idle.
//
// Thread-safe: start(), stop() and wake() may be called from any thread but the workers' own.
// The Database and the AiCalls must outlive the workers (or at least stop()); an answer that
// comes after stop() abandoned its job is dropped, whenever it comes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/common/async.h"
#include "core/common/thread_annotations.h"
#include "core/config/config.h"
#include "core/store/database.h"
#include "core/store/visualizations_repository.h"

namespace moodgate::services {

class VisualizationWorkers {
 public:
  VisualizationWorkers(store::Database& db, ai::AiCalls& ai, config::VisualizationsConfig config,
                       std::string instance_id);
  // Stops (see stop()).
  ~VisualizationWorkers();
  VisualizationWorkers(const VisualizationWorkers&) = delete;
  VisualizationWorkers& operator=(const VisualizationWorkers&) = delete;

  // Starts the workers' pool and the workers. Idempotent; does nothing after stop().
  void start() MG_EXCLUDES(lifecycle_mu_, mu_);
  // Makes idle workers look for due jobs now (e.g. after a job was accepted).
  void wake() MG_EXCLUDES(mu_);
  // Stops taking jobs, waits up to `grace` for jobs in flight, abandons the rest and joins the
  // threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10))
      MG_EXCLUDES(lifecycle_mu_, mu_);

  // Jobs this instance has finished (succeeded, failed, or put back for a retry) so far.
  std::uint64_t jobs_settled() const { return settled_.load(); }
  const std::string& instance_id() const { return instance_id_; }

 private:
  using Clock = std::chrono::steady_clock;
  class Alarm;      // wakes one worker from a timed wait
  struct InFlight;  // one AI call a worker waits for

  // One worker's loop, until stop.
  async::Task<void> run(int index);
  // Runs one claimed job to its end (or until its lease is lost or stop's grace runs out).
  // Parameters by value: they live in the coroutine's frame.
  async::Task<void> run_job(int index, store::ClaimedJob claimed, std::string owner);
  // Records what the AI call came to; `answer` is the call's outcome.
  void settle(const store::VisualizationRow& job, const std::string& owner,
              const ai::AiAnswer& answer);
  // Waits `delay` or until stop (or wake(), when `wakeable`); false when stopping.
  // `seen_wakes` is the worker's count of wake() calls it has answered.
  async::Task<bool> pause(int index, std::chrono::milliseconds delay, bool wakeable,
                          std::uint64_t& seen_wakes) MG_EXCLUDES(mu_);
  // The end of stop()'s grace, once stop() was called.
  std::optional<Clock::time_point> stop_deadline() const MG_EXCLUDES(mu_);

  store::Database& db_;
  ai::AiCalls& ai_;
  const config::VisualizationsConfig config_;
  const std::string instance_id_;
  // By worker index; set at construction. Shared with the AI calls' completions, which ring
  // their worker's alarm and may come after the workers are gone.
  std::vector<std::shared_ptr<Alarm>> alarms_;

  mutable std::mutex mu_;
  bool stopping_ MG_GUARDED_BY(mu_) = false;
  Clock::time_point stop_deadline_ MG_GUARDED_BY(mu_){};
  std::uint64_t wakes_ MG_GUARDED_BY(mu_) = 0;
  std::atomic<std::uint64_t> settled_{0};

  // Serialises start() and stop(): the pool is made, and stopped, once.
  std::mutex lifecycle_mu_ MG_ACQUIRED_BEFORE(mu_);
  bool started_ MG_GUARDED_BY(lifecycle_mu_) = false;
  std::unique_ptr<async::Pool> pool_ MG_GUARDED_BY(lifecycle_mu_);
};

}  // namespace moodgate::services
