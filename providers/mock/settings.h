// The mock provider's settings (`settings:` of its providers entry), all optional:
//   model         the model name it reports (default "mock-1")
//   latency_ms    how long each answer takes, 0..60000 (default 0)
//   failure_rate  the share of tasks that fail as "unavailable", 0..1 (default 0); which tasks
//                 fail depends only on their content, so a test can count on it
#pragma once

#include <chrono>
#include <string>

#include "moodgate/provider.h"

namespace moodgate::mock {

struct MockSettings {
  std::string model = "mock-1";
  std::chrono::milliseconds latency{0};
  double failure_rate = 0;
};

// Throws std::invalid_argument naming the setting for an unknown key or a bad value.
MockSettings parse_settings(const sdk::Settings& settings);

}  // namespace moodgate::mock
