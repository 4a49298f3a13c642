// Housekeeping runs each task every interval of its own (the first run at once when asked to),
// all on one named thread, survives a failing task, and stops promptly.
#include <pthread.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/common/threads.h"
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
                    },
                    10ms},
                   {"works",
                    [&]() -> Result<long long> {
                      working.fetch_add(1);
                      return 3LL;
                    },
                    10ms}});
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
                      },
                      std::chrono::hours(1)}});
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
                    },
                    std::chrono::hours(1), true}});
  for (int i = 0; i < 1000 && runs.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  CHECK(runs.load() == 1);
  hk.stop();
  CHECK(runs.load() == 1);  // and then waits its hour
}

TEST_CASE("housekeeping tasks keep intervals of their own, on one mg-housekeeping thread",
          "[services][housekeeping]") {
  std::mutex mu;
  std::set<std::string> threads;
  std::atomic<int> often{0};
  std::atomic<int> hourly_at_start{0};
  std::atomic<int> hourly{0};
  std::atomic<bool> right_role{true};
  auto note_thread = [&] {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    std::lock_guard lock(mu);
    threads.insert(name);
    if (this_thread_role() != ThreadRole::kHousekeeping) right_role = false;
  };
  Housekeeping hk({{"often",
                    [&]() -> Result<long long> {
                      note_thread();
                      often.fetch_add(1);
                      return 0LL;
                    },
                    10ms},
                   {"hourly, at start",
                    [&]() -> Result<long long> {
                      note_thread();
                      hourly_at_start.fetch_add(1);
                      return 0LL;
                    },
                    std::chrono::hours(1), true},
                   {"hourly",
                    [&]() -> Result<long long> {
                      hourly.fetch_add(1);
                      return 0LL;
                    },
                    std::chrono::hours(1)}});
  for (int i = 0; i < 1000 && often.load() < 5; ++i) std::this_thread::sleep_for(5ms);
  hk.stop();
  CHECK(often.load() >= 5);
  CHECK(hourly_at_start.load() == 1);
  CHECK(hourly.load() == 0);
  CHECK(threads == std::set<std::string>{"mg-housekeeping"});
  CHECK(right_role.load());
}
