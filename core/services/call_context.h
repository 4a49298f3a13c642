// CallContext: who asked for a piece of journal work, and by when it must be answered. Passed
// from the API layer to the services that call AI providers (for usage records, logs and
// deadlines).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace moodgate::services {

struct CallContext {
  std::string user_id;
  std::string request_id;
  // No AI attempt starts, and no backoff is waited, past this point.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

}  // namespace moodgate::services
