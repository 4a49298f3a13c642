// HttpServer: the Pistache endpoint, the router and the middleware every request goes through.
//
// Per request, on the event-loop thread: X-Request-ID, draining check, CORS preflight, routing
// (404/405 with Allow), then the handler. Every answer, whichever thread sends it, gets the
// request id, security headers and CORS headers, and leaves one access-log line. Every non-2xx
// answer, Pistache's own parse errors and 413 included, is the JSON error envelope.
//
// Lifecycle: start() binds and serves on background threads; begin_drain() makes new requests
// answer 503 while those in flight finish; wait_idle() waits for them; stop() closes the endpoint.
// start/stop from one controlling thread; everything else is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/common/result.h"
#include "core/config/config.h"
#include "core/http/router.h"

namespace moodgate::http {

class Dispatcher;

class HttpServer {
 public:
  HttpServer(const config::ServerConfig& config, Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts serving; an Error when the address cannot be bound.
  Status start();
  // The bound port (useful when the configured port was 0).
  std::uint16_t port() const;

  // From now on, new requests (other than /health*) answer 503 UNAVAILABLE.
  void begin_drain();
  bool draining() const;
  // Requests accepted and not yet answered.
  std::size_t in_flight() const;
  // Waits until nothing is in flight or the timeout passes; true when idle.
  bool wait_idle(std::chrono::milliseconds timeout) const;
  // Stops accepting and serving. Idempotent. The endpoint object lives until the destructor,
  // so threads still holding an Exchange may answer (into the void) without touching freed
  // memory: stop them before destroying the server.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moodgate::http
