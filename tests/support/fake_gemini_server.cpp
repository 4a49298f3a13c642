#include "tests/support/fake_gemini_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <queue>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tests/support/fake_gemini_http.h"

namespace moodgate::testing::fake_gemini_http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kListenId = 0;
constexpr std::uint64_t kWakeId = 1;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("FakeGemini: " + what + ": " + std::strerror(errno));
}

// So that a test can hold a thousand connections from each side in one process.
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

struct Connection {
  enum class State { kReading, kWaiting, kHung, kWriting };
  std::uint64_t id = 0;  // epoll's key for it; never reused, so stale timers and events miss
  int fd = -1;
  State state = State::kReading;
  std::string in;
  std::string out;
  std::size_t out_pos = 0;
  bool close_after_write = false;
  bool sent_continue = false;
  bool polling_out = false;
  bool dead = false;
  std::uint64_t timer_seq = 0;
  FakeGeminiReply pending;  // while kWaiting
  bool pending_close = false;
};

struct Timer {
  Clock::time_point due;
  std::uint64_t connection;
  std::uint64_t seq;
  bool operator>(const Timer& o) const { return due > o.due; }
};

}  // namespace

struct Server::Loop {
  const Handler handler;
  std::atomic<int> open{0}, max_open{0}, accepted{0};
  std::uint16_t port = 0;

  // The loop thread's own.
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  bool accepting = true;
  std::uint64_t next_id = 2;
  std::unordered_map<std::uint64_t, Connection> connections;
  std::vector<std::uint64_t> dead;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::thread thread;

  explicit Loop(Handler h) : handler(std::move(h)) {}
  ~Loop() {
    for (auto& [id, c] : connections) {
      if (!c.dead) ::close(c.fd);
    }
    for (int fd : {listen_fd, epoll_fd, wake_fd}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void start();
  void run();
  void accept_all();
  void on_event(std::uint64_t id, std::uint32_t events);
  void fire_timers();
  void advance(Connection& c);
  void start_reply(Connection& c, FakeGeminiReply reply, bool close);
  void send_reply(Connection& c, const FakeGeminiReply& reply, bool close);
  void flush(Connection& c);
  void poll_out(Connection& c, bool on);
  void close_connection(Connection& c);
};

void Server::Loop::start() {
  raise_open_file_limit();
  listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) fail("socket");
  const int one = 1;
  ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
  if (::listen(listen_fd, 4096) != 0) fail("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
  port = ntohs(addr.sin_port);
  epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) fail("epoll_create1");
  wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) fail("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenId;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) fail("epoll_ctl");
  ev.data.u64 = kWakeId;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) fail("epoll_ctl");
  thread = std::thread([this] { run(); });
}

void Server::Loop::run() {
  epoll_event events[256];
  for (;;) {
    int timeout = -1;
    if (!timers.empty()) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(timers.top().due - Clock::now());
      timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
    }
    const int n = ::epoll_wait(epoll_fd, events, 256, timeout);
    if (n < 0 && errno != EINTR) return;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[i].data.u64;
      if (id == kWakeId) return;
      if (id == kListenId) {
        accept_all();
      } else {
        on_event(id, events[i].events);
      }
    }
    fire_timers();
    for (std::uint64_t id : dead) connections.erase(id);
    dead.clear();
  }
}

void Server::Loop::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop listening until a connection closes, or the loop would spin.
        epoll_event ev{};
        ev.data.u64 = kListenId;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
        accepting = false;
      }
      return;  // EAGAIN, or a connection that died in the backlog
    }
    const std::uint64_t id = next_id++;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      continue;
    }
    Connection& c = connections[id];
    c.id = id;
    c.fd = fd;
    accepted.fetch_add(1);
    const int now_open = open.fetch_add(1) + 1;
    int seen = max_open.load();
    while (now_open > seen && !max_open.compare_exchange_weak(seen, now_open)) {
    }
  }
}

void Server::Loop::on_event(std::uint64_t id, std::uint32_t events) {
  const auto it = connections.find(id);
  if (it == connections.end() || it->second.dead) return;
  Connection& c = it->second;
  if (events & EPOLLERR) return close_connection(c);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        // The client left (or broke): whatever it was waiting for is moot.
        return close_connection(c);
      }
    }
  }
  if ((events & EPOLLOUT) && !c.out.empty()) flush(c);
  advance(c);
}

void Server::Loop::fire_timers() {
  const auto now = Clock::now();
  while (!timers.empty() && timers.top().due <= now) {
    const Timer timer = timers.top();
    timers.pop();
    const auto it = connections.find(timer.connection);
    if (it == connections.end()) continue;
    Connection& c = it->second;
    if (c.dead || c.state != Connection::State::kWaiting || c.timer_seq != timer.seq) continue;
    const FakeGeminiReply reply = std::move(c.pending);
    send_reply(c, reply, c.pending_close);
    advance(c);
  }
}

