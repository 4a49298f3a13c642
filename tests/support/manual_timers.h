// ManualTimers: ai::Timers whose time moves only when a test says so. advance() moves the clock
// forward and runs the waits that fall due, in the order of their due time (those due together
// in the order they were scheduled), each seeing now() at its own due time; a wait scheduled by
// one of them that falls due within the same advance runs too. Waits run on the thread that
// calls advance(), never inside schedule().
//
// The clock starts at steady_clock's time of construction, so a time point taken from it can be
// compared with one a test builds from it (a call's deadline, a breaker's now). jitter() answers
// the ceiling, the longest wait, unless the test sets its own choice.
//
// Thread-safe: the code under test may schedule from any thread (the UpstreamClient's I/O thread
// after a reply) while the test advances. Waits still pending at destruction are dropped without
// running, as the real timers drop them at stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "core/ai/timers.h"

namespace moodgate::testing {

class ManualTimers final : public ai::Timers {
 public:
  using Jitter = std::function<std::chrono::milliseconds(std::chrono::milliseconds ceiling)>;

  ManualTimers();
  ~ManualTimers() override;
  ManualTimers(const ManualTimers&) = delete;
  ManualTimers& operator=(const ManualTimers&) = delete;

  Clock::time_point now() const override;
  bool schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
  std::chrono::milliseconds jitter(std::chrono::milliseconds ceiling) override;

  // Moves the clock `by` forward, running every wait that falls due on the way.
  void advance(std::chrono::milliseconds by);
  // Waits (in real time, at most `timeout`) until at least `count` waits are pending; whether
  // they are. For code that schedules from another thread (after an upstream reply).
  bool wait_for_pending(std::size_t count,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits scheduled and not yet run.
  std::size_t pending() const;
  // The delay of every wait scheduled so far, in order.
  std::vector<std::chrono::milliseconds> delays() const;
  // From now on jitter() answers `choose(ceiling)`.
  void set_jitter(Jitter choose);

 private:
  mutable std::mutex mu_;
  std::condition_variable scheduled_;
  Clock::time_point now_;
  std::uint64_t next_seq_ = 0;
  // Keyed by (due time, order scheduled).
  std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> waits_;
  std::vector<std::chrono::milliseconds> delays_;
  Jitter jitter_;
};

}  // namespace moodgate::testing
