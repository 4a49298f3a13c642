#include "core/ai/timers.h"

#include <algorithm>
#include <random>
#include <utility>

#include "core/ai/upstream_client.h"

namespace moodgate::ai {

bool UpstreamTimers::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  return client_.schedule(delay, std::move(fn));
}

std::chrono::milliseconds UpstreamTimers::jitter(std::chrono::milliseconds ceiling) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling.count(), 0));
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace moodgate::ai
