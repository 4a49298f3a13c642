#include "core/http/error_envelope.h"

#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/common/json.h"

namespace moodgate::http {

std::string error_envelope_json(const Error& error, const std::string& request_id) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "error");
    w.StartObject();
    json::key(w, "code");
    w.String(error_code_name(error.code));
    json::key(w, "message");
    json::string(w, error.message);
    json::key(w, "details");
    w.StartObject();
    for (const auto& [k, v] : error.details) {
      json::key(w, k);
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
              json::string(w, x);
            else if constexpr (std::is_same_v<T, long long>)
              w.Int64(x);
            else if constexpr (std::is_same_v<T, double>)
              w.Double(x);
            else
              w.Bool(x);
          },
          v);
    }
    w.EndObject();
    json::key(w, "request_id");
    json::string(w, request_id);
    w.EndObject();
    w.EndObject();
  });
}

namespace {

std::optional<long long> integer_detail(const Error& error, std::string_view key) {
  for (const auto& [k, v] : error.details) {
    if (k == key && std::holds_alternative<long long>(v)) return std::get<long long>(v);
  }
  return std::nullopt;
}

std::optional<std::string> text_detail(const Error& error, std::string_view key) {
  for (const auto& [k, v] : error.details) {
    if (k == key && std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  }
  return std::nullopt;
}

}  // namespace

HttpResponse error_response(const Error& error, const std::string& request_id) {
  HttpResponse r =
      HttpResponse::json(error_code_status(error.code), error_envelope_json(error, request_id));
  if (error.code == ErrorCode::kUnauthorized) r.header("WWW-Authenticate", "Bearer");
  if (error.code == ErrorCode::kRateLimited) {
    if (auto retry = integer_detail(error, "retry_after_s")) {
      r.header("Retry-After", std::to_string(*retry));
      r.header("X-RateLimit-Reset", std::to_string(*retry));
      r.header("X-RateLimit-Remaining", "0");
    }
    if (auto limit = integer_detail(error, "limit")) {
      r.header("X-RateLimit-Limit", std::to_string(*limit));
    }
  }
  if (error.code == ErrorCode::kQuotaExceeded) {
    // details: retry_after_s (until the window frees a call), limit, remaining, reset_at (Unix
    // seconds when the window ends); each header only when its detail is there.
    if (auto retry = integer_detail(error, "retry_after_s")) {
      r.header("Retry-After", std::to_string(*retry));
    }
    // A spend cap's are in USD: limit_usd and remaining_usd, decimal text ("2.00").
    if (auto limit = integer_detail(error, "limit")) {
      r.header("X-Quota-Limit", std::to_string(*limit));
    } else if (auto usd = text_detail(error, "limit_usd")) {
      r.header("X-Quota-Limit", *usd);
    }
    if (auto remaining = integer_detail(error, "remaining")) {
      r.header("X-Quota-Remaining", std::to_string(*remaining));
    } else if (auto usd = text_detail(error, "remaining_usd")) {
      r.header("X-Quota-Remaining", *usd);
    }
    if (auto reset = integer_detail(error, "reset_at")) {
      r.header("X-Quota-Reset", std::to_string(*reset));
    }
  }
  return r;
}

}  // namespace moodgate::http
