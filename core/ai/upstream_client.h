// UpstreamClient: the gateway's asynchronous HTTP client for calls to AI providers.
//
// One I/O thread drives a libcurl multi handle through epoll (curl_multi_socket_action), so
// thousands of exchanges can be in flight at once without a thread each, and the cost of an
// event does not grow with the number of calls waiting. Connections are kept alive and reused
// across calls (one shared pool, bounded per host and in total); HTTPS hosts that offer HTTP/2
// get it, with many calls multiplexed over one connection. TLS peers are verified.
//
// Thread-safe: send() and schedule() may be called from any thread, the I/O thread included
// (from inside a callback). Callbacks run on the I/O thread, one at a time; they must be quick
// and must not block, since every other call waits for them. An exception from a callback is
// logged and swallowed. The destructor (unlike stop()) must not run on the I/O thread.
//
// Privacy: a Failure's message is a fixed phrase ("could not connect to the provider") that a
// client may see; the host, port and libcurl's own words go in UpstreamFailure::detail, for the
// log only. Nothing this client logs or returns contains a URL's query string, its user info or
// a header value, since either may hold an API key.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "moodgate/provider.h"

namespace moodgate::ai {

// Limits of one exchange. A timeout of 0 means none (libcurl's convention).
struct UpstreamLimits {
  // Time to establish the connection (TCP and TLS).
  std::chrono::milliseconds connect_timeout{5000};
  // Time for the whole exchange, counted from send(), including any wait for a free connection.
  std::chrono::milliseconds total_timeout{30000};
  // A larger response body fails the exchange with kBadResponse.
  std::size_t max_response_bytes = std::size_t{32} * 1024 * 1024;
};

struct UpstreamClientOptions {
  // Connections open to one host at once (CURLMOPT_MAX_HOST_CONNECTIONS); more calls wait for
  // one to be free, unless HTTP/2 lets them share.
  long max_connections_per_host = 64;
  // Connections open at once, all hosts together (CURLMOPT_MAX_TOTAL_CONNECTIONS).
  long max_total_connections = 256;
  // Idle connections kept alive for reuse (CURLMOPT_MAXCONNECTS).
  long max_cached_connections = 128;
  // Verify the peer's TLS certificate and host name. Never false outside tests.
  bool verify_tls = true;
};

// A transport failure: kTimeout when a timeout ran out, kUnavailable when the host could not be
// resolved or reached, TLS failed, or the connection broke (a truncated body included),
// kBadResponse for a body over the limit or a reply that is not HTTP, kInvalidRequest for a URL
// that cannot be sent (malformed, or a scheme other than http/https).
struct UpstreamFailure {
  // Its message is a fixed phrase without host, port, URL or numbers: safe for a client.
  sdk::Failure failure;
  // For the log: "upstream host:port: <what libcurl said>", scrubbed of query, user info and
  // header values ("" when there is nothing more to say, e.g. "shutting down").
  std::string detail;
};

// What came of one exchange: the reply, whatever its status, or a transport failure.
using UpstreamOutcome = std::variant<sdk::HttpReply, UpstreamFailure>;

class UpstreamClient {
 public:
  // Starts the I/O thread. Throws std::runtime_error when libcurl or epoll cannot be set up.
  explicit UpstreamClient(UpstreamClientOptions options = {});
  // stop(), then releases everything.
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends `request` (GET, POST, or another method given by name, with its body if any) and runs
  // `done` exactly once with the outcome, on the I/O thread. After stop(), `done` runs at once,
  // on the caller's thread, with kUnavailable "shutting down".
  void send(sdk::HttpRequest request, UpstreamLimits limits,
            std::function<void(UpstreamOutcome)> done);

  // Runs `fn` on the I/O thread once `delay` has passed (retry backoff, simulated latency).
  // Callbacks due at the same time run in the order they were scheduled. Never runs after
  // stop(): returns false (and drops `fn`) once stop() has begun; callbacks still waiting when
  // it begins are dropped too.
  bool schedule(std::chrono::milliseconds delay, std::function<void()> fn);

  // Exchanges sent whose `done` has not started yet.
  std::size_t in_flight() const;
  // Connections opened so far, all exchanges together (the sum of CURLINFO_NUM_CONNECTS).
  long connections_opened() const;

  // Fails every exchange in flight with kUnavailable "shutting down", drops the scheduled
  // callbacks and joins the I/O thread (unless called on it: then the thread finishes on its
  // own once the current callback returns). Idempotent.
  void stop();

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace moodgate::ai
