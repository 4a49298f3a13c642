// Timers: the AI call engine's sense of time — the clock it reads, the waits it schedules
// (retry backoff, a local answer's simulated latency) and the random part of a backoff — behind
// one interface, so tests can drive all three by hand instead of sleeping
// (tests/support/manual_timers.h).
//
// UpstreamTimers is the real one: steady_clock, waits on the UpstreamClient's I/O thread, and
// full jitter from a per-thread random generator. Thread-safe.
#pragma once

#include <chrono>
#include <functional>

namespace moodgate::ai {

class UpstreamClient;

class Timers {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~Timers() = default;

  // The current time.
  virtual Clock::time_point now() const = 0;
  // Runs `fn` once `delay` has passed, never inside this call. Returns false, and drops `fn`
  // without running it, when it never will (the timers are stopping); a wait still pending
  // when they stop is dropped the same way.
  virtual bool schedule(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // A wait in [0, ceiling] ("full jitter", so clients that failed together do not come back
  // together); 0 for a ceiling of 0 or less.
  virtual std::chrono::milliseconds jitter(std::chrono::milliseconds ceiling) = 0;
};

class UpstreamTimers final : public Timers {
 public:
  // `client` must outlive these timers. Its stop() drops the waits still pending.
  explicit UpstreamTimers(UpstreamClient& client) : client_(client) {}

  Clock::time_point now() const override { return Clock::now(); }
  // Runs `fn` on the client's I/O thread (UpstreamClient::schedule).
  bool schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
  // Uniform over [0, ceiling], from a random generator of the calling thread.
  std::chrono::milliseconds jitter(std::chrono::milliseconds ceiling) override;

 private:
  UpstreamClient& client_;
};

}  // namespace moodgate::ai
