// AiCaller: runs one AI call through the chain of provider instances serving its capability.
//
// For each instance in the chain, in order:
// - an instance whose spend budget is used up (providers.instances.<name>.budget_usd,
//   core/ai/provider_budgets.h) is skipped at once, and so is one whose circuit breaker is open;
// - a text task's max_output_tokens is capped at the instance's (what the call was estimated at);
// - the plugin translates the task (start()), the request goes out on the UpstreamClient (or a
//   local answer is delivered after its delay), and the plugin reads the reply (finish()), which
//   may ask for another request (submit-and-poll providers): all of that is one attempt;
// - a retryable failure (unavailable, timeout, rate limited, bad response) is tried again on the
//   same instance after a backoff with full jitter (a random wait up to the ceiling of
//   core/ai/backoff.h: backoff_initial_ms, doubling per retry, at most backoff_max_ms), waiting
//   at least the provider's own retry delay (Gemini's RetryInfo, Retry-After), up to
//   max_attempts (a bad response is retried once) and only while the instance's deadline_ms
//   leaves time for it. Each attempt is bounded by timeout_ms and by what is left of the
//   deadline;
// - when the instance gives up with a failure another provider may not have (the retryable
//   ones, and refused credentials), the call falls back to the next instance. A request the
//   provider calls invalid, or content its safety filters block, ends the call: another
//   provider would most likely refuse it too, and a safety refusal must not be shopped around.
//
// The chain is taken from the registry once, when the call starts, so a reload never changes
// the providers of a call in flight. Every call leaves one UsageRecord (tokens, cost from the
// instance's prices, latency, outcome, attempts, the call's quota reservation) with the
// UsageSink.
//
// Time comes from a Timers (core/ai/timers.h): deadlines, latency and the breakers' cool-downs
// are read on its clock, backoffs and a local answer's delay are waited on its timers, and the
// jitter is its choice. By default that is UpstreamTimers over the client: steady_clock, and
// waits on the client's I/O thread.
//
// Nothing blocks: the call starts on the caller's thread and, from its first exchange or wait
// on, runs on the UpstreamClient's I/O thread (a test's Timers may run waits on a thread of
// their own; one call's steps still run one at a time). `done` runs exactly once, there or, for
// a call that ends without waiting for anything (a local answer without delay, every breaker
// open, a refusal before any request), on the caller's thread inside call(). Either way it
// must be quick and hand database work to a worker pool. If a wait is dropped (the client
// stopped while the call waited for a backoff), `done` gets kUnavailable "shutting down".
// Thread-safe: call() may be used from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "core/ai/provider_budgets.h"
#include "core/ai/provider_registry.h"
#include "core/ai/timers.h"
#include "core/ai/upstream_client.h"
#include "core/ai/usage.h"
#include "moodgate/provider.h"

namespace moodgate::ai {

struct AiCall {
  config::Capability capability = config::Capability::kAnalysis;
  sdk::Task task;                      // an ImageTask for kImage, else a TextTask
  std::optional<std::string> user_id;  // for the usage record
  std::string request_id;              // for the usage record and logs
  // No attempt starts, and no backoff is waited, past this point (e.g. the HTTP request's own
  // deadline), on the AiCaller's Timers clock (steady_clock by default); each instance's
  // deadline_ms applies as well.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // The user's quota reservation for this call (services/quota_service.h), or "" for none. It
  // rides on the call's usage record, and the usage recorder settles it at the call's cost, or
  // refunds it when nothing was billed, as it stores the record.
  std::string reservation_id;
};

struct AiAnswer {
  // A failure's message is fit for the log (no key of the instance's settings) but may name a
  // host a plugin echoed: clients see only error_for()'s version of it (core/ai/ai_error.h).
  std::variant<sdk::Result, sdk::Failure> outcome;
  std::string provider;  // the instance that answered, or the last one tried ("" if none was)
  std::string model;
  int attempts = 0;  // requests tried, every instance together
  std::chrono::milliseconds latency{0};
  double cost_usd = 0;  // what the answer costs at the answering instance's prices (0 if failed)

  bool ok() const { return std::holds_alternative<sdk::Result>(outcome); }
  const sdk::Result& result() const { return std::get<sdk::Result>(outcome); }
  const sdk::Failure& failure() const { return std::get<sdk::Failure>(outcome); }
};

// What services need of the AI: one call, answered once. AiCaller is the real one; tests of the
// services give them an in-process fake instead (tests/support/fake_ai_calls.h).
class AiCalls {
 public:
  virtual ~AiCalls() = default;
  // Runs `call`; `done` runs exactly once, on any thread, and must only hand work on.
  virtual void call(AiCall call, std::function<void(AiAnswer)> done) = 0;
  // What `call` may cost at most, in micro-USD, before it is sent: the most of estimate_micros()
  // over the instances that may serve it (a per-user spend quota reserves this much).
  virtual long long estimate_micros(const AiCall& call) const = 0;
};

class AiCaller final : public AiCalls {
 public:
  // `usage` may be null (no accounting: quota reservations are then left to expire); `timers`
  // null means UpstreamTimers over `client`; `budgets` null means no instance is ever skipped
  // for its budget. All of them must outlive every call.
  AiCaller(const ProviderRegistry& registry, UpstreamClient& client, UsageSink* usage,
           Timers* timers = nullptr, const ProviderBudgets* budgets = nullptr);

  void call(AiCall call, std::function<void(AiAnswer)> done) override;
  long long estimate_micros(const AiCall& call) const override;

  // Calls started whose `done` has not run yet.
  std::size_t in_flight() const { return in_flight_.load(); }

 private:
  class Run;
  const ProviderRegistry& registry_;
  UpstreamClient& client_;
  UsageSink* usage_;
  const ProviderBudgets* budgets_;
  UpstreamTimers default_timers_;
  Timers& timers_;  // `default_timers_` unless the constructor was given others
  std::atomic<std::size_t> in_flight_{0};
};

// Whether the next instance in the chain should be tried after `failure`.
bool falls_back(const sdk::Failure& failure);
// Whether `failure` says the provider is unwell (counted by its circuit breaker).
bool counts_against_provider(const sdk::Failure& failure);
// The cost of `result` at `instance`'s prices (tokens per million, plus one image).
double cost_of(const sdk::Result& result, const config::ProviderInstanceConfig& instance);
// The most `task` may cost at `instance`, in micro-USD rounded up: its input (estimated at 4
// characters a token, rounded up) at the input price, plus for text its output limit (the task's
// max_output_tokens, at most the instance's) at the output price, for an image price_per_image.
long long estimate_micros(const sdk::Task& task, const config::ProviderInstanceConfig& instance);

}  // namespace moodgate::ai
