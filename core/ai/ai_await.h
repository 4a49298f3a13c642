// AI calls from coroutines: `co_await ai::ask(ai, call)`, or StartedCall to run calls at the
// same time (start both, then await each). The call runs on the AI client's I/O thread; the
// awaiting coroutine resumes on its own pool (core/common/async.h), never on the I/O thread.
#pragma once

#include <chrono>
#include <optional>

#include "core/ai/ai_caller.h"
#include "core/common/async.h"

namespace moodgate::ai {

// A call already under way. Await its answer once.
class StartedCall {
 public:
  // Starts `call` now.
  StartedCall(AiCalls& ai, AiCall call) { ai.call(std::move(call), slot_.setter()); }

  async::Task<AiAnswer> answer() { return slot_.get(); }
  // The answer if it comes before `deadline`; otherwise nothing, and it can be awaited again.
  async::Task<std::optional<AiAnswer>> answer_until(
      std::chrono::steady_clock::time_point deadline) {
    return slot_.get_until(deadline);
  }

 private:
  async::OneShot<AiAnswer> slot_;
};

// Runs `call` and waits for its answer. (Not a coroutine itself: the slot outlives this
// function in what the returned awaitable holds.)
inline async::Task<AiAnswer> ask(AiCalls& ai, AiCall call) {
  StartedCall started(ai, std::move(call));
  return started.answer();
}

}  // namespace moodgate::ai
