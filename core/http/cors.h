// CORS: which browser origins may call the API, and the answers to their preflights.
//
// Off when no origin is configured (the iOS app needs no CORS; web tools may). An allowed
// origin is echoed back (never "*" together with credentials), with `Vary: Origin`.
#pragma once

#include <string>
#include <vector>

#include "core/http/http_types.h"

namespace moodgate::http {

class CorsPolicy {
 public:
  CorsPolicy(std::vector<std::string> allowed_origins, int max_age_s);

  // True when the request is a CORS preflight (OPTIONS with Origin and
  // Access-Control-Request-Method).
  static bool is_preflight(const HttpRequest& request);

  // The answer to a preflight for a path that allows `methods`: 204 with the CORS headers when
  // the origin is allowed, 204 without them otherwise (the browser then refuses).
  HttpResponse preflight(const HttpRequest& request, const std::vector<Method>& methods) const;

  // Adds the CORS headers to an ordinary answer when the request's origin is allowed.
  void decorate(const HttpRequest& request, HttpResponse& response) const;

 private:
  bool allows(const std::string& origin) const;

  std::vector<std::string> origins_;
  bool any_ = false;
  int max_age_s_;
};

}  // namespace moodgate::http
