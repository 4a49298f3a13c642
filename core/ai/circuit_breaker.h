// CircuitBreaker: keeps calls away from a provider instance that keeps failing, so they fall
// back along the chain at once instead of each waiting out timeouts and retries.
//
// Closed: requests go ahead; `failure_threshold` failed requests in a row open it. Open: every
// request is refused until `cooldown` has passed. Half-open: one probe request goes ahead while
// the others are still refused; its success closes the breaker, its failure opens it for another
// cool-down. What counts as a failure is the caller's call (AiCaller counts what says the
// provider is unwell: unavailable, timeout, rate limited, bad response, refused credentials).
//
// Time is the caller's: what depends on it takes `now` (AiCaller passes its Timers' clock, so a
// test can pass a cool-down without sleeping); left out, it is steady_clock's now.
//
// A threshold of 0 turns the breaker off: it stays closed. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

namespace moodgate::ai {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown);

  // Whether a request may go to the instance now. In half-open, true hands out the one probe:
  // the caller must then report its outcome with on_success() or on_failure().
  bool allow(Clock::time_point now = Clock::now());
  void on_success();
  void on_failure(Clock::time_point now = Clock::now());

  // The state at `now` (an open breaker whose cool-down is over reads as half-open).
  State state(Clock::time_point now = Clock::now()) const;
  // Times the breaker has opened (half-open → open included).
  long long times_opened() const;

 private:
  const int threshold_;
  const std::chrono::milliseconds cooldown_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  Clock::time_point opened_at_{};
  bool probe_out_ = false;
  long long times_opened_ = 0;
};

// "closed", "open" or "half_open".
const char* breaker_state_name(CircuitBreaker::State state);

}  // namespace moodgate::ai
