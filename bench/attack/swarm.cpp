#include "bench/attack/swarm.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace moodgate::bench {
namespace {

// Connects under way at once: beyond the listen backlog, SYNs would be dropped and retried a
// second later, which measures the kernel rather than the gateway.
constexpr int kMaxConnecting = 256;
// One send() at most, so one connection cannot keep the thread from the others.
constexpr std::size_t kMaxWrite = 256 * 1024;
// How long a connection the server should close may stay open: its linger is 2 s.
constexpr std::chrono::milliseconds kCloseGrace{3000};
constexpr std::chrono::milliseconds kTick{5};

}  // namespace

struct Swarm::Conn {
  enum class State { kClosed, kConnecting, kActive, kPaused, kAwaitingClose };
  int fd = -1;
  State state = State::kClosed;
  Plan plan;
  std::size_t sent = 0;       // bytes of plan.bytes sent
  int answers_due = 0;        // answers of the plan still to come
  Clock::time_point next_at;  // next trickled byte, next plan, or the close deadline
  bool writable_watched = false;
  bool read_closed = false;  // the server sent its FIN; only writing goes on (send_all)
  bool throttled = false;    // in Swarm::throttled_
  bool refused = false;      // answered 503 (too many connections)
  ReplyReader reader;

  std::size_t size() const { return plan.bytes ? plan.bytes->size() : 0; }
};

void Tally::merge(const Tally& other) {
  connects += other.connects;
  connect_errors += other.connect_errors;
  requests += other.requests;
  bytes_sent += other.bytes_sent;
  for (const auto& [status, count] : other.answers) answers[status] += count;
  closed_by_server += other.closed_by_server;
  resets += other.resets;
  unanswered += other.unanswered;
  stray_answers += other.stray_answers;
  left_open += other.left_open;
  cpu_s += other.cpu_s;
}

Swarm::Swarm(const sockaddr_in& target, Tactic tactic)
    : target_(target),
      tactic_(std::move(tactic)),
      clocked_(tactic_.trickle.count() > 0 || tactic_.pause.count() > 0),
      buffer_(64 * 1024) {
  for (int i = 0; i < tactic_.connections; ++i) {
    conns_.push_back(std::make_unique<Conn>());
    to_open_.push_back(conns_.back().get());
  }
}

Swarm::~Swarm() {
  stop();
}

void Swarm::start() {
  refilled_at_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

Tally Swarm::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  return tally_;
}

void Swarm::run() {
  std::vector<epoll_event> events(1024);
  while (!stopping_) {
    refill(Clock::now());
    open_due(Clock::now());
    resume_throttled(Clock::now());
    tick(Clock::now());
    const int n = epoll_.wait(events.data(), static_cast<int>(events.size()),
                              static_cast<int>(kTick.count()));
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      on_ready(*static_cast<Conn*>(events[i].data.ptr), events[i].events, now);
    }
  }
  for (auto& c : conns_) {
    if (c->fd >= 0) end(*c);
  }
  tally_.cpu_s = thread_cpu_seconds();
}

// Token buckets for opens_per_s and bytes_per_s, each holding at most 50 ms worth.
void Swarm::refill(Clock::time_point now) {
  const double elapsed_s = std::chrono::duration<double>(now - refilled_at_).count();
  refilled_at_ = now;
  open_tokens_ = std::min(std::max(1.0, tactic_.opens_per_s / 20),
                          open_tokens_ + elapsed_s * tactic_.opens_per_s);
  send_tokens_ = std::min(tactic_.bytes_per_s / 20, send_tokens_ + elapsed_s * tactic_.bytes_per_s);
}

