// Connection: one client connection, from accept to close. Pistache accepts the socket and
// reads it on its event loop; everything else happens here: framing each request strictly
// (RequestFramer), handing it to the Dispatcher, writing the answer straight to the socket,
// and the connection's deadlines.
//
// One request at a time: bytes that arrive while a request is being answered (pipelining)
// wait, up to one request's worth, and are read once the answer is written, so answers leave
// in order. Deadlines, each one at a time:
//   - receive: a request must arrive whole within `receive_timeout` of its first byte (of the
//     accept, for a connection's first request), else 408 and close;
//   - keep-alive: a connection idle after an answer is closed after `keepalive_timeout`;
//   - send: an answer the client does not read for `send_timeout` is abandoned and closed;
//   - linger: after an answer that closes the connection (an error, `Connection: close`,
//     HTTP/1.0), the write side is shut at once, what the client still sends is read and
//     dropped, and the socket is closed after `linger_timeout` at the latest, so the client
//     reads the answer instead of a reset — or as soon as it has sent kLingerDropLimit more
//     bytes: a client that keeps streaming after its refusal gets a reset, not our CPU.
// While idle (silent since accept, or kept alive after an answer) a connection is listed in
// IdleConnections, so a newcomer over server.max_connections can take its place (evict()).
// A framing error, an oversized head or body, or a refusal (too many connections) is answered
// in the JSON envelope and closes the connection.
//
// Threads: on_input() and on_closed() run on the connection's event-loop thread; answers come
// from any thread; deadlines fire on the watchdog thread; slow writes resume on the
// WritableWatcher's thread. All of it is serialised by one mutex per connection, and the
// socket is only written or shut down under it while Pistache has not reported the socket
// closed (on_closed() runs before Pistache closes the descriptor), so a descriptor number
// reused by a later connection is never touched.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/common/error.h"
#include "core/common/thread_annotations.h"
#include "core/http/client_address.h"
#include "core/http/deadline_watchdog.h"
#include "core/http/dispatcher.h"
#include "core/http/idle_connections.h"
#include "core/http/request_framer.h"
#include "core/http/writable_watcher.h"

namespace moodgate::http {

struct ConnectionSettings {
  FramingLimits limits;
  std::chrono::milliseconds receive_timeout{10000};
  std::chrono::milliseconds keepalive_timeout{75000};
  std::chrono::milliseconds send_timeout{60000};
  std::chrono::milliseconds linger_timeout{2000};
};

// What every connection of one server shares.
struct ConnectionContext {
  ConnectionSettings settings;
  TrustedProxies proxies{std::vector<std::string>{}};
  std::shared_ptr<Dispatcher> dispatcher;
  std::shared_ptr<DeadlineWatchdog> watchdog;
  std::shared_ptr<WritableWatcher> writer;
  std::shared_ptr<IdleConnections> idle;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(int fd, std::string peer_ip, std::shared_ptr<const ConnectionContext> context);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the first request's receive deadline (right after accept).
  void open();
  // Answers `error` at once and closes the connection without lingering (too many
  // connections): refusing must not cost more than accepting.
  void refuse(const Error& error);
  // Bytes read from the socket (event-loop thread).
  void on_input(const char* data, std::size_t len);
  // The socket is gone; Pistache closes the descriptor right after this returns.
  void on_closed();
  // Closes the connection if it is still idle (silent since accept, or kept alive after an
  // answer): a newcomer needs its place. False when it has become busy meanwhile.
  bool evict();

 private:
  enum class Phase { kReading, kAnswering, kClosing, kClosed };
  enum class Timer { kNone, kReceive, kKeepAlive, kSend, kLinger };
  // What a step decided to do once the lock is released.
  struct Next {
    std::optional<HttpRequest> request;  // dispatch it
    std::optional<Error> refusal;        // answer it and close
    std::function<void()> written;       // tell the dispatcher an answer is done
  };

  // Frames `bytes`: a complete request, a refusal, or more to wait for. Keeps what follows
  // a complete request in pending_.
  void read_locked(std::string_view bytes, Next& next) MG_REQUIRES(mu_);
  HttpRequest to_request(ParsedRequest parsed) const;
  HttpRequest bare_request() const;  // for answers given before a request was parsed
  void run(Next next);               // acts on `next` outside the lock
  void dispatch(HttpRequest request);
  void reject(const Error& error);
  void send_answer(HttpResponse&& response, const std::function<void()>& written);
  // Writes the outbox; true when it is empty (or the socket failed).
  bool flush_locked() MG_REQUIRES(mu_);
  void watch_writable_locked() MG_REQUIRES(mu_);
  void on_writable();
  // The answer is out (or cannot be sent): close, or read the next request.
  void answered_locked(Next& next) MG_REQUIRES(mu_);
  void arm_locked(Timer kind, std::chrono::milliseconds after) MG_REQUIRES(mu_);
  void disarm_locked() MG_REQUIRES(mu_);
  void on_timer(Timer kind, std::uint64_t generation);
  void shutdown_locked(int how) MG_REQUIRES(mu_);
  void set_idle_locked(bool idle) MG_REQUIRES(mu_);

  const int fd_;
  const std::string peer_ip_;
  const std::shared_ptr<const ConnectionContext> context_;

  // Guards everything below but idle_slot_.
  std::mutex mu_;
  Phase phase_ MG_GUARDED_BY(mu_) = Phase::kReading;
  RequestFramer framer_ MG_GUARDED_BY(mu_);
  std::string pending_ MG_GUARDED_BY(mu_);    // read while answering; framed after the answer
  int version_minor_ MG_GUARDED_BY(mu_) = 1;  // of the request being answered
  // The client or the server wants the connection closed.
  bool close_after_answer_ MG_GUARDED_BY(mu_) = false;
  bool abort_on_close_ MG_GUARDED_BY(mu_) = false;  // close without lingering (refusals)
  bool continue_sent_ MG_GUARDED_BY(mu_) = false;   // `100 Continue` sent for the current request
  std::string outbox_ MG_GUARDED_BY(mu_);           // bytes not yet taken by the kernel
  std::size_t outbox_sent_ MG_GUARDED_BY(mu_) = 0;
  bool answer_in_outbox_ MG_GUARDED_BY(mu_) = false;  // the outbox ends with a final answer
  bool write_failed_ MG_GUARDED_BY(mu_) = false;
  // The answer that closes is out; reading only to drop.
  bool lingering_ MG_GUARDED_BY(mu_) = false;
  // Read and dropped since the connection began closing.
  std::size_t dropped_bytes_ MG_GUARDED_BY(mu_) = 0;
  // The dispatcher's "done" for that answer.
  std::function<void()> answer_written_ MG_GUARDED_BY(mu_);
  // A thread is inside Dispatcher::dispatch for us.
  bool dispatching_ MG_GUARDED_BY(mu_) = false;
  // The step found while dispatching_ (at most one: a connection answers one request at a
  // time), taken by the thread in dispatch() when it returns.
  std::optional<Next> deferred_ MG_GUARDED_BY(mu_);
  Timer timer_ MG_GUARDED_BY(mu_) = Timer::kNone;
  DeadlineWatchdog::Id timer_id_ MG_GUARDED_BY(mu_) = 0;
  std::uint64_t timer_generation_ MG_GUARDED_BY(mu_) = 0;
  IdleConnections::Slot idle_slot_;  // guarded by context_->idle's lock
};

}  // namespace moodgate::http
