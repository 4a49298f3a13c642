// The middleware chain without sockets: what the Dispatcher answers for handlers that throw,
// forget to answer, answer twice, or meet a full worker pool or a drain.
#include "core/http/dispatcher.h"

#include <catch2/catch.hpp>

#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/api/routes.h"
#include "core/common/async.h"
#include "core/common/threads.h"

using namespace moodgate;
using namespace moodgate::http;

namespace {

struct Captured {
  std::optional<HttpResponse> response;
  int transmits = 0;
};

// Dispatches one request and returns what was transmitted (answers here are synchronous).
Captured run(Dispatcher& d, Method method, const std::string& path) {
  Captured c;
  HttpRequest r;
  r.method = method;
  r.path = path;
  r.request_id = "test-rid";
  r.received_at = std::chrono::steady_clock::now();
  d.dispatch(std::move(r), [&c](HttpResponse&& resp, const std::function<void()>& written) {
    ++c.transmits;
    c.response = std::move(resp);
    written();
  });
  return c;
}

std::shared_ptr<Dispatcher> make(Router router,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  return std::make_shared<Dispatcher>(std::move(router), CorsPolicy({}, 0),
                                      std::make_shared<DeadlineWatchdog>(), timeout);
}

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("a handler that throws answers 500 INTERNAL without the exception text",
          "[http][dispatcher]") {
  Router router;
  router.add(Method::kGet, "/boom", [](const std::shared_ptr<Exchange>&) {
    throw std::runtime_error("SELECT secret FROM users -- at /srv/moodgate/core.cpp:42");
  });
  auto d = make(std::move(router));
  const Captured c = run(*d, Method::kGet, "/boom");
  REQUIRE(c.response);
  CHECK(c.response->status == 500);
  CHECK(c.response->body.find("\"code\":\"INTERNAL\"") != std::string::npos);
  CHECK(c.response->body.find("SELECT") == std::string::npos);
  CHECK(c.response->body.find("/srv") == std::string::npos);
  CHECK(header(*c.response, "X-Request-ID") == "test-rid");
  CHECK(d->in_flight() == 0);
}

TEST_CASE("a handler that drops its exchange still answers 500, and only once",
          "[http][dispatcher]") {
  Router router;
  router.add(Method::kGet, "/forgot", [](const std::shared_ptr<Exchange>&) {});
  router.add(Method::kGet, "/twice", [](const std::shared_ptr<Exchange>& ex) {
    ex->reply(HttpResponse::json(200, "{}"));
    ex->reply(HttpResponse::json(201, "{}"));
  });
  auto d = make(std::move(router));
  const Captured forgot = run(*d, Method::kGet, "/forgot");
  REQUIRE(forgot.response);
  CHECK(forgot.response->status == 500);
  const Captured twice = run(*d, Method::kGet, "/twice");
  CHECK(twice.transmits == 1);
  CHECK(twice.response->status == 200);
  CHECK(d->in_flight() == 0);
}

TEST_CASE("while draining, requests answer 503 except the health probes", "[http][dispatcher]") {
  Router router;
  router.add(Method::kGet, "/health",
             [](const std::shared_ptr<Exchange>& ex) { ex->reply(HttpResponse::json(200, "{}")); });
  router.add(Method::kGet, "/work",
             [](const std::shared_ptr<Exchange>& ex) { ex->reply(HttpResponse::json(200, "{}")); });
  auto d = make(std::move(router));
  d->begin_drain();
  const Captured work = run(*d, Method::kGet, "/work");
  CHECK(work.response->status == 503);
  CHECK(work.response->body.find("UNAVAILABLE") != std::string::npos);
  CHECK(header(*work.response, "Retry-After") == "1");
  CHECK(run(*d, Method::kGet, "/health").response->status == 200);
}

TEST_CASE("a request stays in flight until its answer is written", "[http][dispatcher]") {
  Router router;
  router.add(Method::kGet, "/x",
             [](const std::shared_ptr<Exchange>& ex) { ex->reply(HttpResponse::json(200, "{}")); });
  auto d = make(std::move(router));
  std::function<void()> pending;
  HttpRequest r;
  r.path = "/x";
  r.received_at = std::chrono::steady_clock::now();
  d->dispatch(std::move(r),
              [&](HttpResponse&&, const std::function<void()>& written) { pending = written; });
  CHECK(d->in_flight() == 1);
  CHECK_FALSE(d->wait_idle(std::chrono::milliseconds(20)));
  pending();
  CHECK(d->in_flight() == 0);
  CHECK(d->wait_idle(std::chrono::milliseconds(20)));
}

namespace {

moodgate::async::Task<moodgate::Result<HttpResponse>> wait_for(std::shared_future<void> gate) {
  gate.wait();
  co_return HttpResponse::json(200, "{}");
}

}  // namespace

TEST_CASE("a full worker pool answers 503 at once instead of queueing", "[http][dispatcher]") {
  moodgate::async::Pool pool(moodgate::ThreadRole::kPool, "mg-pool", 1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  Router router;
  moodgate::api::Routes routes(
      moodgate::api::RoutesDeps{&router, &pool, &pool, nullptr, nullptr, nullptr});
  routes.add(Method::kGet, "/slow", {.access = moodgate::api::Access::kPublic},
             [gate](const moodgate::api::Call&) { return wait_for(gate); });
  auto d = make(std::move(router));
  std::vector<std::optional<HttpResponse>> answers(3);
  std::mutex mu;
  // Requests are dispatched on an event loop.
  std::thread loop([&] {
    moodgate::name_this_thread(moodgate::ThreadRole::kHttp, "mg-http", 0);
    for (int i = 0; i < 3; ++i) {
      // Let the first job reach the worker thread, so exactly one waits in the queue.
      while (i == 1 && pool.waiting() > 0) std::this_thread::yield();
      HttpRequest r;
      r.path = "/slow";
      r.received_at = std::chrono::steady_clock::now();
      d->dispatch(std::move(r), [&, i](HttpResponse&& resp, const std::function<void()>& written) {
        std::lock_guard lock(mu);
        answers[i] = std::move(resp);
        written();
      });
    }
  });
  loop.join();
  {
    // One runs, one waits in the queue of one; the third is refused immediately.
    std::lock_guard lock(mu);
    REQUIRE(answers[2]);
    CHECK(answers[2]->status == 503);
    CHECK_FALSE(answers[0]);
  }
  release.set_value();
  CHECK(d->wait_idle(std::chrono::seconds(5)));
  CHECK(answers[0]->status == 200);
  CHECK(answers[1]->status == 200);
}

TEST_CASE("the deadline watchdog fires due callbacks in order and never cancelled ones",
          "[http][watchdog]") {
  DeadlineWatchdog watchdog;
  std::mutex mu;
  std::vector<int> fired;
  const auto now = DeadlineWatchdog::Clock::now();
  auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mu);
      fired.push_back(n);
    };
  };
  watchdog.schedule(now + std::chrono::milliseconds(60), record(3));
  watchdog.schedule(now + std::chrono::milliseconds(20), record(1));
  const auto cancelled = watchdog.schedule(now + std::chrono::milliseconds(40), record(2));
  CHECK(watchdog.cancel(cancelled));
  CHECK_FALSE(watchdog.cancel(cancelled));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard lock(mu);
  CHECK(fired == std::vector<int>{1, 3});
  CHECK(watchdog.pending() == 0);
}