// Opens closed connections again, as fast as opens_per_s and kMaxConnecting allow.
void Swarm::open_due(Clock::time_point now) {
  while (!cooling_.empty() && cooling_.front().first <= now) {
    to_open_.push_back(cooling_.front().second);
    cooling_.pop_front();
  }
  while (!to_open_.empty() && connecting_ < kMaxConnecting && open_tokens_ >= 1) {
    open_tokens_ -= 1;
    Conn& c = *to_open_.front();
    to_open_.pop_front();
    const int fd = start_connect(target_);
    if (fd < 0) {
      ++tally_.connect_errors;
      to_open_.push_back(&c);
      continue;
    }
    c.fd = fd;
    c.state = Conn::State::kConnecting;
    c.reader.reset();
    c.writable_watched = true;
    c.read_closed = false;
    c.refused = false;
    ++connecting_;
    epoll_.add(fd, EPOLLIN | EPOLLOUT, &c);
  }
}

// Connections that ran out of send tokens write again, in the order they ran out.
void Swarm::resume_throttled(Clock::time_point now) {
  std::deque<Conn*> waiting;
  waiting.swap(throttled_);
  for (Conn* c : waiting) {
    c->throttled = false;
    if (c->fd >= 0 && c->state == Conn::State::kActive && c->sent < c->size()) {
      write_some(*c, now);
    }
  }
}

// What runs on time rather than on socket events: trickled bytes, paused plans, close deadlines.
void Swarm::tick(Clock::time_point now) {
  if (!clocked_) return;
  for (auto& owned : conns_) {
    Conn& c = *owned;
    if (c.fd < 0 || now < c.next_at) continue;
    switch (c.state) {
      case Conn::State::kActive:
        if (tactic_.trickle.count() > 0 && c.sent < c.size()) trickle_one(c, now);
        break;
      case Conn::State::kPaused:
        begin_plan(c, now);
        break;
      case Conn::State::kAwaitingClose:
        ++tally_.left_open;
        end(c);
        break;
      default:
        break;
    }
  }
}

void Swarm::on_ready(Conn& c, std::uint32_t events, Clock::time_point now) {
  if (c.fd < 0) return;  // ended by an earlier event of this batch
  if (c.state == Conn::State::kConnecting) {
    on_connected(c, now);
    return;
  }
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) read_some(c, now);
  if (c.fd >= 0 && (events & EPOLLOUT) != 0) write_some(c, now);
}

void Swarm::on_connected(Conn& c, Clock::time_point now) {
  --connecting_;
  c.state = Conn::State::kClosed;  // not counted as connecting any more, whatever follows
  if (connect_error(c.fd) != 0) {
    ++tally_.connect_errors;
    end(c);
    return;
  }
  ++tally_.connects;
  begin_plan(c, now);
}

void Swarm::begin_plan(Conn& c, Clock::time_point now) {
  c.plan = tactic_.plan(plans_begun_++);
  c.sent = 0;
  c.answers_due = c.plan.answers;
  c.state = Conn::State::kActive;
  tally_.requests += c.plan.requests;
  if (c.plan.then == Plan::Then::kAwaitClose) clocked_ = true;
  if (c.size() == 0) {
    watch(c, false);  // hold the connection and wait for what the server says
  } else if (tactic_.trickle.count() > 0) {
    watch(c, false);
    trickle_one(c, now);
  } else {
    write_some(c, now);
  }
}

void Swarm::write_some(Conn& c, Clock::time_point now) {
  if (tactic_.trickle.count() > 0) {
    watch(c, false);  // trickled bytes go out on the clock, not when the socket is writable
    return;
  }
  const bool paced = tactic_.bytes_per_s > 0;
  while (c.sent < c.size()) {
    std::size_t len = std::min(kMaxWrite, c.size() - c.sent);
    if (paced) {
      len = std::min(len, static_cast<std::size_t>(std::max(0.0, send_tokens_)));
      if (len == 0) {
        watch(c, false);
        if (!c.throttled) throttled_.push_back(&c);
        c.throttled = true;
        return;
      }
    }
    const ssize_t n = ::send(c.fd, c.plan.bytes->data() + c.sent, len, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
      tally_.bytes_sent += static_cast<double>(n);
      send_tokens_ -= static_cast<double>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(c, true);
      return;
    }
    on_write_failed(c, now);
    return;
  }
  watch(c, false);
  if (c.plan.send_all && c.answers_due <= 0) on_answers_done(c, now);
}

