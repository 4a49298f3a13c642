// Usage accounting: one UsageRecord per AI call (after its retries and fallbacks), handed to a
// UsageSink that stores it (services::UsageRecorder writes them to the ai_usage table, settles
// the call's quota reservation and adds its cost to its instance's budget).
//
// The call engine (AiCaller) runs on the upstream client's I/O thread, so a sink's record() must
// be quick and must never block on the database: it queues.
#pragma once

#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "core/config/capability.h"

namespace moodgate::ai {

struct UsageRecord {
  std::optional<std::string> user_id;  // none for calls no user asked for
  std::string request_id;              // the HTTP request's X-Request-ID, if any
  config::Capability capability = config::Capability::kAnalysis;
  std::string provider;                // the instance that answered, or the last one tried
  std::string model;                   // the model that answered (or the instance's model)
  long long tokens_in = 0;
  long long tokens_out = 0;
  double cost_usd = 0;  // from the instance's configured prices
  std::chrono::milliseconds latency{0};  // the whole call, retries and fallbacks included
  std::string outcome;                   // "ok" or the failure kind ("timeout", ...)
  int attempts = 0;                      // requests tried, every instance together
  // The user's quota reservation for the call ("" for none): settled at cost_usd when the call
  // was billed (outcome "ok"), else refunded, when this record is stored.
  std::string reservation_id;
  // The answering instance's budget window (providers.instances.<name>.budget_usd) in seconds,
  // 0 when it has no budget: cost_usd is then added to that window's provider_spend row.
  int budget_window_s = 0;
  // Whether there is a row to store: false for a call no instance was tried for (no provider
  // serves the capability), whose record only gives its reservation back.
  bool stored = true;
};

// USD as whole micro-USD, rounded to the nearest (quota and budget counters are integers).
inline long long to_micros(double usd) {
  return std::llround(usd * 1e6);
}

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Takes the record for storing. Must not block; may run on any thread.
  virtual void record(UsageRecord record) = 0;
};

}  // namespace moodgate::ai
