#include "core/services/visualization_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "core/ai/ai_error.h"
#include "core/ai/backoff.h"
#include "core/common/threads.h"
#include "core/common/time_format.h"
#include "core/services/image_info.h"
#include "core/services/visualization_prompt.h"
#include "core/store/quota_repository.h"

namespace moodgate::services {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kMinDatabaseBackoff{100};
constexpr milliseconds kMaxDatabaseBackoff{5000};
constexpr milliseconds kMinRenewEvery{10};
constexpr std::size_t kMaxErrorMessageBytes = 500;
// The workers' threads at most (the header says why two).
constexpr int kMaxThreads = 2;

// The wait before the next try of a job that has had `attempts` tries.
milliseconds retry_delay(const config::VisualizationsConfig& config, int attempts,
                         const std::optional<milliseconds>& retry_after) {
  return ai::honouring(ai::backoff_ceiling(milliseconds(config.backoff_initial_ms),
                                           milliseconds(config.backoff_max_ms), attempts),
                       retry_after);
}

}  // namespace

// Wakes one worker from a timed wait: a condition variable for a coroutine. A ring() while the
// worker is not waiting ends its next wait at once, so none is lost; the worker looks at what
// changed after every wait, so a ring that finds it awake already costs nothing. Thread-safe.
class VisualizationWorkers::Alarm {
 public:
  // Returns at `deadline`, at ring(), or at once when rung since the last wait returned.
  async::Task<void> wait_until(Clock::time_point deadline) MG_EXCLUDES(mu_);
  void ring() MG_EXCLUDES(mu_);

 private:
  std::mutex mu_;
  bool rung_ MG_GUARDED_BY(mu_) = false;
  std::optional<async::OneShot<bool>> waiting_ MG_GUARDED_BY(mu_);  // while a wait is on
};

async::Task<void> VisualizationWorkers::Alarm::wait_until(Clock::time_point deadline) {
  async::OneShot<bool> rang;
  bool rung = false;
  {
    std::lock_guard lock(mu_);
    rung = std::exchange(rung_, false);
    if (!rung) waiting_ = rang;
  }
  if (rung) co_return;
  [[maybe_unused]] const std::optional<bool> came = co_await rang.get_until(deadline);
  std::lock_guard lock(mu_);
  waiting_.reset();  // a ring() that found it after the deadline: the worker is awake anyway
}

void VisualizationWorkers::Alarm::ring() {
  std::lock_guard lock(mu_);
  if (!waiting_) {
    rung_ = true;
    return;
  }
  waiting_->set(true);
  waiting_.reset();
}

// The answer of one AI call a worker waits for. Shared with the call's completion, which may
// come after the worker gave up on it (or after the workers are gone).
struct VisualizationWorkers::InFlight {
  std::mutex mu;
  std::optional<ai::AiAnswer> answer MG_GUARDED_BY(mu);
};

VisualizationWorkers::VisualizationWorkers(store::Database& db, ai::AiCalls& ai,
                                           config::VisualizationsConfig config,
                                           std::string instance_id)
    : db_(db), ai_(ai), config_(std::move(config)), instance_id_(std::move(instance_id)) {
  for (int i = 0; i < config_.workers; ++i) alarms_.push_back(std::make_shared<Alarm>());
}

VisualizationWorkers::~VisualizationWorkers() {
  stop();
}

void VisualizationWorkers::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return;
  }
  started_ = true;
  if (config_.workers <= 0) return;
  const int threads = std::min(config_.workers, kMaxThreads);
  pool_ = std::make_unique<async::Pool>(ThreadRole::kJobs, "mg-jobs", threads,
                                        static_cast<std::size_t>(config_.workers));
  for (int i = 0; i < config_.workers; ++i) {
    pool_->spawn(run(i), [this, i](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        spdlog::error("visualization worker {}:{} ended: {}", instance_id_, i, e.what());
      } catch (...) {
        spdlog::error("visualization worker {}:{} ended with an unknown exception", instance_id_,
                      i);
      }
    });
  }
  spdlog::info("visualization workers started: {} on {} thread(s) (instance {})", config_.workers,
               threads, instance_id_);
}

void VisualizationWorkers::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  for (const auto& alarm : alarms_) alarm->ring();
}

void VisualizationWorkers::stop(milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_deadline_ = Clock::now() + grace;
    }
  }
  for (const auto& alarm : alarms_) alarm->ring();
  std::lock_guard lifecycle(lifecycle_mu_);
  if (pool_) pool_->stop();  // every worker ends by the deadline (or its database call's end)
}

