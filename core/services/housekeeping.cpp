#include "core/services/housekeeping.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/common/threads.h"

namespace moodgate::services {

using Clock = std::chrono::steady_clock;

Housekeeping::Housekeeping(std::vector<HousekeepingTask> tasks)
    : tasks_(std::move(tasks)), thread_([this] { loop(); }) {}

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
  name_this_thread(ThreadRole::kHousekeeping, "mg-housekeeping");
  std::vector<Clock::time_point> due;
  const auto start = Clock::now();
  for (const HousekeepingTask& task : tasks_) {
    due.push_back(task.at_start ? start : start + task.interval);
  }
  std::unique_lock lock(mu_);
  for (;;) {
    const auto stopping = [this] { return stopping_; };
    if (due.empty()) {
      cv_.wait(lock, stopping);
      return;
    }
    if (cv_.wait_until(lock, *std::min_element(due.begin(), due.end()), stopping)) return;
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (stopping_) return;
      if (Clock::now() < due[i]) continue;
      const HousekeepingTask& task = tasks_[i];
      lock.unlock();
      Result<long long> changed = task.run();
      if (!changed) {
        spdlog::warn("housekeeping: {} failed: {}", task.name, changed.error().message);
      } else if (*changed > 0) {
        spdlog::debug("housekeeping: {} changed {} row(s)", task.name, *changed);
      }
      due[i] = Clock::now() + task.interval;
      lock.lock();
    }
  }
}

}  // namespace moodgate::services
