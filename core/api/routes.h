// Routes: every route of the API registered with its policy, stated where it is declared.
//
// A policy says who may call (a public route, or one that needs an access token), whether an
// Idempotency-Key applies (api/idempotent.h), and where the handler runs. Routes then does
// the same for every route, in one place:
// - on the event loop: reads `Authorization: Bearer`, verifies the token's signature and
//   claims (CPU only), and answers 401 at once when that fails;
// - admits the request to its pool, or answers 503 when the pool's queue is full (a route
//   that never blocks may run with no pool: Runs::kInline);
// - on the pool: checks that the caller's session is still live, applies the Idempotency-Key,
//   and runs the handler, a coroutine that reads top to bottom (load, co_await the AI, store,
//   answer);
// - answers the exchange with the handler's response or error (500 when it threw).
// Routes that only format what they already hold (health, version, the OpenAPI document) are
// answered on the event loop, with no pool hop.
//
// Register every route before the server starts; the table then stays as it is. The handlers
// must outlive the server's requests (they are owned by the router's handlers).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/async.h"
#include "core/common/result.h"
#include "core/http/http_types.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"
#include "core/services/idempotency_service.h"

namespace moodgate::api {

enum class Access {
  kPublic,  // anyone
  kToken,   // a valid access token of a live session
};

enum class Runs {
  kPool,        // the worker pool (mg-pool-N): database work, AI calls
  kSignInPool,  // the sign-in pool (mg-hash-N): requests that hash or verify a password
  // No pool (async::Inline): starts on the event loop and continues on the thread that
  // answers its awaits (the AI client's I/O thread), for a public route that only parses,
  // calls the AI and formats the answer; it must never block (no database, no session check).
  kInline,
};

struct RoutePolicy {
  Access access = Access::kToken;
  // The request may carry an Idempotency-Key (API.md): its answer is recorded and replayed.
  bool idempotency_key = false;
  // Why an authenticated POST or PATCH does not take a key (every one does, unless this
  // says why not; tests/api/route_policy_test.cpp holds the API to it).
  const char* not_keyed_because = nullptr;
  Runs runs = Runs::kPool;
};

// What a handler is given: the request and, on a token route, who is calling.
struct Call {
  const http::HttpRequest& request;
  const services::Principal* caller = nullptr;  // null on public routes

  // The caller of a token route.
  const services::Principal& user() const { return *caller; }
  const std::string& path_param(const std::string& name) const {
    return request.path_params.at(name);
  }
};

// A route's handler: runs on the policy's pool and resumes there after every co_await (or,
// with Runs::kInline, where its awaits are answered).
using RouteHandler = std::function<async::Task<Result<http::HttpResponse>>(const Call& call)>;
// A handler whose answer is ready without waiting (one database step already done).
async::Task<Result<http::HttpResponse>> answer_now(Result<http::HttpResponse> answer);

// A public route answered on the event loop: it must not block or wait for anything.
using ImmediateHandler = std::function<http::HttpResponse(const http::HttpRequest& request)>;

// A registered route as the route table lists it.
struct RouteInfo {
  http::Method method;
  std::string pattern;
  RoutePolicy policy;
  bool immediate = false;  // answered on the event loop
};

struct RoutesDeps {
  http::Router* router = nullptr;
  async::Pool* pool = nullptr;
  async::Pool* sign_in_pool = nullptr;
  async::Inline* inline_tasks = nullptr;
  services::AuthService* auth = nullptr;
  services::IdempotencyService* idempotency = nullptr;
};

class Routes {
 public:
  explicit Routes(RoutesDeps deps);

  // Throws std::logic_error for a policy that cannot hold (Runs::kInline with a token or an
  // Idempotency-Key: both need the database).
  void add(http::Method method, const std::string& pattern, RoutePolicy policy,
           RouteHandler handler);
  void add_immediate(http::Method method, const std::string& pattern, ImmediateHandler handler);

  // Every route, in the order added.
  const std::vector<RouteInfo>& table() const { return table_; }

 private:
  RoutesDeps deps_;
  std::vector<RouteInfo> table_;
};

}  // namespace moodgate::api