// Parses and answers the requests in `c.in` while the connection is free to take one.
void Server::Loop::advance(Connection& c) {
  while (!c.dead && c.state == Connection::State::kReading) {
    RequestHead head;
    const auto parsed = parse_head(c.in, head);
    if (parsed == HeadResult::kIncomplete) return;
    if (parsed != HeadResult::kComplete) {
      const bool too_large = parsed == HeadResult::kTooLarge;
      return send_reply(c,
                        error_reply(too_large ? 431 : 400, "INVALID_ARGUMENT",
                                    too_large ? "Request header too large." : "Malformed request."),
                        true);
    }
    if (!header(head, "transfer-encoding").empty()) {
      return send_reply(
          c, error_reply(411, "INVALID_ARGUMENT", "Only Content-Length bodies are supported."),
          true);
    }
    const auto length = content_length(head);
    if (!length) {
      return send_reply(c, error_reply(400, "INVALID_ARGUMENT", "Bad Content-Length."), true);
    }
    if (*length > kMaxBodyBytes) {
      return send_reply(c, error_reply(413, "INVALID_ARGUMENT", "Request too large."), true);
    }
    if (c.in.size() < head.size + *length) {
      if (!c.sent_continue && has_token(header(head, "expect"), "100-continue")) {
        c.sent_continue = true;
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        flush(c);
      }
      return;
    }
    const bool close = wants_close(head);
    FakeGeminiRequest request;
    request.method = head.method;
    const auto question = head.target.find('?');
    request.path = head.target.substr(0, question);
    if (question != std::string::npos) request.query = head.target.substr(question + 1);
    request.headers = std::move(head.headers);
    request.body = c.in.substr(head.size, *length);
    c.in.erase(0, head.size + *length);
    c.sent_continue = false;
    start_reply(c, handler(std::move(request)), close);
  }
}

void Server::Loop::start_reply(Connection& c, FakeGeminiReply reply, bool close) {
  close = close || reply.close_after || reply.truncate;
  if (reply.hang) {
    c.state = Connection::State::kHung;
  } else if (reply.delay.count() > 0) {
    c.state = Connection::State::kWaiting;
    c.pending_close = close;
    timers.push({Clock::now() + reply.delay, c.id, ++c.timer_seq});
    c.pending = std::move(reply);
  } else {
    send_reply(c, reply, close);
  }
}

void Server::Loop::send_reply(Connection& c, const FakeGeminiReply& reply, bool close) {
  c.out += serialize(reply, close);
  c.close_after_write = close;
  c.state = Connection::State::kWriting;
  flush(c);
}

// Writes what it can; once everything is out, the connection closes or takes the next request.
void Server::Loop::flush(Connection& c) {
  while (c.out_pos < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_pos += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return poll_out(c, true);
    } else {
      return close_connection(c);
    }
  }
  c.out.clear();
  c.out_pos = 0;
  poll_out(c, false);
  if (c.state != Connection::State::kWriting) return;  // an interim 100 Continue
  if (c.close_after_write) return close_connection(c);
  c.state = Connection::State::kReading;
}

void Server::Loop::poll_out(Connection& c, bool on) {
  if (c.polling_out == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  c.polling_out = on;
}

void Server::Loop::close_connection(Connection& c) {
  // Send our FIN before closing, and read what is left so that close() does not reset the
  // connection under data the client has yet to read (a truncated reply must end cleanly).
  ::shutdown(c.fd, SHUT_WR);
  char buf[4096];
  while (::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  ::close(c.fd);
  c.dead = true;
  dead.push_back(c.id);
  open.fetch_sub(1);
  if (!accepting) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenId;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
    accepting = true;
  }
}

Server::Server(Handler handler) : loop_(std::make_unique<Loop>(std::move(handler))) {
  loop_->start();
}

Server::~Server() {
  const std::uint64_t one = 1;
  if (::write(loop_->wake_fd, &one, sizeof one) < 0) {
    // Cannot fail for an eventfd written once; nothing to do.
  }
  if (loop_->thread.joinable()) loop_->thread.join();
}

std::uint16_t Server::port() const {
  return loop_->port;
}
int Server::max_concurrent_connections() const {
  return loop_->max_open.load();
}
int Server::open_connections() const {
  return loop_->open.load();
}
int Server::connections_accepted() const {
  return loop_->accepted.load();
}

}  // namespace moodgate::testing::fake_gemini_http