void Swarm::trickle_one(Conn& c, Clock::time_point now) {
  c.next_at = now + tactic_.trickle;
  const ssize_t n = ::send(c.fd, c.plan.bytes->data() + c.sent, 1, MSG_NOSIGNAL);
  if (n == 1) {
    ++c.sent;
    tally_.bytes_sent += 1;
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    on_write_failed(c, now);
  }
}

// The server closed or reset the connection under a write: its answer may still be waiting to
// be read, so read before counting the loss.
void Swarm::on_write_failed(Conn& c, Clock::time_point now) {
  read_some(c, now);
  if (c.fd < 0) return;
  ++tally_.resets;
  if (c.state == Conn::State::kActive && c.answers_due > 0) ++tally_.unanswered;
  end(c);
}

void Swarm::read_some(Conn& c, Clock::time_point now) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, buffer_.data(), buffer_.size(), 0);
    if (n > 0) {
      statuses_.clear();
      const bool http = c.reader.feed(std::string_view(buffer_.data(), n), statuses_);
      on_answers(c, now);
      if (c.fd < 0) return;
      if (!http) {
        end(c);
        return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    statuses_.clear();
    if (n == 0 && c.plan.send_all && c.state == Conn::State::kActive && c.sent < c.size()) {
      if (!c.read_closed) ++tally_.closed_by_server;
      c.read_closed = true;        // the server is done talking; this client is not
      c.writable_watched = false;  // so that watch() drops EPOLLIN as it adds EPOLLOUT
      watch(c, true);
      return;
    }
    if (n == 0) {
      c.reader.finish(statuses_);
      on_answers(c, now);
      if (c.fd < 0) return;
      if (!c.read_closed) ++tally_.closed_by_server;
    } else {
      ++tally_.resets;
    }
    if (c.state == Conn::State::kActive && c.answers_due > 0) ++tally_.unanswered;
    end(c);
    return;
  }
}

// Counts the answers in statuses_ and moves the connection on when its plan has them all.
void Swarm::on_answers(Conn& c, Clock::time_point now) {
  if (statuses_.empty()) return;
  const int count = static_cast<int>(statuses_.size());
  for (int status : statuses_) {
    ++tally_.answers[status];
    c.refused = c.refused || status == 503;
  }
  if (c.state != Conn::State::kActive) {
    tally_.stray_answers += count;
    return;
  }
  c.answers_due -= count;
  if (c.answers_due > 0) return;
  if (c.plan.send_all && c.sent < c.size()) return;  // write_some() goes on when all is sent
  on_answers_done(c, now);
}

void Swarm::on_answers_done(Conn& c, Clock::time_point now) {
  switch (c.plan.then) {
    case Plan::Then::kReconnect:
      end(c);
      break;
    case Plan::Then::kAwaitClose:
      c.state = Conn::State::kAwaitingClose;
      c.next_at = now + kCloseGrace;
      watch(c, false);
      break;
    case Plan::Then::kNext:
      if (tactic_.pause.count() > 0) {
        c.state = Conn::State::kPaused;
        c.next_at = now + tactic_.pause;
        watch(c, false);
      } else {
        begin_plan(c, now);
      }
      break;
  }
}

void Swarm::end(Conn& c) {
  if (c.state == Conn::State::kConnecting) --connecting_;
  epoll_.remove(c.fd);
  ::close(c.fd);
  c.fd = -1;
  c.state = Conn::State::kClosed;
  c.plan = Plan{};
  if (c.refused && tactic_.after_refusal.count() > 0) {
    cooling_.emplace_back(Clock::now() + tactic_.after_refusal, &c);
  } else {
    to_open_.push_back(&c);
  }
}

void Swarm::watch(Conn& c, bool writable) {
  if (c.writable_watched == writable) return;
  c.writable_watched = writable;
  epoll_.modify(c.fd, (c.read_closed ? 0u : EPOLLIN) | (writable ? EPOLLOUT : 0u), &c);
}

}  // namespace moodgate::bench
