#include "core/ai/circuit_breaker.h"

namespace moodgate::ai {

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds cooldown)
    : threshold_(failure_threshold), cooldown_(cooldown) {}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen:
      if (now - opened_at_ < cooldown_) return false;
      state_ = State::kHalfOpen;
      probe_out_ = true;
      return true;
    case State::kHalfOpen:
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return true;
}

void CircuitBreaker::on_success() {
  std::lock_guard lock(mu_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::on_failure(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (threshold_ <= 0) return;
  if (state_ == State::kHalfOpen) {
    state_ = State::kOpen;
    opened_at_ = now;
    probe_out_ = false;
    ++times_opened_;
    return;
  }
  if (state_ == State::kOpen) return;  // a request let through before it opened
  if (++consecutive_failures_ >= threshold_) {
    state_ = State::kOpen;
    opened_at_ = now;
    consecutive_failures_ = 0;
    ++times_opened_;
  }
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  if (state_ == State::kOpen && now - opened_at_ >= cooldown_) return State::kHalfOpen;
  return state_;
}

long long CircuitBreaker::times_opened() const {
  std::lock_guard lock(mu_);
  return times_opened_;
}

const char* breaker_state_name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half_open";
  }
  return "closed";
}

}  // namespace moodgate::ai
