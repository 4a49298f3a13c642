#include "core/api/routes.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <stdexcept>
#include <utility>

#include "core/api/authenticated.h"
#include "core/api/idempotent.h"
#include "core/common/threads.h"
#include "core/http/exchange.h"

namespace moodgate::api {
namespace {

using http::Exchange;
using http::HttpResponse;

// One route as its handler sees it; shared by every request to it.
struct Route {
  RoutesDeps deps;
  RoutePolicy policy;
  RouteHandler handler;
};

// The part of a request that runs on the pool (the database calls check that they may block).
async::Task<Result<HttpResponse>> serve(std::shared_ptr<const Route> route,
                                        std::shared_ptr<Exchange> exchange,
                                        std::optional<services::Principal> caller) {
  if (caller) {
    Status live = route->deps.auth->check_live(*caller);
    if (!live) co_return std::move(live).error();
  }
  const Call call{exchange->request(), caller ? &*caller : nullptr};
  if (route->policy.idempotency_key) {
    Result<HttpResponse> answer =
        co_await run_idempotent(*route->deps.idempotency, call, route->handler);
    co_return answer;
  }
  Result<HttpResponse> answer = co_await route->handler(call);
  co_return answer;
}

// Answers `exchange` with what the request's coroutine came to.
void answer(Exchange& exchange, std::exception_ptr error,
            std::optional<Result<HttpResponse>> result) {
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("request {}: unhandled exception: {}", exchange.request().request_id, e.what());
    } catch (...) {
      spdlog::error("request {}: unhandled exception", exchange.request().request_id);
    }
    exchange.fail(Error::internal());
  } else if (result->ok()) {
    exchange.reply(std::move(*result).value());
  } else {
    exchange.fail(result->error());
  }
}

}  // namespace

async::Task<Result<HttpResponse>> answer_now(Result<HttpResponse> answer) {
  co_return answer;
}

Routes::Routes(RoutesDeps deps) : deps_(deps) {}

void Routes::add(http::Method method, const std::string& pattern, RoutePolicy policy,
                 RouteHandler handler) {
  if (policy.runs == Runs::kInline &&
      (policy.access != Access::kPublic || policy.idempotency_key)) {
    throw std::logic_error("route " + pattern +
                           ": a route with no pool cannot check a session or a key");
  }
  auto route = std::make_shared<const Route>(Route{deps_, policy, std::move(handler)});
  deps_.router->add(method, pattern, [route](const std::shared_ptr<Exchange>& ex) {
    MG_EXPECT_EVENT_LOOP();
    std::optional<services::Principal> caller;
    if (route->policy.access == Access::kToken) {
      const auto token = bearer_token(ex->request());
      if (!token) {
        ex->fail(Error(ErrorCode::kUnauthorized,
                       "This endpoint needs an access token: Authorization: Bearer <token>"));
        return;
      }
      auto principal = route->deps.auth->verify_token(*token);
      if (!principal) {
        ex->fail(principal.error());
        return;
      }
      caller = std::move(principal).value();
    }
    auto done = [ex](std::exception_ptr error, std::optional<Result<HttpResponse>> result) {
      answer(*ex, error, std::move(result));
    };
    auto task = serve(route, ex, std::move(caller));
    bool admitted = false;
    switch (route->policy.runs) {
      case Runs::kPool:
        admitted = route->deps.pool->try_spawn(std::move(task), done);
        break;
      case Runs::kSignInPool:
        admitted = route->deps.sign_in_pool->try_spawn(std::move(task), done);
        break;
      case Runs::kInline:
        admitted = route->deps.inline_tasks->spawn(std::move(task), done);
        break;
    }
    if (!admitted) ex->fail(Error::unavailable("Server is busy, try again shortly"));
  });
  table_.push_back({method, pattern, policy, false});
}

void Routes::add_immediate(http::Method method, const std::string& pattern,
                           ImmediateHandler handler) {
  deps_.router->add(method, pattern,
                    [handler = std::move(handler)](const std::shared_ptr<Exchange>& ex) {
                      ex->reply(handler(ex->request()));
                    });
  RoutePolicy policy;
  policy.access = Access::kPublic;
  table_.push_back({method, pattern, policy, true});
}

}  // namespace moodgate::api
