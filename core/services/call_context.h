// CallContext: who asked for a piece of journal work, and by when it must be answered. Passed
// from the API layer to the services that call AI providers (for usage records, logs and
// deadlines).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/common/result.h"

namespace moodgate::services {

struct CallContext {
  std::string user_id;
  std::string request_id;
  // No AI attempt starts, and no backoff is waited, past this point.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// How an asynchronous service operation answers: exactly once, on some thread.
template <typename T>
using Reply = std::function<void(Result<T>)>;

}  // namespace moodgate::services
