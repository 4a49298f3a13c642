#include "core/ai/ai_error.h"

#include "core/ai/failure_text.h"

namespace moodgate::ai {
namespace {

// The failure's own words, filtered; its kind when nothing is left of them.
std::string reason_of(const sdk::Failure& f) {
  std::string reason = safe_reason(f.message);
  return reason.empty() ? std::string(sdk::failure_kind_name(f.kind)) : reason;
}

}  // namespace

Error error_for(const AiAnswer& answer) {
  const sdk::Failure& f = answer.failure();
  Error error;
  switch (f.kind) {
    case sdk::FailureKind::kContentBlocked:
      error =
          Error(ErrorCode::kContentBlocked, "The AI provider refused the content: " + reason_of(f));
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
      error = Error(ErrorCode::kUpstreamError, "The AI provider failed: " + reason_of(f));
      break;
  }
  if (!answer.provider.empty()) error.with("provider", answer.provider);
  error.with("reason", std::string(sdk::failure_kind_name(f.kind)));
  return error;
}

}  // namespace moodgate::ai
