// VisualizationWorkers with an in-process AI that answers only when the test says so: a job
// waiting for its image holds no thread (the workers' threads do not grow with `workers`),
// wake() makes an idle worker look at once, stop() keeps to its grace however far the next
// lease renewal is, and an answer that comes after its job was abandoned is dropped.
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ai/ai_caller.h"
#include "core/services/visualization_worker.h"
#include "core/store/visualizations_repository.h"
#include "tests/support/fake_gemini.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_jobs.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// An AI that holds every call until the test answers it, on the test's thread.
class HeldCalls final : public ai::AiCalls {
 public:
  void call(ai::AiCall call, std::function<void(ai::AiAnswer)> done) override {
    std::lock_guard lock(mu_);
    held_.push_back({std::move(call), std::move(done)});
  }
  long long estimate_micros(const ai::AiCall&) const override { return 0; }

  std::size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }

  // Waits up to 10 s until `count` calls are held; true when they are.
  bool wait_for_held(std::size_t count) const {
    for (auto until = Clock::now() + 10s; Clock::now() < until; std::this_thread::sleep_for(5ms)) {
      if (held() >= count) return true;
    }
    return held() >= count;
  }

  // Answers every call held so far with `png`, as provider "fake".
  void answer_all(const std::string& png) {
    std::vector<Held> calls;
    {
      std::lock_guard lock(mu_);
      calls.swap(held_);
    }
    for (Held& held : calls) {
      sdk::Result result;
      result.output = sdk::ImageOutput{png, "image/png"};
      result.model = "fake-1";
      ai::AiAnswer answer;
      answer.outcome = std::move(result);
      answer.provider = "fake";
      answer.model = "fake-1";
      answer.attempts = 1;
      held.done(std::move(answer));
    }
  }

 private:
  struct Held {
    ai::AiCall call;
    std::function<void(ai::AiAnswer)> done;
  };
  mutable std::mutex mu_;
  std::vector<Held> held_;
};

config::VisualizationsConfig jobs_config(int workers) {
  config::VisualizationsConfig c;
  c.workers = workers;
  c.lease_ms = 2000;
  c.poll_interval_ms = 20;
  c.max_attempts = 3;
  c.backoff_initial_ms = 10;
  c.backoff_max_ms = 40;
  return c;
}

// The process's threads, by name (/proc/self/task/*/comm).
std::vector<std::string> thread_names() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  return names;
}

std::size_t threads_named(const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& name : thread_names()) n += name.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

using Fixture = TestJobs;

}  // namespace

TEST_CASE("four images in the making hold no worker thread: the jobs pool's two threads serve them",
          "[services][viz][worker][threads]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Fixture f(backend);
  HeldCalls ai;
  services::VisualizationWorkers workers(*f.db, ai, jobs_config(4), "i1");
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(f.queue());
  const std::size_t threads_before = thread_names().size();

  workers.start();
  REQUIRE(ai.wait_for_held(4));  // four calls in flight at once, one per worker
  CHECK(threads_named("mg-jobs") == 2);
  CHECK(thread_names().size() - threads_before <= 2);
  for (const auto& id : ids)
    CHECK(f.row(id).status == moodgate::store::VisualizationStatus::kRunning);

  ai.answer_all(tiny_png());
  for (const auto& id : ids) {
    const auto done = f.settled(id);
    CHECK(done.status == moodgate::store::VisualizationStatus::kSucceeded);
    CHECK(done.provider == std::optional<std::string>("fake"));
    CHECK(done.width == std::optional<int>(1));
  }
  workers.stop();
  CHECK(workers.jobs_settled() == 4);
  // Joined; the kernel may list an exited thread a moment longer.
  for (auto until = Clock::now() + 5s; threads_named("mg-jobs") > 0 && Clock::now() < until;) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(threads_named("mg-jobs") == 0);
}

TEST_CASE("wake() makes an idle worker look for jobs at once, not after its poll interval",
          "[services][viz][worker][threads]") {
  Fixture f("sqlite");
  HeldCalls ai;
  auto cfg = jobs_config(1);
  cfg.poll_interval_ms = 600000;
  services::VisualizationWorkers workers(*f.db, ai, cfg, "i1");
  workers.start();
  std::this_thread::sleep_for(100ms);  // found nothing; idle for ten minutes
  f.queue();
  const auto woken = Clock::now();
  workers.wake();
  REQUIRE(ai.wait_for_held(1));
  CHECK(Clock::now() - woken < 5s);
  ai.answer_all(tiny_png());
}

TEST_CASE("stop() keeps to its grace however far away the next lease renewal is",
          "[services][viz][worker][threads]") {
  Fixture f("sqlite");
  HeldCalls ai;
  auto cfg = jobs_config(2);
  cfg.lease_ms = 600000;  // renewals every 200 s
  auto workers = std::make_unique<services::VisualizationWorkers>(*f.db, ai, cfg, "i1");
  const std::string id = f.queue();
  workers->start();
  REQUIRE(ai.wait_for_held(1));

  const auto before = Clock::now();
  workers->stop(100ms);
  const auto took = Clock::now() - before;
  CHECK(took >= 100ms);
  CHECK(took < 5s);
  workers.reset();
  // Left running under its lease; the answer that comes now is dropped.
  ai.answer_all(tiny_png());
  const auto left = f.row(id);
  CHECK(left.status == moodgate::store::VisualizationStatus::kRunning);
  CHECK(left.attempts == 1);
}
