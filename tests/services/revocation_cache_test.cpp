// The revocation cache: answers are reused for at most the configured lifetime, memory is
// bounded, and a zero lifetime turns it off.
#include <catch2/catch.hpp>

#include <thread>

#include "core/services/revocation_cache.h"

using moodgate::services::RevocationCache;
using namespace std::chrono_literals;

TEST_CASE("a zero lifetime caches nothing", "[services][auth]") {
  RevocationCache cache(0ms, 10);
  cache.put("jti", true);
  CHECK_FALSE(cache.get("jti").has_value());
  CHECK_FALSE(cache.enabled());
}

TEST_CASE("cached verdicts expire after the lifetime and clear() forgets them",
          "[services][auth]") {
  RevocationCache cache(100ms, 10);
  cache.put("allowed", true);
  cache.put("revoked", false);
  CHECK(cache.get("allowed") == std::optional<bool>(true));
  CHECK(cache.get("revoked") == std::optional<bool>(false));
  CHECK_FALSE(cache.get("unknown").has_value());
  std::this_thread::sleep_for(150ms);
  CHECK_FALSE(cache.get("allowed").has_value());
  cache.put("allowed", true);
  cache.clear();
  CHECK_FALSE(cache.get("allowed").has_value());
}

TEST_CASE("the cache never holds more than its capacity", "[services][auth]") {
  RevocationCache cache(60s, 3);
  for (int i = 0; i < 3; ++i) cache.put("t" + std::to_string(i), true);
  CHECK(cache.get("t2").has_value());
  cache.put("t3", true);  // full of live entries: starts over rather than grow
  CHECK(cache.get("t3").has_value());
  int kept = 0;
  for (int i = 0; i < 3; ++i) kept += cache.get("t" + std::to_string(i)).has_value() ? 1 : 0;
  CHECK(kept == 0);
}
