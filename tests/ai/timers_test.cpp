// UpstreamTimers, the engine's real time: steady_clock, waits on the client's I/O thread, and
// full jitter over the whole of [0, ceiling].
#include "core/ai/timers.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "core/ai/upstream_client.h"

using namespace std::chrono_literals;
using moodgate::ai::UpstreamClient;
using moodgate::ai::UpstreamTimers;
using Clock = std::chrono::steady_clock;

TEST_CASE("the real jitter picks every wait from 0 to the ceiling and nothing outside",
          "[ai][timers]") {
  UpstreamClient client;
  UpstreamTimers timers(client);
  std::set<long long> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto wait = timers.jitter(20ms);
    REQUIRE(wait >= 0ms);
    REQUIRE(wait <= 20ms);
    seen.insert(wait.count());
  }
  CHECK(seen.size() == 21);  // each value missed with odds of (20/21)^2000
  CHECK(timers.jitter(0ms) == 0ms);
  CHECK(timers.jitter(-5ms) == 0ms);
}

TEST_CASE("the real timers read steady_clock and wait on the client's I/O thread", "[ai][timers]") {
  UpstreamClient client;
  UpstreamTimers timers(client);
  const auto before = Clock::now();
  const auto now = timers.now();
  CHECK(now >= before);
  CHECK(now <= Clock::now());

  std::promise<std::thread::id> ran_on;
  REQUIRE(timers.schedule(20ms, [&] { ran_on.set_value(std::this_thread::get_id()); }));
  auto future = ran_on.get_future();
  REQUIRE(future.wait_for(5s) == std::future_status::ready);
  CHECK(Clock::now() - before >= 20ms);
  CHECK(future.get() != std::this_thread::get_id());

  client.stop();
  bool ran = false;
  CHECK_FALSE(timers.schedule(0ms, [&] { ran = true; }));
  CHECK_FALSE(ran);
}
