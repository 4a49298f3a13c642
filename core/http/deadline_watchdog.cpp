#include "core/http/deadline_watchdog.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <vector>

#include "core/common/threads.h"

namespace moodgate::http {
namespace {

// The longest the thread sleeps. A deadline further away than its planned wake-up needs no
// wake-up call: most deadlines (request, header and write timeouts) are seconds away, so
// scheduling them costs no context switch.
constexpr std::chrono::milliseconds kLongestSleep{200};

}  // namespace

DeadlineWatchdog::DeadlineWatchdog() : thread_([this] { run(); }) {}

DeadlineWatchdog::~DeadlineWatchdog() {
  stop();
}

DeadlineWatchdog::Id DeadlineWatchdog::schedule(Clock::time_point deadline,
                                                std::function<void()> fire) {
  Id id = 0;
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    // After stop() nothing fires, so nothing is kept: a callback holding its owner would leak.
    if (stopping_) return 0;
    id = next_id_++;
    earliest = deadline < wake_at_;
    by_deadline_.emplace(deadline, id);
    callbacks_.emplace(id, std::make_pair(deadline, std::move(fire)));
  }
  if (earliest) cv_.notify_one();
  return id;
}

bool DeadlineWatchdog::cancel(Id id) {
  std::lock_guard lock(mu_);
  auto it = callbacks_.find(id);
  if (it == callbacks_.end()) return false;
  auto [first, last] = by_deadline_.equal_range(it->second.first);
  for (auto d = first; d != last; ++d) {
    if (d->second == id) {
      by_deadline_.erase(d);
      break;
    }
  }
  callbacks_.erase(it);
  return true;
}

std::size_t DeadlineWatchdog::pending() const {
  std::lock_guard lock(mu_);
  return callbacks_.size();
}

void DeadlineWatchdog::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    by_deadline_.clear();
    callbacks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeadlineWatchdog::run() {
  name_this_thread(ThreadRole::kWatchdog, "mg-watchdog");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    if (by_deadline_.empty() || by_deadline_.begin()->first > now) {
      wake_at_ = now + kLongestSleep;
      if (!by_deadline_.empty()) wake_at_ = std::min(wake_at_, by_deadline_.begin()->first);
      cv_.wait_until(lock, wake_at_);
      continue;
    }
    // Busy firing: schedule() need not wake the thread, which looks again right after.
    wake_at_ = Clock::time_point::min();
    std::vector<std::function<void()>> due;
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      auto it = callbacks_.find(by_deadline_.begin()->second);
      due.push_back(std::move(it->second.second));
      callbacks_.erase(it);
      by_deadline_.erase(by_deadline_.begin());
    }
    lock.unlock();
    for (auto& fire : due) {
      try {
        fire();
      } catch (const std::exception& e) {
        spdlog::error("deadline callback threw: {}", e.what());
      }
    }
    lock.lock();
  }
}

}  // namespace moodgate::http
