// Error: the one failure value that travels up through every layer of the gateway.
//
// Lower layers (store, ai, auth, config) return an Error instead of throwing across layer
// boundaries; api/ maps it to the JSON envelope in exactly one place (http/error_envelope.h).
// The message is safe to show to a client: it never carries SQL, paths or exception text.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace moodgate {

// The codes of API.md's error table; each maps to exactly one HTTP status.
enum class ErrorCode {
  kInvalidInput,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kRequestTimeout,
  kPayloadTooLarge,
  kUriTooLong,
  kHeadersTooLarge,
  kUnsupportedMediaType,
  kContentBlocked,
  kRateLimited,
  kQuotaExceeded,
  kInternal,
  kUpstreamError,
  kUnavailable,
  kUpstreamTimeout,
};

// The wire name of a code, e.g. "INVALID_INPUT".
const char* error_code_name(ErrorCode code);
// The HTTP status a code is answered with, e.g. 400.
int error_code_status(ErrorCode code);

// A detail value: what the envelope's "details" object may hold.
using DetailValue = std::variant<std::string, long long, double, bool>;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<std::pair<std::string, DetailValue>> details;

  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}

  // Adds one detail and returns *this, so errors read as one expression.
  Error& with(std::string key, DetailValue value) {
    details.emplace_back(std::move(key), std::move(value));
    return *this;
  }

  static Error invalid_input(std::string message, std::string field) {
    Error e(ErrorCode::kInvalidInput, std::move(message));
    e.with("field", std::move(field));
    return e;
  }
  static Error not_found(std::string message = "Not found") {
    return {ErrorCode::kNotFound, std::move(message)};
  }
  static Error internal() { return {ErrorCode::kInternal, "Internal server error"}; }
  static Error unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message)};
  }
};

}  // namespace moodgate
