// The authentication step every /api/v1 route except register, login and refresh goes through.
//
// authenticated(pool, auth, work) makes a route handler that reads `Authorization: Bearer`,
// verifies the token's signature and claims on the event-loop thread (CPU only), then on the
// worker pool checks that its session and token are still live and runs `work` with the
// caller. Any failure answers 401 UNAUTHORIZED (with WWW-Authenticate) before `work` runs, so
// a handler never sees an unauthenticated request.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "core/common/result.h"
#include "core/common/worker_pool.h"
#include "core/http/http_types.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"

namespace moodgate::api {

// What an authenticated route does, on a worker-pool thread.
using AuthedWork = std::function<Result<http::HttpResponse>(const http::HttpRequest& request,
                                                            const services::Principal& caller)>;

http::Handler authenticated(WorkerPool& pool, services::AuthService& auth, AuthedWork work);

// How asynchronous work answers: exactly once, from any thread (later calls are dropped).
using Respond = std::function<void(Result<http::HttpResponse>)>;
// What an authenticated route does when its answer may come later (after an AI call): it
// starts on a worker-pool thread and answers through `respond`.
using AsyncAuthedWork = std::function<void(const http::HttpRequest& request,
                                           const services::Principal& caller, Respond respond)>;

http::Handler authenticated_async(WorkerPool& pool, services::AuthService& auth,
                                  AsyncAuthedWork work);

// Synchronous work in the asynchronous shape (to wrap it, e.g. in idempotent()).
AsyncAuthedWork as_async(AuthedWork work);

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
std::optional<std::string_view> bearer_token(const http::HttpRequest& request);

}  // namespace moodgate::api