std::optional<VisualizationWorkers::Clock::time_point> VisualizationWorkers::stop_deadline() const {
  std::lock_guard lock(mu_);
  if (!stopping_) return std::nullopt;
  return stop_deadline_;
}

async::Task<bool> VisualizationWorkers::pause(int index, milliseconds delay, bool wakeable,
                                              std::uint64_t& seen_wakes) {
  const auto until = Clock::now() + delay;
  const std::shared_ptr<Alarm> alarm = alarms_[static_cast<std::size_t>(index)];
  for (;;) {
    bool over = false;
    bool go_on = true;
    {
      std::lock_guard lock(mu_);
      const bool woken = wakeable && wakes_ != seen_wakes;
      if (stopping_ || woken || Clock::now() >= until) {
        seen_wakes = wakes_;
        over = true;
        go_on = !stopping_;
      }
    }
    if (over) co_return go_on;
    co_await alarm->wait_until(until);
  }
}

async::Task<void> VisualizationWorkers::run(int index) {
  MG_EXPECT_THREAD(ThreadRole::kJobs);
  const std::string owner = instance_id_ + ":" + std::to_string(index);
  const milliseconds lease(config_.lease_ms);
  std::uint64_t seen_wakes = 0;
  milliseconds db_backoff{0};
  for (;;) {
    if (stop_deadline()) co_return;
    milliseconds pause_for{0};
    bool wakeable = false;
    try {
      auto claimed = db_.transaction("visualizations.claim", [&](soci::session& sql) {
        return store::VisualizationsRepository(sql).claim_due(owner, lease);
      });
      if (!claimed.ok()) {
        if (db_backoff.count() == 0) {
          spdlog::warn("visualization worker {}: cannot claim jobs ({}); backing off", owner,
                       claimed.error().message);
        }
        db_backoff = std::clamp(db_backoff * 2, kMinDatabaseBackoff, kMaxDatabaseBackoff);
        pause_for = db_backoff;
      } else {
        if (db_backoff.count() > 0) {
          spdlog::info("visualization worker {}: claiming jobs again", owner);
          db_backoff = milliseconds(0);
        }
        if (claimed->has_value()) {
          co_await run_job(index, std::move(**claimed), owner);
        } else {
          pause_for = milliseconds(config_.poll_interval_ms);
          wakeable = true;
        }
      }
    } catch (const std::exception& e) {
      // Nothing here should throw; if something does, the job's lease expires and the loop
      // goes on after a pause rather than ending the worker.
      spdlog::error("visualization worker {}: unexpected error: {}", owner, e.what());
      pause_for = kMaxDatabaseBackoff;
      wakeable = false;
    }
    if (pause_for.count() > 0) {
      const bool go_on = co_await pause(index, pause_for, wakeable, seen_wakes);
      if (!go_on) co_return;
    }
  }
}

async::Task<void> VisualizationWorkers::run_job(int index, store::ClaimedJob claimed,
                                                std::string owner) {
  const store::VisualizationRow& job = claimed.job;
  spdlog::debug("visualization {}: attempt {} by {}", job.id, job.attempts, owner);

  const std::shared_ptr<Alarm> alarm = alarms_[static_cast<std::size_t>(index)];
  auto pending = std::make_shared<InFlight>();
  ai::AiCall call;
  call.capability = config::Capability::kImage;
  sdk::ImageTask task;
  task.prompt = visualization_prompt(claimed.entry, job.style);
  task.aspect_ratio = job.aspect_ratio;
  call.task = std::move(task);
  call.user_id = job.user_id;
  call.request_id = "viz-" + job.id;
  // Not ai::StartedCall: besides the answer, the worker must wake for stop(), and a coroutine
  // awaits one thing at a time. The completion stores the answer and rings the worker's alarm.
  ai_.call(std::move(call), [pending, alarm](ai::AiAnswer answer) {
    {
      std::lock_guard lock(pending->mu);
      pending->answer = std::move(answer);
    }
    alarm->ring();
  });

  // Suspended between renewals: the thread serves the other workers meanwhile.
  const milliseconds lease(config_.lease_ms);
  const milliseconds renew_every = std::max(lease / 3, kMinRenewEvery);
  auto next_renewal = Clock::now() + renew_every;
  std::optional<ai::AiAnswer> answer;
  for (;;) {
    {
      std::lock_guard lock(pending->mu);
      answer = std::move(pending->answer);
    }
    if (answer) break;
    const auto stop_at = stop_deadline();
    const auto now = Clock::now();
    if (stop_at && now >= *stop_at) {
      spdlog::info("visualization {}: shutting down before the image came; its lease will expire",
                   job.id);
      co_return;
    }
    if (now >= next_renewal) {
      auto renewed = db_.run("visualizations.renew_lease", [&](soci::session& sql) {
        return store::VisualizationsRepository(sql).renew_lease(job.id, owner, lease);
      });
      if (renewed.ok() && !*renewed) {
        spdlog::warn("visualization {}: lease lost (taken over or deleted); abandoning it", job.id);
        co_return;
      }
      if (!renewed.ok()) {
        spdlog::warn("visualization {}: cannot renew the lease ({}); still waiting", job.id,
                     renewed.error().message);
      }
      next_renewal = Clock::now() + renew_every;
      continue;
    }
    co_await alarm->wait_until(stop_at ? std::min(next_renewal, *stop_at) : next_renewal);
  }
  settle(job, owner, *answer);
}

