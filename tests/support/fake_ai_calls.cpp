#include "tests/support/fake_ai_calls.h"

#include "core/common/threads.h"

namespace moodgate::testing {

FakeAiCalls::FakeAiCalls() : thread_([this] { run(); }) {}

FakeAiCalls::~FakeAiCalls() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // Calls still held are answered, as the real client answers "shutting down" on stop.
    for (auto& p : held_) queue_.push_back(std::move(p));
    held_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void FakeAiCalls::script(config::Capability capability, Script answer) {
  std::lock_guard lock(mu_);
  scripts_.emplace_back(capability, std::move(answer));
}

void FakeAiCalls::hold() {
  std::lock_guard lock(mu_);
  holding_ = true;
}

void FakeAiCalls::release() {
  {
    std::lock_guard lock(mu_);
    holding_ = false;
    for (auto& p : held_) queue_.push_back(std::move(p));
    held_.clear();
  }
  cv_.notify_all();
}

std::size_t FakeAiCalls::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t FakeAiCalls::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

bool FakeAiCalls::wait_held(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
}

long long FakeAiCalls::estimate_micros(const ai::AiCall&) const {
  std::lock_guard lock(mu_);
  return estimate_;
}

void FakeAiCalls::estimate(long long micros) {
  std::lock_guard lock(mu_);
  estimate_ = micros;
}

void FakeAiCalls::call(ai::AiCall call, std::function<void(ai::AiAnswer)> done) {
  {
    std::lock_guard lock(mu_);
    ++calls_;
    Pending p{std::move(call), std::move(done)};
    if (holding_) {
      held_.push_back(std::move(p));
    } else {
      queue_.push_back(std::move(p));
    }
  }
  cv_.notify_all();
}

void FakeAiCalls::run() {
  name_this_thread(ThreadRole::kUpstream, "fake-upstream");
  for (;;) {
    Pending next;
    Script script;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
      for (const auto& [capability, s] : scripts_) {
        if (capability == next.call.capability) script = s;
      }
    }
    next.done(script ? script(next.call)
                     : failed_answer(sdk::FailureKind::kUnavailable, "no script for this call"));
  }
}

ai::AiAnswer text_answer(const std::string& provider, const std::string& text) {
  ai::AiAnswer a;
  sdk::Result r;
  r.output = sdk::TextOutput{text};
  r.finish_reason = "STOP";
  a.outcome = std::move(r);
  a.provider = provider;
  a.model = provider + "-model";
  a.attempts = 1;
  return a;
}

ai::AiAnswer failed_answer(sdk::FailureKind kind, const std::string& message) {
  ai::AiAnswer a;
  sdk::Failure f;
  f.kind = kind;
  f.message = message;
  a.outcome = std::move(f);
  a.provider = "fake";
  a.attempts = 1;
  return a;
}

}  // namespace moodgate::testing
