// The circuit breaker's states, driven with explicit time points.
#include "core/ai/circuit_breaker.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using moodgate::ai::CircuitBreaker;
using namespace std::chrono_literals;
using State = CircuitBreaker::State;

TEST_CASE("a breaker opens after the threshold of failures in a row", "[ai][breaker]") {
  CircuitBreaker breaker(3, 1000ms);
  const auto t0 = CircuitBreaker::Clock::now();
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  breaker.on_success();  // a success in between starts the count again
  breaker.on_failure(t0);
  breaker.on_failure(t0);
  CHECK(breaker.state(t0) == State::kClosed);
  CHECK(breaker.allow(t0));
  breaker.on_failure(t0);
  CHECK(breaker.state(t0) == State::kOpen);
  CHECK_FALSE(breaker.allow(t0 + 999ms));
  CHECK(breaker.times_opened() == 1);
}

TEST_CASE("after the cool-down one probe goes through and decides", "[ai][breaker]") {
  CircuitBreaker breaker(1, 1000ms);
  const auto t0 = CircuitBreaker::Clock::now();
  breaker.on_failure(t0);
  CHECK(breaker.state(t0 + 1000ms) == State::kHalfOpen);
  CHECK(breaker.allow(t0 + 1000ms));        // the probe
  CHECK_FALSE(breaker.allow(t0 + 1001ms));  // everyone else waits for it
  breaker.on_failure(t0 + 1100ms);          // the probe failed: open for another cool-down
  CHECK(breaker.state(t0 + 1500ms) == State::kOpen);
  CHECK_FALSE(breaker.allow(t0 + 2099ms));
  CHECK(breaker.allow(t0 + 2100ms));
  breaker.on_success();
  CHECK(breaker.state(t0 + 2100ms) == State::kClosed);
  CHECK(breaker.allow(t0 + 2100ms));
  CHECK(breaker.allow(t0 + 2100ms));
  CHECK(breaker.times_opened() == 2);
}

TEST_CASE("a threshold of 0 turns the breaker off", "[ai][breaker]") {
  CircuitBreaker breaker(0, 1000ms);
  for (int i = 0; i < 100; ++i) breaker.on_failure();
  CHECK(breaker.state() == State::kClosed);
  CHECK(breaker.allow());
}

TEST_CASE("of many threads asking at once, exactly one gets the probe", "[ai][breaker]") {
  CircuitBreaker breaker(1, 0ms);
  breaker.on_failure();
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) granted += breaker.allow() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 1);
}
