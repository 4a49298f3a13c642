#include "core/api/authenticated.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include "core/http/exchange.h"

namespace moodgate::api {

std::optional<std::string_view> bearer_token(const http::HttpRequest& request) {
  const auto it = request.headers.find("Authorization");
  if (it == request.headers.end()) return std::nullopt;
  std::string_view value = it->second;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      strncasecmp(value.data(), kScheme.data(), kScheme.size()) != 0) {
    return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

http::Handler authenticated_async(WorkerPool& pool, services::AuthService& auth,
                                  AsyncAuthedWork work) {
  // Shared, not referenced: a queued job must not depend on the handler object outliving it.
  auto shared_work = std::make_shared<const AsyncAuthedWork>(std::move(work));
  return [&pool, &auth, shared_work](const std::shared_ptr<http::Exchange>& ex) {
    const auto token = bearer_token(ex->request());
    if (!token) {
      ex->fail(Error(ErrorCode::kUnauthorized,
                     "This endpoint needs an access token: Authorization: Bearer <token>"));
      return;
    }
    auto principal = auth.verify_token(*token);
    if (!principal) {
      ex->fail(principal.error());
      return;
    }
    auto job = [&auth, shared_work, ex, caller = std::move(principal).value()]() {
      Respond respond = [ex](Result<http::HttpResponse> result) {
        if (result.ok()) {
          ex->reply(std::move(result).value());
        } else {
          ex->fail(result.error());
        }
      };
      try {
        if (Status live = auth.check_live(caller); !live) {
          respond(std::move(live).error());
          return;
        }
        (*shared_work)(ex->request(), caller, respond);
      } catch (const std::exception& e) {
        spdlog::error("request {}: unhandled exception: {}", ex->request().request_id, e.what());
        ex->fail(Error::internal());
      }
    };
    if (!pool.try_submit(std::move(job))) {
      ex->fail(Error::unavailable("Server is busy, try again shortly"));
    }
  };
}

AsyncAuthedWork as_async(AuthedWork work) {
  return
      [work = std::move(work)](const http::HttpRequest& request, const services::Principal& caller,
                               const Respond& respond) { respond(work(request, caller)); };
}

http::Handler authenticated(WorkerPool& pool, services::AuthService& auth, AuthedWork work) {
  return authenticated_async(pool, auth, as_async(std::move(work)));
}

}  // namespace moodgate::api