TEST_CASE("an answer whose write is never confirmed stops counting as in flight after a grace",
          "[http][dispatcher]") {
  // Pistache can lose the confirmation of a write queued from another thread, and drops
  // queued writes unconfirmed when the client hangs up: a drain must not then wait its whole
  // grace period for requests that were in fact answered, from whichever thread.
  Router router;
  std::shared_ptr<Exchange> parked;
  router.add(Method::kGet, "/later", [&parked](const std::shared_ptr<Exchange>& ex) {
    parked = ex;  // answered after dispatch() returns, from another thread
  });
  router.add(Method::kGet, "/now",
             [](const std::shared_ptr<Exchange>& ex) { ex->reply(HttpResponse::json(200, "{}")); });
  auto d = make(std::move(router));
  auto never_confirm = [](HttpResponse&&, const std::function<void()>&) {};
  auto request = [](const std::string& path) {
    HttpRequest r;
    r.path = path;
    r.request_id = "rid";
    r.received_at = std::chrono::steady_clock::now();
    return r;
  };

  d->dispatch(request("/now"), never_confirm);
  d->dispatch(request("/later"), never_confirm);
  REQUIRE(parked);
  std::thread([&] { parked->reply(HttpResponse::json(200, "{}")); }).join();
  parked.reset();
  CHECK(d->in_flight() == 2);
  // Not at once: a confirmation may still come. Within the grace (2 s for a small body), both.
  CHECK_FALSE(d->wait_idle(std::chrono::milliseconds(100)));
  CHECK(d->wait_idle(std::chrono::seconds(10)));
  CHECK(d->in_flight() == 0);
}

TEST_CASE("a stopped watchdog takes no more callbacks, so nothing they hold is kept",
          "[http][dispatcher]") {
  DeadlineWatchdog watchdog;
  watchdog.stop();
  auto held = std::make_shared<int>(7);
  const auto id = watchdog.schedule(DeadlineWatchdog::Clock::now(), [held] {});
  CHECK(id == 0);
  CHECK(watchdog.pending() == 0);
  CHECK(held.use_count() == 1);  // the callback (and its copy of `held`) is gone
}
