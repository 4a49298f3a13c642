// Usage accounting: one UsageRecord per AI call (after its retries and fallbacks), handed to a
// UsageSink that stores it (services::UsageRecorder writes them to the ai_usage table).
//
// The call engine (AiCaller) runs on the upstream client's I/O thread, so a sink's record() must
// be quick and must never block on the database: it queues.
#pragma once

#include <chrono>
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
};

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Takes the record for storing. Must not block; may run on any thread.
  virtual void record(UsageRecord record) = 0;
};

}  // namespace moodgate::ai
