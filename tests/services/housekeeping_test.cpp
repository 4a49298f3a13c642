// Housekeeping runs its tasks every interval (the first round at once when asked to), survives a
// failing task, and stops promptly.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "core/services/housekeeping.h"

using namespace moodgate;
using namespace moodgate::services;
using namespace std::chrono_literals;

TEST_CASE("housekeeping runs every task each round, even after one fails",
          "[services][housekeeping]") {
  std::atomic<int> failing{0};
  std::atomic<int> working{0};
  Housekeeping hk({{"fails",
                    [&]() -> Result<long long> {
                      failing.fetch_add(1);
                      return Error::unavailable("database down");
                    }},
                   {"works",
                    [&]() -> Result<long long> {
                      working.fetch_add(1);
                      return 3LL;
                    }}},
                  10ms);
  for (int i = 0; i < 500 && working.load() < 3; ++i) std::this_thread::sleep_for(5ms);
  hk.stop();
  CHECK(working.load() >= 3);
  CHECK(failing.load() >= working.load() - 1);
  const int after_stop = working.load();
  std::this_thread::sleep_for(50ms);
  CHECK(working.load() == after_stop);
}

TEST_CASE("stopping housekeeping does not wait for the interval", "[services][housekeeping]") {
  std::atomic<int> runs{0};
  const auto start = std::chrono::steady_clock::now();
  {
    Housekeeping hk({{"never",
                      [&]() -> Result<long long> {
                        runs.fetch_add(1);
                        return 0LL;
                      }}},
                    std::chrono::hours(1));
  }
  CHECK(runs.load() == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
}

TEST_CASE("housekeeping started at once runs its first round without waiting for the interval",
          "[services][housekeeping]") {
  std::atomic<int> runs{0};
  Housekeeping hk({{"at start",
                    [&]() -> Result<long long> {
                      runs.fetch_add(1);
                      return 1LL;
                    }}},
                  std::chrono::hours(1), Housekeeping::Start::kAtOnce);
  for (int i = 0; i < 1000 && runs.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  CHECK(runs.load() == 1);
  hk.stop();
  CHECK(runs.load() == 1);  // and then waits its hour
}