void VisualizationWorkers::settle(const store::VisualizationRow& job, const std::string& owner,
                                  const ai::AiAnswer& answer) {
  MG_EXPECT_THREAD(ThreadRole::kJobs);
  using Repo = store::VisualizationsRepository;
  sdk::Failure failure;
  Error error;
  if (answer.ok()) {
    const auto* image = std::get_if<sdk::ImageOutput>(&answer.result().output);
    const auto info = image ? image_info(image->bytes) : std::nullopt;
    if (info) {
      const store::FinishedImage finished{answer.provider, answer.model, info->mime_type,
                                          info->width,     info->height, image->bytes};
      // The job's quota reservation is settled at the image's cost with the job.
      auto done = db_.transaction("visualizations.complete", [&](soci::session& sql) {
        Repo repo(sql);
        if (!repo.complete_success(job.id, owner, finished)) return false;
        if (const auto reservation = repo.quota_reservation_of(job.id)) {
          store::QuotaRepository(sql).settle(*reservation, ai::to_micros(answer.cost_usd));
        }
        return true;
      });
      if (!done.ok()) {
        spdlog::warn(
            "visualization {}: cannot store the image ({}); it will be made again "
            "after the lease expires",
            job.id, done.error().message);
      } else if (!*done) {
        spdlog::warn("visualization {}: lease lost before completion; image dropped", job.id);
      } else {
        ++settled_;
        spdlog::info("visualization {}: succeeded after {} attempt(s) ({}x{} {}, {})", job.id,
                     job.attempts, info->width, info->height, info->mime_type, answer.provider);
      }
      return;
    }
    failure.kind = sdk::FailureKind::kBadResponse;
    failure.message = "the answer is not a PNG or JPEG image";
    error = Error(ErrorCode::kUpstreamError, "The AI provider failed: " + failure.message);
  } else {
    failure = answer.failure();
    error = ai::error_for(answer);
  }

  const std::string code = error_code_name(error.code);
  const std::string message = bounded_text(error.message, kMaxErrorMessageBytes);
  const bool again = failure.retryable() && job.attempts < config_.max_attempts;
  Result<bool> recorded = false;
  if (again) {
    const milliseconds delay = retry_delay(config_, job.attempts, failure.retry_after);
    const std::string next = format_rfc3339_ms(WallClock::now() + delay);
    recorded = db_.run("visualizations.retry_later", [&](soci::session& sql) {
      return Repo(sql).retry_later(job.id, owner, next, code, message);
    });
    if (recorded.ok() && *recorded) {
      spdlog::info("visualization {}: attempt {} failed ({}); retrying in {} ms", job.id,
                   job.attempts, sdk::failure_kind_name(failure.kind), delay.count());
    }
  } else {
    // Failed for good, nothing was billed: the job's quota reservation comes back with it.
    recorded = db_.transaction("visualizations.fail", [&](soci::session& sql) {
      Repo repo(sql);
      if (!repo.fail(job.id, owner, code, message)) return false;
      if (const auto reservation = repo.quota_reservation_of(job.id)) {
        store::QuotaRepository(sql).refund(*reservation);
      }
      return true;
    });
    if (recorded.ok() && *recorded) {
      spdlog::info("visualization {}: failed after {} attempt(s): {} ({})", job.id, job.attempts,
                   code, sdk::failure_kind_name(failure.kind));
    }
  }
  if (!recorded.ok()) {
    spdlog::warn(
        "visualization {}: cannot record the failed attempt ({}); the job is tried "
        "again after the lease expires",
        job.id, recorded.error().message);
  } else if (!*recorded) {
    spdlog::warn("visualization {}: lease lost before the failure was recorded", job.id);
  } else {
    ++settled_;
  }
}

}  // namespace moodgate::services
