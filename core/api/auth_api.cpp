#include "core/api/auth_api.h"

#include "core/api/auth_json.h"
#include "core/api/json_body.h"
#include "core/services/account_rules.h"

namespace moodgate::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using Answer = async::Task<Result<HttpResponse>>;

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

// The handlers, one per route. Those on the sign-in pool first shed a request that waited
// too long for it (see fresh()).
class AuthApi {
 public:
  explicit AuthApi(AuthApiDeps deps) : auth_(*deps.auth), wait_(deps.password_queue_timeout) {}

  Answer register_user(const Call& call) {
    return answer_now(sign_in(call, register_input, 201, &services::AuthService::register_user));
  }

  Answer login(const Call& call) {
    return answer_now(sign_in(call, login_input, 200, &services::AuthService::login));
  }

  Answer refresh(const Call& call) {
    auto body = JsonBody::parse(call.request);
    if (!body) co_return std::move(body).error();
    auto token = body->required_string("refresh_token");
    if (!token) co_return std::move(token).error();
    auto tokens = auth_.refresh(*token);
    if (!tokens) co_return std::move(tokens).error();
    co_return HttpResponse::json(200, tokens_json(*tokens));
  }

  Answer logout(const Call& call) {
    if (Status s = auth_.logout(call.user()); !s) co_return std::move(s).error();
    co_return HttpResponse::empty(204);
  }

  Answer me(const Call& call) {
    auto user = auth_.me(call.user());
    if (!user) co_return std::move(user).error();
    co_return HttpResponse::json(200, user_json(*user));
  }

  Answer update_me(const Call& call) {
    if (Status ok = fresh(call.request, wait_); !ok) co_return std::move(ok).error();
    auto change = profile_change(call.request);
    if (!change) co_return std::move(change).error();
    auto user = auth_.update_me(call.user(), *change);
    if (!user) co_return std::move(user).error();
    co_return HttpResponse::json(200, user_json(*user));
  }

  Answer delete_me(const Call& call) {
    if (Status ok = fresh(call.request, wait_); !ok) co_return std::move(ok).error();
    auto body = JsonBody::parse(call.request);
    if (!body) co_return std::move(body).error();
    auto password = body->required_string("password");
    if (!password) co_return std::move(password).error();
    if (Status s = auth_.delete_me(call.user(), *password); !s) co_return std::move(s).error();
    co_return HttpResponse::empty(204);
  }

 private:
  // Register and login: the body read by `parse`, shed when stale, then `act` on the service.
  template <typename Input>
  Result<HttpResponse> sign_in(const Call& call, Result<Input> (*parse)(const HttpRequest&),
                               int status,
                               Result<services::SignedIn> (services::AuthService::*act)(
                                   const Input&, const std::string&, services::RateLimitInfo&)) {
    auto input = parse(call.request);
    if (!input) return std::move(input).error();
    if (Status ok = fresh(call.request, wait_); !ok) return std::move(ok).error();
    services::RateLimitInfo limits;
    auto done = (auth_.*act)(*input, call.request.client_ip, limits);
    return signed_in_response(status, std::move(done), limits);
  }

  services::AuthService& auth_;
  const std::chrono::milliseconds wait_;
};

}  // namespace

void register_auth_api(Routes& routes, AuthApiDeps deps) {
  auto api = std::make_shared<AuthApi>(deps);
  const RoutePolicy sign_in{.access = Access::kPublic, .runs = Runs::kSignInPool};
  routes.add(Method::kPost, "/api/v1/auth/register", sign_in,
             [api](const Call& c) { return api->register_user(c); });
  routes.add(Method::kPost, "/api/v1/auth/login", sign_in,
             [api](const Call& c) { return api->login(c); });
  routes.add(Method::kPost, "/api/v1/auth/refresh", {.access = Access::kPublic},
             [api](const Call& c) { return api->refresh(c); });
  routes.add(Method::kPost, "/api/v1/auth/logout",
             {.access = Access::kToken, .idempotency_key = true},
             [api](const Call& c) { return api->logout(c); });
  routes.add(Method::kGet, "/api/v1/auth/me", {.access = Access::kToken},
             [api](const Call& c) { return api->me(c); });
  routes.add(Method::kPatch, "/api/v1/auth/me",
             {.access = Access::kToken, .idempotency_key = true, .runs = Runs::kSignInPool},
             [api](const Call& c) { return api->update_me(c); });
  routes.add(Method::kDelete, "/api/v1/auth/me",
             {.access = Access::kToken, .runs = Runs::kSignInPool},
             [api](const Call& c) { return api->delete_me(c); });
}

}  // namespace moodgate::api
