// DeadlineWatchdog: one thread (mg-watchdog) that runs callbacks whose deadline has passed, unless
// they were cancelled first. The HTTP core uses it for request deadlines and slow-client timeouts,
// so neither needs a timer per connection nor Pistache's own timers (which answer a bare 408 even
// while a handler is still working).
//
// Thread-safe. Callbacks run on the watchdog thread, outside its lock, and must be quick, must
// not block (debug builds catch a database call there) and must not throw; they may call
// schedule() and cancel(). After stop() nothing more fires.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/common/thread_annotations.h"

namespace moodgate::http {

class DeadlineWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;  // never 0

  DeadlineWatchdog();
  ~DeadlineWatchdog();
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  // Runs `fire` at `deadline` unless cancelled before; returns the id to cancel it with, or 0
  // (and drops `fire`) once stopped.
  Id schedule(Clock::time_point deadline, std::function<void()> fire);
  // True when the callback was cancelled before it started to run.
  bool cancel(Id id);
  // Callbacks scheduled and neither fired nor cancelled.
  std::size_t pending() const;
  // Stops the thread; pending callbacks are dropped. Idempotent.
  void stop();

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, Id> by_deadline_ MG_GUARDED_BY(mu_);
  std::unordered_map<Id, std::pair<Clock::time_point, std::function<void()>>> callbacks_
      MG_GUARDED_BY(mu_);
  Id next_id_ MG_GUARDED_BY(mu_) = 1;
  // When the thread means to look next; min() while it is not waiting (it looks again anyway).
  Clock::time_point wake_at_ MG_GUARDED_BY(mu_) = Clock::time_point::min();
  bool stopping_ MG_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace moodgate::http
