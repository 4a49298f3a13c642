// Housekeeping: one background thread that periodically runs cleanup tasks (expired sessions,
// revocations, rate-limit counters), so tables that grow with traffic stay small.
//
// Every instance runs it; the deletes are idempotent, so instances sharing a database do not
// need to coordinate. A failing task is logged and tried again next round. Thread-safe; stop()
// (or the destructor) wakes the thread and joins it.
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
  std::function<Result<long long>()> run;  // returns rows removed
};

class Housekeeping {
 public:
  Housekeeping(std::vector<HousekeepingTask> tasks, std::chrono::milliseconds interval);
  ~Housekeeping();
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  void stop();

 private:
  void loop();

  std::vector<HousekeepingTask> tasks_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace moodgate::services
