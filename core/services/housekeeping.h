// Housekeeping: one background thread (mg-housekeeping) that runs maintenance tasks, each every
// interval of its own (expired sessions, revocations, rate-limit counters every few minutes;
// analyses and quota reservations their instance left behind every few seconds to a minute), so
// tables that grow with traffic stay small and no row waits for a process that is gone.
//
// Every instance runs it; the tasks are idempotent, so instances sharing a database do not
// need to coordinate. A task's interval runs from the end of its previous run; its first run
// comes after one interval, or at once (`at_start`) for work a restart should not wait for.
// Tasks due together run in the order given. A failing task is logged and tried again after
// its interval. Tasks run on the housekeeping thread and may block (database calls).
// Thread-safe; stop() (or the destructor) wakes the thread and joins it, after the task
// running, if any, has returned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/result.h"
#include "core/common/thread_annotations.h"

namespace moodgate::services {

struct HousekeepingTask {
  std::string name;
  std::function<Result<long long>()> run;                       // returns rows removed (or changed)
  std::chrono::milliseconds interval{std::chrono::minutes(5)};  // from one run's end to the next
  bool at_start = false;  // the first run at once, not after one interval
};

class Housekeeping {
 public:
  // Starts the thread.
  explicit Housekeeping(std::vector<HousekeepingTask> tasks);
  ~Housekeeping();
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  // No task starts after it returns. Idempotent.
  void stop() MG_EXCLUDES(mu_);

 private:
  void loop() MG_EXCLUDES(mu_);

  const std::vector<HousekeepingTask> tasks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ MG_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once everything above is initialised
};

}  // namespace moodgate::services
