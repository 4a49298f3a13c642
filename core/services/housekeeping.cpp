#include "core/services/housekeeping.h"

#include <spdlog/spdlog.h>

namespace moodgate::services {

Housekeeping::Housekeeping(std::vector<HousekeepingTask> tasks, std::chrono::milliseconds interval,
                           Start start)
    : tasks_(std::move(tasks)), interval_(interval), start_(start), thread_([this] { loop(); }) {}

Housekeeping::~Housekeeping() {
  stop();
}

void Housekeeping::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Housekeeping::loop() {
  std::unique_lock lock(mu_);
  bool wait = start_ == Start::kAfterInterval;
  for (;;) {
    if (wait && cv_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    if (stopping_) return;
    wait = true;
    lock.unlock();
    for (const HousekeepingTask& task : tasks_) {
      Result<long long> removed = task.run();
      if (!removed) {
        spdlog::warn("housekeeping: {} failed: {}", task.name, removed.error().message);
      } else if (*removed > 0) {
        spdlog::debug("housekeeping: {} changed {} row(s)", task.name, *removed);
      }
    }
    lock.lock();
  }
}

}  // namespace moodgate::services
