// Housekeeping: one background thread that periodically runs maintenance tasks (expired
// sessions, revocations, rate-limit counters; analyses their instance left pending), so tables
// that grow with traffic stay small and no row waits for a process that is gone.
//
// Every instance runs it; the tasks are idempotent, so instances sharing a database do not
// need to coordinate. A failing task is logged and tried again next round. The first round
// runs after one interval, or at once (Housekeeping::Start::kAtOnce) for work a restart should
// not wait for. Thread-safe; stop() (or the destructor) wakes the thread and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/result.h"

namespace moodgate::services {

struct HousekeepingTask {
  std::string name;
  std::function<Result<long long>()> run;  // returns rows removed (or changed)
};

class Housekeeping {
 public:
  enum class Start { kAfterInterval, kAtOnce };

  Housekeeping(std::vector<HousekeepingTask> tasks, std::chrono::milliseconds interval,
               Start start = Start::kAfterInterval);
  ~Housekeeping();
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  void stop();

 private:
  void loop();

  std::vector<HousekeepingTask> tasks_;
  std::chrono::milliseconds interval_;
  Start start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace moodgate::services
