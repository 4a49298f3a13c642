// Router: maps (method, path) to a handler, with `{name}` path parameters.
//
// Our own instead of Pistache's Rest::Router: it answers 404 and 405 (with the Allow list) as
// values the server turns into the JSON envelope, it reports the matched pattern for access logs
// and metrics, and it is immutable once serving starts, so lookups need no locks.
// Not thread-safe while routes are being added; safe for concurrent match() afterwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/http/http_types.h"

namespace moodgate::http {

class Exchange;
using Handler = std::function<void(const std::shared_ptr<Exchange>&)>;

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  const Handler* handler = nullptr;           // kFound
  std::string pattern;                        // kFound or kMethodNotAllowed
  std::map<std::string, std::string> params;  // kFound
  std::vector<Method> allowed;                // kMethodNotAllowed (and kFound: for OPTIONS)
};

class Router {
 public:
  // Adds a route. Patterns are absolute paths whose segments are literals or `{name}`.
  // Adding the same method and pattern twice throws std::logic_error (a wiring bug).
  void add(Method method, const std::string& pattern, Handler handler);

  // Finds the route for a request. HEAD falls back to GET.
  RouteMatch match(Method method, const std::string& path) const;

  // Every route as (method, pattern), in the order added: for the OpenAPI cross-check and the
  // test that every /api/v1 route demands a token.
  std::vector<std::pair<Method, std::string>> routes() const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace moodgate::http
