#include "core/ai/ai_error.h"

namespace moodgate::ai {

Error error_for(const AiAnswer& answer) {
  const sdk::Failure& f = answer.failure();
  Error error;
  switch (f.kind) {
    case sdk::FailureKind::kContentBlocked:
      error = Error(ErrorCode::kContentBlocked, "The AI provider refused the content: " + f.message);
      break;
    case sdk::FailureKind::kTimeout:
      error = Error(ErrorCode::kUpstreamTimeout, "The AI provider did not answer in time");
      break;
    case sdk::FailureKind::kUnavailable:
      if (answer.attempts == 0) {  // nothing was tried: every breaker is open
        error = Error(ErrorCode::kUnavailable, "Every AI provider is unavailable right now");
        break;
      }
      [[fallthrough]];
    default:
      error = Error(ErrorCode::kUpstreamError, "The AI provider failed: " + f.message);
      break;
  }
  if (!answer.provider.empty()) error.with("provider", answer.provider);
  error.with("reason", std::string(sdk::failure_kind_name(f.kind)));
  return error;
}

}  // namespace moodgate::ai
