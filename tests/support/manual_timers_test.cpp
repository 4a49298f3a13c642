// ManualTimers itself: time moves only in advance(), which runs what falls due in order, each
// at its own due time, and nothing early.
#include "tests/support/manual_timers.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using moodgate::testing::ManualTimers;

TEST_CASE("manual timers run what falls due in order, each seeing its own due time",
          "[support][timers]") {
  ManualTimers timers;
  const auto t0 = timers.now();
  std::vector<std::pair<std::string, std::chrono::milliseconds>> ran;
  auto record = [&](std::string name) {
    return [&, name] {
      ran.emplace_back(name, std::chrono::ceil<std::chrono::milliseconds>(timers.now() - t0));
    };
  };
  timers.schedule(300ms, record("300"));
  timers.schedule(100ms, record("100a"));
  timers.schedule(200ms, record("200"));
  timers.schedule(100ms, record("100b"));
  timers.schedule(0ms, record("0"));
  CHECK(ran.empty());  // never inside schedule()
  CHECK(timers.pending() == 5);

  timers.advance(0ms);
  REQUIRE(ran.size() == 1);
  timers.advance(199ms);
  REQUIRE(ran.size() == 3);
  CHECK(timers.now() - t0 == 199ms);
  timers.advance(1s);
  REQUIRE(ran.size() == 5);
  CHECK(ran[0] == std::pair<std::string, std::chrono::milliseconds>("0", 0ms));
  CHECK(ran[1] == std::pair<std::string, std::chrono::milliseconds>("100a", 100ms));
  CHECK(ran[2] == std::pair<std::string, std::chrono::milliseconds>("100b", 100ms));
  CHECK(ran[3] == std::pair<std::string, std::chrono::milliseconds>("200", 200ms));
  CHECK(ran[4] == std::pair<std::string, std::chrono::milliseconds>("300", 300ms));
  CHECK(timers.now() - t0 == 1199ms);
  CHECK(timers.pending() == 0);
  CHECK(timers.delays() == std::vector<std::chrono::milliseconds>{300ms, 100ms, 200ms, 100ms, 0ms});
}

TEST_CASE("a wait scheduled by a wait runs in the same advance when it falls due within it",
          "[support][timers]") {
  ManualTimers timers;
  int chained = 0;
  timers.schedule(10ms, [&] {
    ++chained;
    timers.schedule(10ms, [&] { ++chained; });
    timers.schedule(50ms, [&] { ++chained; });
  });
  timers.advance(20ms);
  CHECK(chained == 2);
  CHECK(timers.pending() == 1);
  timers.advance(39ms);
  CHECK(chained == 2);
  timers.advance(1ms);
  CHECK(chained == 3);
}

TEST_CASE("manual jitter answers the ceiling unless the test chooses", "[support][timers]") {
  ManualTimers timers;
  CHECK(timers.jitter(250ms) == 250ms);
  CHECK(timers.jitter(-1ms) == 0ms);
  timers.set_jitter([](std::chrono::milliseconds ceiling) { return ceiling / 2; });
  CHECK(timers.jitter(250ms) == 125ms);
}

TEST_CASE(
    "a test can wait for a wait scheduled from another thread, and pending ones are "
    "dropped unrun with the timers",
    "[support][timers]") {
  auto ran = std::make_shared<bool>(false);
  auto held = std::make_shared<int>(0);
  {
    ManualTimers timers;
    CHECK_FALSE(timers.wait_for_pending(1, 10ms));
    std::thread other([&] { timers.schedule(1s, [ran, held] { *ran = true; }); });
    CHECK(timers.wait_for_pending(1));
    other.join();
    CHECK(held.use_count() == 2);
  }
  CHECK_FALSE(*ran);
  CHECK(held.use_count() == 1);  // the dropped wait let go of what it held
}
