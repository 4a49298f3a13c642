#include "core/services/visualization_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "core/ai/ai_error.h"
#include "core/ai/backoff.h"
#include "core/common/time_format.h"
#include "core/services/image_info.h"
#include "core/services/visualization_prompt.h"

namespace moodgate::services {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kMinDatabaseBackoff{100};
constexpr milliseconds kMaxDatabaseBackoff{5000};
constexpr milliseconds kMinRenewEvery{10};
constexpr std::size_t kMaxErrorMessageBytes = 500;

// The wait before the next try of a job that has had `attempts` tries.
milliseconds retry_delay(const config::VisualizationsConfig& config, int attempts,
                         const std::optional<milliseconds>& retry_after) {
  return ai::honouring(ai::backoff_ceiling(milliseconds(config.backoff_initial_ms),
                                            milliseconds(config.backoff_max_ms), attempts),
                       retry_after);
}

}  // namespace

// What a worker waits on while the AI call runs. Shared with the call's completion, which may
// come after the worker gave up on it (or after the workers are gone).
struct VisualizationWorkers::InFlight {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ai::AiAnswer> answer;
  bool stopping = false;  // stop() was called; give up at stop_deadline
  Clock::time_point stop_deadline{};
};

VisualizationWorkers::VisualizationWorkers(store::Database& db, ai::AiCaller& ai,
                                           config::VisualizationsConfig config,
                                           std::string instance_id)
    : db_(db),
      ai_(ai),
      config_(std::move(config)),
      instance_id_(std::move(instance_id)),
      in_flight_(static_cast<std::size_t>(std::max(config_.workers, 0))) {}

VisualizationWorkers::~VisualizationWorkers() {
  stop();
}

void VisualizationWorkers::start() {
  std::lock_guard join_lock(join_mu_);
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  for (int i = 0; i < config_.workers; ++i) threads_.emplace_back([this, i] { run(i); });
  if (config_.workers > 0) {
    spdlog::info("visualization workers started: {} (instance {})", config_.workers, instance_id_);
  }
}

void VisualizationWorkers::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

void VisualizationWorkers::stop(milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_deadline_ = Clock::now() + grace;
      for (const auto& job : in_flight_) {
        if (!job) continue;
        {
          std::lock_guard job_lock(job->mu);
          job->stopping = true;
          job->stop_deadline = stop_deadline_;
        }
        job->cv.notify_all();
      }
    }
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool VisualizationWorkers::idle_wait(milliseconds delay, bool wakeable, std::uint64_t& seen_wakes) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return stopping_ || (wakeable && wakes_ != seen_wakes); });
  seen_wakes = wakes_;
  return !stopping_;
}

void VisualizationWorkers::run(int index) {
  const std::string owner = instance_id_ + ":" + std::to_string(index);
  const milliseconds lease(config_.lease_ms);
  std::uint64_t seen_wakes = 0;
  milliseconds db_backoff{0};
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
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
        if (!idle_wait(db_backoff, false, seen_wakes)) return;
        continue;
      }
      if (db_backoff.count() > 0) {
        spdlog::info("visualization worker {}: claiming jobs again", owner);
        db_backoff = milliseconds(0);
      }
      if (!claimed->has_value()) {
        if (!idle_wait(milliseconds(config_.poll_interval_ms), true, seen_wakes)) return;
        continue;
      }
      run_job(index, **claimed, owner);
    } catch (const std::exception& e) {
      // Nothing here should throw; if something does, the job's lease expires and the loop
      // goes on after a pause rather than taking the process down.
      spdlog::error("visualization worker {}: unexpected error: {}", owner, e.what());
      if (!idle_wait(kMaxDatabaseBackoff, false, seen_wakes)) return;
    }
  }
}

void VisualizationWorkers::run_job(int index, const store::ClaimedJob& claimed,
                                   const std::string& owner) {
  const store::VisualizationRow& job = claimed.job;
  spdlog::debug("visualization {}: attempt {} by {}", job.id, job.attempts, owner);

  auto pending = std::make_shared<InFlight>();
  {
    std::lock_guard lock(mu_);
    pending->stopping = stopping_;
    pending->stop_deadline = stop_deadline_;
    in_flight_[static_cast<std::size_t>(index)] = pending;
  }
  struct Unregister {
    VisualizationWorkers* self;
    int index;
    ~Unregister() {
      std::lock_guard lock(self->mu_);
      self->in_flight_[static_cast<std::size_t>(index)].reset();
    }
  } unregister{this, index};

  ai::AiCall call;
  call.capability = config::Capability::kImage;
  sdk::ImageTask task;
  task.prompt = visualization_prompt(claimed.entry, job.style);
  task.aspect_ratio = job.aspect_ratio;
  call.task = std::move(task);
  call.user_id = job.user_id;
  call.request_id = "viz-" + job.id;
  ai_.call(std::move(call), [pending](ai::AiAnswer answer) {
    {
      std::lock_guard lock(pending->mu);
      pending->answer = std::move(answer);
    }
    pending->cv.notify_all();
  });

  const milliseconds lease(config_.lease_ms);
  const milliseconds renew_every = std::max(lease / 3, kMinRenewEvery);
  auto next_renewal = Clock::now() + renew_every;
  std::unique_lock lock(pending->mu);
  while (!pending->answer) {
    const bool was_stopping = pending->stopping;
    const auto until = was_stopping ? std::min(next_renewal, pending->stop_deadline) : next_renewal;
    pending->cv.wait_until(lock, until, [&] {
      return pending->answer.has_value() || pending->stopping != was_stopping;
    });
    if (pending->answer) break;
    const auto now = Clock::now();
    if (pending->stopping && now >= pending->stop_deadline) {
      spdlog::info("visualization {}: shutting down before the image came; its lease will expire",
                   job.id);
      return;
    }
    if (now < next_renewal) continue;
    lock.unlock();
    auto renewed = db_.run("visualizations.renew_lease", [&](soci::session& sql) {
      return store::VisualizationsRepository(sql).renew_lease(job.id, owner, lease);
    });
    lock.lock();
    if (renewed.ok() && !*renewed) {
      spdlog::warn("visualization {}: lease lost (taken over or deleted); abandoning it", job.id);
      return;
    }
    if (!renewed.ok()) {
      spdlog::warn("visualization {}: cannot renew the lease ({}); still waiting", job.id,
                   renewed.error().message);
    }
    next_renewal = Clock::now() + renew_every;
  }
  const ai::AiAnswer answer = std::move(*pending->answer);
  lock.unlock();
  settle(job, owner, answer);
}

void VisualizationWorkers::settle(const store::VisualizationRow& job, const std::string& owner,
                                  const ai::AiAnswer& answer) {
  using Repo = store::VisualizationsRepository;
  sdk::Failure failure;
  Error error;
  if (answer.ok()) {
    const auto* image = std::get_if<sdk::ImageOutput>(&answer.result().output);
    const auto info = image ? image_info(image->bytes) : std::nullopt;
    if (info) {
      const store::FinishedImage finished{answer.provider, answer.model, info->mime_type,
                                          info->width,     info->height, image->bytes};
      auto done = db_.transaction("visualizations.complete", [&](soci::session& sql) {
        return Repo(sql).complete_success(job.id, owner, finished);
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
    recorded = db_.run("visualizations.fail", [&](soci::session& sql) {
      return Repo(sql).fail(job.id, owner, code, message);
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
