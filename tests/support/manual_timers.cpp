#include "tests/support/manual_timers.h"

#include <algorithm>

namespace moodgate::testing {

using std::chrono::milliseconds;

ManualTimers::ManualTimers() : now_(Clock::now()) {}

ManualTimers::~ManualTimers() {
  decltype(waits_) dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(waits_);
  }
  // Destroyed outside the lock: what a wait holds may answer its caller as it goes.
}

ManualTimers::Clock::time_point ManualTimers::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

bool ManualTimers::schedule(milliseconds delay, std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    delays_.push_back(delay);
    waits_.emplace(std::pair(now_ + std::max(delay, milliseconds(0)), next_seq_++), std::move(fn));
  }
  scheduled_.notify_all();
  return true;
}

milliseconds ManualTimers::jitter(milliseconds ceiling) {
  Jitter choose;
  {
    std::lock_guard lock(mu_);
    choose = jitter_;
  }
  if (choose) return choose(ceiling);
  return std::max(ceiling, milliseconds(0));
}

void ManualTimers::advance(milliseconds by) {
  std::unique_lock lock(mu_);
  const Clock::time_point until = now_ + by;
  for (;;) {
    auto first = waits_.begin();
    if (first == waits_.end() || first->first.first > until) break;
    now_ = std::max(now_, first->first.first);
    std::function<void()> fn = std::move(first->second);
    waits_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
  now_ = std::max(now_, until);
}

bool ManualTimers::wait_for_pending(std::size_t count, milliseconds timeout) {
  std::unique_lock lock(mu_);
  return scheduled_.wait_for(lock, timeout, [&] { return waits_.size() >= count; });
}

std::size_t ManualTimers::pending() const {
  std::lock_guard lock(mu_);
  return waits_.size();
}

std::vector<milliseconds> ManualTimers::delays() const {
  std::lock_guard lock(mu_);
  return delays_;
}

void ManualTimers::set_jitter(Jitter choose) {
  std::lock_guard lock(mu_);
  jitter_ = std::move(choose);
}

}  // namespace moodgate::testing
