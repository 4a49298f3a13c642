// FakeAiCalls: an in-process AI for testing services without an HTTP server or a provider.
//
// Each call is answered by the script for its capability (a function of the call), on the
// fake's own thread, which takes the upstream role like the real client's I/O thread. hold()
// keeps calls waiting until release(), so a test can see which calls run at the same time.
// A capability without a script fails with kUnavailable. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/ai/ai_caller.h"

namespace moodgate::testing {

class FakeAiCalls : public ai::AiCalls {
 public:
  using Script = std::function<ai::AiAnswer(const ai::AiCall&)>;

  FakeAiCalls();
  ~FakeAiCalls() override;

  void script(config::Capability capability, Script answer);
  // From now on, calls wait until release().
  void hold();
  // Answers the calls waiting, and every later one at once.
  void release();
  // Calls received so far (waiting or answered).
  std::size_t calls() const;
  // Calls waiting for release().
  std::size_t held() const;
  // Waits until `n` calls are held; false after `timeout`.
  bool wait_held(std::size_t n, std::chrono::milliseconds timeout);

  void call(ai::AiCall call, std::function<void(ai::AiAnswer)> done) override;
  // What estimate(micros) set (0 until then), for every call.
  long long estimate_micros(const ai::AiCall& call) const override;
  void estimate(long long micros);

 private:
  struct Pending {
    ai::AiCall call;
    std::function<void(ai::AiAnswer)> done;
  };
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<config::Capability, Script>> scripts_;
  std::deque<Pending> queue_;  // to answer now
  std::vector<Pending> held_;  // waiting for release()
  bool holding_ = false;
  bool stopping_ = false;
  std::size_t calls_ = 0;
  long long estimate_ = 0;
  std::thread thread_;
};

// A text answer from `provider`.
ai::AiAnswer text_answer(const std::string& provider, const std::string& text);
// A failed answer.
ai::AiAnswer failed_answer(sdk::FailureKind kind, const std::string& message);

}  // namespace moodgate::testing
