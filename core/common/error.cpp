#include "core/common/error.h"

namespace moodgate {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "INVALID_INPUT";
    case ErrorCode::kUnauthorized:
      return "UNAUTHORIZED";
    case ErrorCode::kForbidden:
      return "FORBIDDEN";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kMethodNotAllowed:
      return "METHOD_NOT_ALLOWED";
    case ErrorCode::kConflict:
      return "CONFLICT";
    case ErrorCode::kRequestTimeout:
      return "REQUEST_TIMEOUT";
    case ErrorCode::kPayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
    case ErrorCode::kUriTooLong:
      return "URI_TOO_LONG";
    case ErrorCode::kHeadersTooLarge:
      return "HEADERS_TOO_LARGE";
    case ErrorCode::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case ErrorCode::kContentBlocked:
      return "CONTENT_BLOCKED";
    case ErrorCode::kRateLimited:
      return "RATE_LIMITED";
    case ErrorCode::kQuotaExceeded:
      return "QUOTA_EXCEEDED";
    case ErrorCode::kInternal:
      return "INTERNAL";
    case ErrorCode::kUpstreamError:
      return "UPSTREAM_ERROR";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ErrorCode::kUpstreamTimeout:
      return "UPSTREAM_TIMEOUT";
  }
  return "INTERNAL";
}

int error_code_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kRequestTimeout:
      return 408;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUriTooLong:
      return 414;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kContentBlocked:
      return 422;
    case ErrorCode::kRateLimited:
    case ErrorCode::kQuotaExceeded:
      return 429;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUpstreamError:
      return 502;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kUpstreamTimeout:
      return 504;
  }
  return 500;
}

}  // namespace moodgate
