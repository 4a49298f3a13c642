#include "core/http/cors.h"

#include <algorithm>

namespace moodgate::http {
namespace {
// Request headers a client may send, and response headers a script may read.
constexpr const char* kAllowHeaders =
    "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-ID";
constexpr const char* kExposeHeaders =
    "X-Request-ID, Location, ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Reset, Idempotent-Replayed, Allow";
}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins, int max_age_s)
    : origins_(std::move(allowed_origins)), max_age_s_(max_age_s) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::is_preflight(const HttpRequest& request) {
  return request.method == Method::kOptions && request.header("Origin") &&
         request.header("Access-Control-Request-Method");
}

bool CorsPolicy::allows(const std::string& origin) const {
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

HttpResponse CorsPolicy::preflight(const HttpRequest& request,
                                   const std::vector<Method>& methods) const {
  HttpResponse response = HttpResponse::empty(204);
  response.header("Vary", "Origin");
  const auto origin = request.header("Origin");
  if (!origin || !allows(*origin)) return response;
  std::string allow;
  for (Method m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += method_name(m);
  }
  response.header("Access-Control-Allow-Origin", *origin)
      .header("Access-Control-Allow-Methods", allow)
      .header("Access-Control-Allow-Headers", kAllowHeaders)
      .header("Access-Control-Max-Age", std::to_string(max_age_s_));
  return response;
}

void CorsPolicy::decorate(const HttpRequest& request, HttpResponse& response) const {
  const auto origin = request.header("Origin");
  if (!origin || !allows(*origin)) return;
  response.header("Access-Control-Allow-Origin", *origin)
      .header("Access-Control-Expose-Headers", kExposeHeaders)
      .header("Vary", "Origin");
}

}  // namespace moodgate::http
