// WorkerPool: a fixed set of threads for blocking work (database calls, password hashing), so
// that nothing blocks a Pistache event-loop thread.
//
// The queue is bounded: try_submit() refuses work beyond the limit instead of letting latency
// and memory grow without end; callers answer 503 then. Thread-safe. The destructor finishes the
// queued jobs and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace moodgate {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t queue_limit);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job; false when the queue is full or the pool is stopping. A job must not throw
  // (an escaping exception is caught and logged).
  bool try_submit(std::function<void()> job);
  // Queues a job whatever the queue's length: for the continuation of work already admitted
  // (a request whose AI call came back), which back-pressure must not drop half done. False
  // only once the pool is stopping; the caller then runs the job itself.
  bool submit_continuation(std::function<void()> job);

  // Jobs queued but not started.
  std::size_t queued() const;

  // Stops taking jobs, runs the queued ones, joins. Idempotent.
  void stop();

 private:
  void run();

  const std::size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace moodgate
