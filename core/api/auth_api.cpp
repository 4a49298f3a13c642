#include "core/api/auth_api.h"

#include "core/api/auth_json.h"
#include "core/api/authenticated.h"
#include "core/api/idempotent.h"
#include "core/api/json_body.h"
#include "core/http/blocking.h"
#include "core/http/exchange.h"
#include "core/services/account_rules.h"

namespace moodgate::api {
namespace {

using http::Exchange;
using http::HttpRequest;
using http::HttpResponse;
using http::Method;

// A login password is checked against the stored hash, not against today's rules (it may
// predate them); this only bounds the work an absurd one could cause.
constexpr std::size_t kMaxLoginPasswordBytes = 4096;

// {user, tokens} with `status`, and the X-RateLimit-* headers of the limit the request used.
Result<HttpResponse> signed_in_response(int status, Result<services::SignedIn> done,
                                        const services::RateLimitInfo& limits) {
  if (!done) return std::move(done).error();
  HttpResponse r = HttpResponse::json(status, signed_in_json(*done));
  if (limits.limit > 0) {
    r.header("X-RateLimit-Limit", std::to_string(limits.limit));
    r.header("X-RateLimit-Remaining", std::to_string(limits.remaining));
    r.header("X-RateLimit-Reset", std::to_string(limits.reset_after_s));
  }
  return r;
}

Result<services::RegisterInput> register_input(const HttpRequest& request) {
  auto body = JsonBody::parse(request);
  if (!body) return std::move(body).error();
  auto email = body->required_string("email");
  if (!email) return std::move(email).error();
  auto normalized = services::normalize_email(*email);
  if (!normalized) return std::move(normalized).error();
  auto password = body->required_string("password");
  if (!password) return std::move(password).error();
  if (auto ok = services::check_password(*password); !ok) return std::move(ok).error();
  auto name = body->optional_string("display_name");
  if (!name) return std::move(name).error();
  std::optional<std::string> display_name;
  if (*name) {
    auto checked = services::normalize_display_name(**name);
    if (!checked) return std::move(checked).error();
    display_name = std::move(checked).value();
  }
  return services::RegisterInput{std::move(normalized).value(), std::move(password).value(),
                                 std::move(display_name)};
}

Result<services::LoginInput> login_input(const HttpRequest& request) {
  auto body = JsonBody::parse(request);
  if (!body) return std::move(body).error();
  auto email = body->required_string("email");
  if (!email) return std::move(email).error();
  auto normalized = services::normalize_email(*email);
  if (!normalized) return std::move(normalized).error();
  auto password = body->required_string("password");
  if (!password) return std::move(password).error();
  if (password->empty()) return Error::invalid_input("password is required", "password");
  if (password->size() > kMaxLoginPasswordBytes) {
    return Error::invalid_input("password is too long", "password");
  }
  return services::LoginInput{std::move(normalized).value(), std::move(password).value()};
}

Result<services::ProfileChange> profile_change(const HttpRequest& request) {
  auto body = JsonBody::parse(request);
  if (!body) return std::move(body).error();
  services::ProfileChange change;
  if (body->has("display_name")) {
    auto name = body->optional_string("display_name");
    if (!name) return std::move(name).error();
    change.set_display_name = true;
    if (*name) {
      auto checked = services::normalize_display_name(**name);
      if (!checked) return std::move(checked).error();
      change.display_name = std::move(checked).value();
    }
  }
  auto password = body->optional_string("password");
  if (!password) return std::move(password).error();
  if (*password) {
    if (auto ok = services::check_password(**password); !ok) return std::move(ok).error();
    change.new_password = std::move(*password);
  }
  auto current = body->optional_string("current_password");
  if (!current) return std::move(current).error();
  change.current_password = std::move(current).value();
  return change;
}

// OK unless the request already waited longer than `limit` (for a password-pool thread): then
// the client has likely given up, and hashing for it would only lengthen the queue.
Status fresh(const HttpRequest& request, std::chrono::milliseconds limit) {
  if (std::chrono::steady_clock::now() - request.received_at <= limit) return {};
  return Error(ErrorCode::kUnavailable, "Too many sign-ins at once, try again shortly");
}

// `work` for the password pool: shed unrun once it waited past `limit` (see fresh()).
AuthedWork shed_when_stale(std::chrono::milliseconds limit, AuthedWork work) {
  return
      [limit, work = std::move(work)](const HttpRequest& req, const services::Principal& caller) {
        if (Status ok = fresh(req, limit); !ok) return Result<HttpResponse>(std::move(ok).error());
        return work(req, caller);
      };
}

// Runs `work(request, input)` on `pool` after `parse` validated the body on the event loop.
template <typename Parse, typename Work>
http::Handler public_route(WorkerPool& pool, std::chrono::milliseconds queue_limit, Parse parse,
                           Work work) {
  return [&pool, queue_limit, parse, work](const std::shared_ptr<Exchange>& ex) {
    auto input = parse(ex->request());
    if (!input) {
      ex->fail(input.error());
      return;
    }
    http::answer_on_pool(
        pool, ex, [queue_limit, work, ex, in = std::move(input).value()]() -> Result<HttpResponse> {
          if (Status ok = fresh(ex->request(), queue_limit); !ok) {
            return std::move(ok).error();
          }
          return work(ex->request(), in);
        });
  };
}

}  // namespace

void register_auth_api(http::Router& router, AuthApiDeps deps) {
  WorkerPool& pool = *deps.pool;
  WorkerPool& hashing = *deps.password_pool;
  const std::chrono::milliseconds wait = deps.password_queue_timeout;
  const std::chrono::milliseconds no_limit = std::chrono::hours(24);  // refresh never hashes
  services::AuthService& auth = *deps.auth;

  router.add(Method::kPost, "/api/v1/auth/register",
             public_route(hashing, wait, register_input,
                          [&auth](const HttpRequest& req,
                                  const services::RegisterInput& in) -> Result<HttpResponse> {
                            services::RateLimitInfo limits;
                            auto done = auth.register_user(in, req.client_ip, limits);
                            return signed_in_response(201, std::move(done), limits);
                          }));

  router.add(Method::kPost, "/api/v1/auth/login",
             public_route(hashing, wait, login_input,
                          [&auth](const HttpRequest& req,
                                  const services::LoginInput& in) -> Result<HttpResponse> {
                            services::RateLimitInfo limits;
                            auto done = auth.login(in, req.client_ip, limits);
                            return signed_in_response(200, std::move(done), limits);
                          }));

  auto refresh_input = [](const HttpRequest& request) -> Result<std::string> {
    auto body = JsonBody::parse(request);
    if (!body) return std::move(body).error();
    return body->required_string("refresh_token");
  };
  router.add(
      Method::kPost, "/api/v1/auth/refresh",
      public_route(pool, no_limit, refresh_input,
                   [&auth](const HttpRequest&, const std::string& token) -> Result<HttpResponse> {
                     auto tokens = auth.refresh(token);
                     if (!tokens) return std::move(tokens).error();
                     return HttpResponse::json(200, tokens_json(*tokens));
                   }));

  services::IdempotencyService& keys = *deps.idempotency;
  router.add(
      Method::kPost, "/api/v1/auth/logout",
      authenticated_async(
          pool, auth,
          idempotent(keys, pool,
                     as_async([&auth](const HttpRequest&,
                                      const services::Principal& caller) -> Result<HttpResponse> {
                       if (Status s = auth.logout(caller); !s) return std::move(s).error();
                       return HttpResponse::empty(204);
                     }))));

  router.add(Method::kGet, "/api/v1/auth/me",
             authenticated(pool, auth,
                           [&auth](const HttpRequest&,
                                   const services::Principal& caller) -> Result<HttpResponse> {
                             auto user = auth.me(caller);
                             if (!user) return std::move(user).error();
                             return HttpResponse::json(200, user_json(*user));
                           }));

  router.add(Method::kPatch, "/api/v1/auth/me",
             authenticated_async(
                 hashing, auth,
                 idempotent(keys, hashing,
                            as_async(shed_when_stale(
                                wait,
                                [&auth](const HttpRequest& req,
                                        const services::Principal& caller) -> Result<HttpResponse> {
                                  auto change = profile_change(req);
                                  if (!change) return std::move(change).error();
                                  auto user = auth.update_me(caller, *change);
                                  if (!user) return std::move(user).error();
                                  return HttpResponse::json(200, user_json(*user));
                                })))));

  router.add(Method::kDelete, "/api/v1/auth/me",
             authenticated(hashing, auth,
                           shed_when_stale(
                               wait,
                               [&auth](const HttpRequest& req,
                                       const services::Principal& caller) -> Result<HttpResponse> {
                                 auto body = JsonBody::parse(req);
                                 if (!body) return std::move(body).error();
                                 auto password = body->required_string("password");
                                 if (!password) return std::move(password).error();
                                 if (Status s = auth.delete_me(caller, *password); !s) {
                                   return std::move(s).error();
                                 }
                                 return HttpResponse::empty(204);
                               })));
}

}  // namespace moodgate::api
