// Exponential backoff, the one rule for every retry in the gateway (AI calls and image jobs):
// the wait before try `attempt + 1` after `attempt` failed tries is at most
// initial × 2^(attempt − 1), capped at `max`, and never shorter than the provider's own
// retry delay (Gemini's RetryInfo, Retry-After) when it gave one.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace moodgate::ai {

// initial × 2^(attempt − 1), at most `max` (attempt 1 or less: `initial`).
inline std::chrono::milliseconds backoff_ceiling(std::chrono::milliseconds initial,
                                                 std::chrono::milliseconds max, int attempt) {
  const int doublings = std::clamp(attempt - 1, 0, 30);
  return std::min<std::chrono::milliseconds>(initial * (std::int64_t{1} << doublings), max);
}

// `delay`, but at least the provider's `retry_after`.
inline std::chrono::milliseconds honouring(std::chrono::milliseconds delay,
                                           const std::optional<std::chrono::milliseconds>& retry_after) {
  return retry_after ? std::max(delay, *retry_after) : delay;
}

}  // namespace moodgate::ai
