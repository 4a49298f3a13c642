#include "bench/attack/prober.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace moodgate::bench {
namespace {

constexpr std::string_view kKeepAliveProbe = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
constexpr std::string_view kFreshProbe =
    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

}  // namespace

struct Prober::Line {
  bool fresh = false;
  int fd = -1;
  bool connected = false;
  bool busy = false;        // a probe is on this line (sent, or waiting for the connect)
  Clock::time_point start;  // of that probe: latency and timeout count from here
  int phase = -1;           // of that probe
  ReplyReader reader;
};

Prober::Prober(const sockaddr_in& target, int per_s, std::chrono::milliseconds timeout)
    : target_(target),
      interval_(std::chrono::nanoseconds(1000000000 / std::max(1, per_s))),
      timeout_(timeout),
      keep_alive_(std::make_unique<Line>()) {}

Prober::~Prober() {
  stop();
}

void Prober::start() {
  const auto now = Clock::now();
  keep_alive_next_ = now;
  keep_alive_idle_since_ = now;
  fresh_next_ = now + interval_ / 2;  // the two kinds interleaved, not at the same instant
  thread_ = std::thread([this] { run(); });
}

void Prober::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Prober::set_phase(int phase) {
  phase_ = phase;
}

std::vector<Probe> Prober::probes(int phase) const {
  std::lock_guard lock(mu_);
  auto it = filed_.find(phase);
  return it == filed_.end() ? std::vector<Probe>{} : it->second;
}

void Prober::run() {
  // Ask for a head start over the attacker's threads (root only; fine without).
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -10);
  std::vector<epoll_event> events(256);
  while (!stopping_) {
    const auto now = Clock::now();
    keep_alive_due(now);
    fresh_due(now);
    expire(now);
    const int n = epoll_.wait(events.data(), static_cast<int>(events.size()), 1);
    for (int i = 0; i < n; ++i) on_ready(*static_cast<Line*>(events[i].data.ptr), Clock::now());
  }
  close(*keep_alive_);
  for (auto& line : fresh_) close(*line);
}

void Prober::keep_alive_due(Clock::time_point now) {
  Line& line = *keep_alive_;
  if (line.busy || keep_alive_next_ > now) return;
  const auto due = keep_alive_next_;
  keep_alive_next_ += interval_;
  if (keep_alive_next_ + timeout_ < now) keep_alive_next_ = now;  // after a stall: no burst
  line.busy = true;
  line.phase = phase_;
  // Queued behind a slow answer: count from when it was due. Otherwise from now, so that this
  // thread's own wake-up delay is not charged to the gateway.
  line.start = keep_alive_idle_since_ > due ? due : now;
  if (line.fd < 0) {
    open(line, now);  // the probe goes out once connected
  } else {
    send_probe(line, now);
  }
}

void Prober::fresh_due(Clock::time_point now) {
  while (fresh_next_ <= now) {
    fresh_next_ += interval_;
    auto line = std::make_unique<Line>();
    line->fresh = true;
    line->busy = true;
    line->phase = phase_;
    line->start = now;
    open(*line, now);
    if (line->fd >= 0) fresh_.push_back(std::move(line));
  }
}

void Prober::expire(Clock::time_point now) {
  if (keep_alive_->busy && now - keep_alive_->start >= timeout_) {
    settle(*keep_alive_, Probe::Outcome::kTimeout, 0, now);
    close(*keep_alive_);
  }
  for (auto it = fresh_.begin(); it != fresh_.end();) {
    Line& line = **it;
    if (line.busy && now - line.start >= timeout_) {
      settle(line, Probe::Outcome::kTimeout, 0, now);
      close(line);
    }
    it = line.fd < 0 ? fresh_.erase(it) : std::next(it);
  }
}

void Prober::open(Line& line, Clock::time_point now) {
  line.fd = start_connect(target_);
  line.connected = false;
  line.reader.reset();
  if (line.fd < 0) {
    line.fd = -1;
    settle(line, Probe::Outcome::kError, 0, now);
    return;
  }
  epoll_.add(line.fd, EPOLLIN | EPOLLOUT, &line);
}

void Prober::on_ready(Line& line, Clock::time_point now) {
  if (line.fd < 0) return;
  if (!line.connected) {
    if (connect_error(line.fd) != 0) {
      settle(line, Probe::Outcome::kError, 0, now);
      close(line);
      return;
    }
    line.connected = true;
    epoll_.modify(line.fd, EPOLLIN, &line);
    if (line.busy) send_probe(line, now);
    return;
  }
  read_answer(line, now);
}

void Prober::read_answer(Line& line, Clock::time_point now) {
  char buffer[16 * 1024];
  std::vector<int> statuses;
  for (;;) {
    const ssize_t n = ::recv(line.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {  // closed or reset: a probe still waiting failed
      statuses.clear();
      line.reader.finish(statuses);
      if (!statuses.empty()) settle(line, Probe::Outcome::kOk, statuses.front(), now);
      settle(line, Probe::Outcome::kError, 0, now);
      close(line);
      return;
    }
    statuses.clear();
    if (!line.reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)), statuses)) {
      settle(line, Probe::Outcome::kError, 0, now);
      close(line);
      return;
    }
    if (!statuses.empty()) {
      settle(line, Probe::Outcome::kOk, statuses.front(), now);
      if (line.fresh) {
        close(line);
        return;
      }
    }
  }
}

void Prober::send_probe(Line& line, Clock::time_point now) {
  const std::string_view request = line.fresh ? kFreshProbe : kKeepAliveProbe;
  const ssize_t n = ::send(line.fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(request.size())) {  // a few bytes on an idle socket: all or none
    settle(line, Probe::Outcome::kError, 0, now);
    close(line);
  }
}

void Prober::close(Line& line) {
  if (line.fd < 0) return;
  epoll_.remove(line.fd);
  ::close(line.fd);
  line.fd = -1;
  line.connected = false;
}

// Files the probe on `line`, if one is waiting there, and frees the line for the next. An answer
// is settled as kOk with its status; here, and only here, one that is not a 200 becomes kNot200.
void Prober::settle(Line& line, Probe::Outcome outcome, int status, Clock::time_point now) {
  if (!line.busy) return;
  line.busy = false;
  if (!line.fresh) keep_alive_idle_since_ = now;
  if (outcome == Probe::Outcome::kOk && status != 200) outcome = Probe::Outcome::kNot200;
  Probe probe;
  probe.fresh = line.fresh;
  probe.outcome = outcome;
  probe.status = status;
  if (outcome == Probe::Outcome::kTimeout) {
    probe.ms = static_cast<double>(timeout_.count());
  } else if (outcome != Probe::Outcome::kError) {
    probe.ms = ms_between(line.start, now);
  }
  if (line.phase < 0) return;
  std::lock_guard lock(mu_);
  filed_[line.phase].push_back(probe);
}

}  // namespace moodgate::bench
