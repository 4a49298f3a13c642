// Dispatcher: the middleware chain and routing between Pistache and the handlers.
// Internal to core/http/ (server.cpp feeds it); exposed as a header so tests can drive it
// without sockets. Thread-safe after construction.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/common/error.h"
#include "core/http/cors.h"
#include "core/http/deadline_watchdog.h"
#include "core/http/exchange.h"
#include "core/http/router.h"

namespace moodgate::http {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  // How the final bytes leave: status, headers, body. Called once per request; must call
  // `written` exactly once, when the answer is on the wire or can no longer be sent. Until then
  // the request counts as in flight, so a drain never stops the server under a queued answer.
  using Transmit = std::function<void(HttpResponse&&, const std::function<void()>& written)>;

  // Every routed request must be answered within `request_timeout` of its receipt; past it the
  // client gets 503 UNAVAILABLE and the handler's late answer is dropped.
  Dispatcher(Router router, CorsPolicy cors, std::shared_ptr<DeadlineWatchdog> watchdog,
             std::chrono::milliseconds request_timeout);

  // Routes a parsed request and runs its handler; the answer goes out through `transmit`.
  void dispatch(HttpRequest request, Transmit transmit);

  // Answers a request that never reached routing (parse error, too large) with `error`;
  // the common headers, access log and in-flight count apply as for any request.
  void reject(HttpRequest request, const Error& error, Transmit transmit);

  void begin_drain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }
  std::size_t in_flight() const { return in_flight_.load(); }
  bool wait_idle(std::chrono::milliseconds timeout) const;

 private:
  // Adds the common headers, transmits and logs; the request is done once it is written.
  void finish(const HttpRequest& request, HttpResponse&& response, const Transmit& transmit);
  using DeadlineSlot = std::shared_ptr<std::atomic<DeadlineWatchdog::Id>>;
  Exchange::Sender sender_for(Transmit transmit, const DeadlineSlot& deadline = nullptr);
  void written();

  Router router_;
  CorsPolicy cors_;
  std::shared_ptr<DeadlineWatchdog> watchdog_;
  std::chrono::milliseconds request_timeout_;
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex idle_mu_;
  mutable std::condition_variable idle_cv_;
};

}  // namespace moodgate::http
