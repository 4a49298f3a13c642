#include "core/http/dispatcher.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <exception>

#include "core/http/access_log.h"
#include "core/http/error_envelope.h"

namespace moodgate::http {
namespace {

// How long after an answer was handed over we assume it was written if nobody says so. The
// connection (connection.h) confirms every answer: written whole, abandoned after
// send_timeout_ms, or dropped because the client left. This bound stays as a last resort
// against a lost confirmation keeping a drain waiting out its whole grace period. Bigger
// bodies get longer, since they may really take that long to write.
std::chrono::milliseconds unconfirmed_write_grace(std::size_t body_bytes) {
  return std::chrono::milliseconds(2000 + body_bytes / 1024);  // + 1 s per MiB
}

// Headers every answer carries. The API serves JSON only, so the policy can be strict; routes
// that serve HTML (GET /docs) set their own Content-Security-Policy, which wins.
void add_security_headers(HttpResponse& r) {
  auto has = [&](const char* name) {
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const auto& h) { return strcasecmp(h.first.c_str(), name) == 0; });
  };
  r.header("X-Content-Type-Options", "nosniff");
  r.header("X-Frame-Options", "DENY");
  r.header("Referrer-Policy", "no-referrer");
  if (!has("Content-Security-Policy")) {
    r.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  if (!has("Cache-Control")) r.header("Cache-Control", "no-store");
}

std::string allow_header(const std::vector<Method>& methods) {
  std::vector<Method> all = methods;
  if (std::find(all.begin(), all.end(), Method::kGet) != all.end() &&
      std::find(all.begin(), all.end(), Method::kHead) == all.end()) {
    all.push_back(Method::kHead);
  }
  all.push_back(Method::kOptions);
  std::string out;
  for (Method m : all) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
  }
  return out;
}

bool is_health_route(const std::string& path) {
  return path == "/health" || path == "/health/ready";
}

}  // namespace

Dispatcher::Dispatcher(Router router, CorsPolicy cors, std::shared_ptr<DeadlineWatchdog> watchdog,
                       std::chrono::milliseconds request_timeout)
    : router_(std::move(router)),
      cors_(std::move(cors)),
      watchdog_(std::move(watchdog)),
      request_timeout_(request_timeout) {}

Exchange::Sender Dispatcher::sender_for(Transmit transmit, const DeadlineSlot& deadline) {
  auto self = shared_from_this();
  return [self, transmit = std::move(transmit), deadline](const HttpRequest& req,
                                                          HttpResponse&& resp) {
    if (deadline) {
      if (const auto id = deadline->exchange(0)) self->watchdog_->cancel(id);
    }
    self->finish(req, std::move(resp), transmit);
  };
}

void Dispatcher::dispatch(HttpRequest request, Transmit transmit) {
  in_flight_.fetch_add(1);
  auto exchange_for = [&](HttpRequest req) {
    return std::make_shared<Exchange>(std::move(req), sender_for(transmit));
  };

  if (draining() && !is_health_route(request.path)) {
    auto ex = exchange_for(std::move(request));
    HttpResponse r =
        error_response(Error::unavailable("Server is shutting down"), ex->request().request_id);
    r.header("Connection", "close").header("Retry-After", "1");
    ex->reply(std::move(r));
    return;
  }

  RouteMatch match = router_.match(request.method, request.path);
  if (CorsPolicy::is_preflight(request) && match.kind != RouteMatch::Kind::kNotFound) {
    auto ex = exchange_for(std::move(request));
    ex->reply(cors_.preflight(ex->request(), match.allowed));
    return;
  }
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound: {
      auto ex = exchange_for(std::move(request));
      ex->fail(Error::not_found("No route for this path"));
      return;
    }
    case RouteMatch::Kind::kMethodNotAllowed: {
      request.route = match.pattern;
      auto ex = exchange_for(std::move(request));
      Error e(ErrorCode::kMethodNotAllowed, "Method not allowed for this path");
      e.with("allow", allow_header(match.allowed));
      HttpResponse r = error_response(e, ex->request().request_id);
      r.header("Allow", allow_header(match.allowed));
      ex->reply(std::move(r));
      return;
    }
    case RouteMatch::Kind::kFound:
      break;
  }
  request.route = match.pattern;
  request.path_params = std::move(match.params);
  auto deadline = std::make_shared<std::atomic<DeadlineWatchdog::Id>>(0);
  auto ex = std::make_shared<Exchange>(std::move(request), sender_for(transmit, deadline));
  std::weak_ptr<Exchange> weak = ex;
  deadline->store(watchdog_->schedule(ex->request().received_at + request_timeout_, [weak] {
    if (auto late = weak.lock()) {
      HttpResponse r = error_response(Error::unavailable("The server could not answer in time"),
                                      late->request().request_id);
      r.header("Retry-After", "1");
      late->reply(std::move(r));
    }
  }));
  try {
    (*match.handler)(ex);
  } catch (const std::exception& e) {
    spdlog::error("request {}: handler threw: {}", ex->request().request_id, e.what());
    ex->fail(Error::internal());
  } catch (...) {
    spdlog::error("request {}: handler threw a non-standard exception", ex->request().request_id);
    ex->fail(Error::internal());
  }
}

void Dispatcher::reject(HttpRequest request, const Error& error, Transmit transmit) {
  in_flight_.fetch_add(1);
  auto ex = std::make_shared<Exchange>(std::move(request), sender_for(std::move(transmit)));
  ex->fail(error);
}

void Dispatcher::finish(const HttpRequest& request, HttpResponse&& response,
                        const Transmit& transmit) {
  response.header("X-Request-ID", request.request_id);
  add_security_headers(response);
  cors_.decorate(request, response);
  if (request.method == Method::kHead) response.body.clear();

  AccessRecord record;
  record.request_id = request.request_id;
  record.method =
      request.method == Method::kOther ? request.method_token : method_name(request.method);
  record.route = request.route;
  record.client = request.client_ip;
  record.status = response.status;
  record.bytes = response.body.size();
  record.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                 request.received_at)
                           .count();
  write_access_log(record);
  struct WriteState {
    std::atomic<bool> done{false};
    std::atomic<DeadlineWatchdog::Id> fallback{0};
  };
  auto state = std::make_shared<WriteState>();
  auto self = shared_from_this();
  auto on_written = [self, state, id = request.request_id] {
    if (state->done.exchange(true)) return;
    spdlog::trace("request {}: answer written", id);
    if (const auto fallback = state->fallback.exchange(0)) self->watchdog_->cancel(fallback);
    self->written();
  };
  const std::size_t body_bytes = response.body.size();
  try {
    transmit(std::move(response), on_written);
  } catch (const std::exception& e) {
    // The peer went away; nothing left to answer.
    spdlog::debug("request {}: could not send answer: {}", request.request_id, e.what());
    on_written();
  }
  if (!state->done.load()) {
    const auto id = watchdog_->schedule(
        DeadlineWatchdog::Clock::now() + unconfirmed_write_grace(body_bytes), [state, self] {
          state->fallback.store(0);
          if (!state->done.exchange(true)) self->written();
        });
    state->fallback.store(id);
    // The write may have been confirmed between the check and storing the id.
    if (state->done.load() && state->fallback.exchange(0) == id) watchdog_->cancel(id);
  }
}

void Dispatcher::written() {
  if (in_flight_.fetch_sub(1) == 1) {
    std::lock_guard lock(idle_mu_);
    idle_cv_.notify_all();
  }
}

bool Dispatcher::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(idle_mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return in_flight_.load() == 0; });
}

}  // namespace moodgate::http
