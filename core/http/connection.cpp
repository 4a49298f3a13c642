#include "core/http/connection.h"

#include <http_parser.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/common/threads.h"
#include "core/http/request_id.h"
#include "core/http/response_bytes.h"
#include "core/http/url_codec.h"

namespace moodgate::http {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// What a closing connection may still send, read and dropped, before it is reset.
constexpr std::size_t kLingerDropLimit = 64 * 1024;

// Splits "a=1&b=x%20y" into decoded pairs; the first of repeated names wins.
void parse_query(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = percent_decode(std::string(pair.substr(0, eq)), true);
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : percent_decode(std::string(pair.substr(eq + 1)), true);
    out.emplace(std::move(name), std::move(value));
  }
}

// The path and query of a request target: origin-form ("/a?b") as is; absolute-form
// ("http://host/a?b") reduced to its path and query; anything else ("*", "host:443") is the path.
std::pair<std::string, std::string> split_target(const std::string& target) {
  std::string_view rest = target;
  if (!target.empty() && target.front() != '/' && target != "*") {
    http_parser_url url;
    http_parser_url_init(&url);
    if (http_parser_parse_url(target.data(), target.size(), 0, &url) == 0 &&
        (url.field_set & (1 << UF_SCHEMA)) != 0) {
      const auto& path = url.field_data[UF_PATH];
      const auto& query = url.field_data[UF_QUERY];
      std::string p =
          (url.field_set & (1 << UF_PATH)) != 0 ? target.substr(path.off, path.len) : "/";
      std::string q =
          (url.field_set & (1 << UF_QUERY)) != 0 ? target.substr(query.off, query.len) : "";
      return {std::move(p), std::move(q)};
    }
  }
  const auto hash = rest.find('#');
  rest = rest.substr(0, hash);
  const auto question = rest.find('?');
  if (question == std::string_view::npos) return {std::string(rest), ""};
  return {std::string(rest.substr(0, question)), std::string(rest.substr(question + 1))};
}

}  // namespace

Connection::Connection(int fd, std::string peer_ip,
                       std::shared_ptr<const ConnectionContext> context)
    : fd_(fd),
      peer_ip_(std::move(peer_ip)),
      context_(std::move(context)),
      framer_(context_->settings.limits) {}

Connection::~Connection() {
  if (context_->idle) context_->idle->remove(idle_slot_);
}

void Connection::open() {
  std::lock_guard lock(mu_);
  arm_locked(Timer::kReceive, context_->settings.receive_timeout);
  set_idle_locked(true);
}

void Connection::set_idle_locked(bool idle) {
  if (!context_->idle) return;
  if (idle) {
    context_->idle->add(shared_from_this(), idle_slot_);
  } else {
    context_->idle->remove(idle_slot_);
  }
}

bool Connection::evict() {
  std::lock_guard lock(mu_);
  if (phase_ != Phase::kReading || framer_.in_request() || outbox_sent_ < outbox_.size()) {
    return false;
  }
  disarm_locked();
  phase_ = Phase::kClosing;
  shutdown_locked(SHUT_RDWR);
  return true;
}

void Connection::refuse(const Error& error) {
  {
    std::lock_guard lock(mu_);
    phase_ = Phase::kClosing;
    close_after_answer_ = true;
    abort_on_close_ = true;
  }
  reject(error);
}

void Connection::on_input(const char* data, std::size_t len) {
  Next next;
  {
    std::lock_guard lock(mu_);
    switch (phase_) {
      case Phase::kClosed:
        return;
      case Phase::kClosing:
        // The answer that closes is out or on its way; the rest is dropped, up to a limit.
        dropped_bytes_ += len;
        if (lingering_ && dropped_bytes_ > kLingerDropLimit) shutdown_locked(SHUT_RDWR);
        return;
      case Phase::kAnswering: {
        const auto& limits = context_->settings.limits;
        if (pending_.size() + len > limits.max_header_bytes + limits.max_body_bytes) {
          close_after_answer_ = true;  // more than one request's worth: close after this answer
        } else {
          pending_.append(data, len);
        }
        return;
      }
      case Phase::kReading:
        read_locked(std::string_view(data, len), next);
        break;
    }
  }
  run(std::move(next));
}

void Connection::read_locked(std::string_view bytes, Next& next) {
  if (!framer_.in_request()) {
    set_idle_locked(false);
    if (timer_ != Timer::kReceive) arm_locked(Timer::kReceive, context_->settings.receive_timeout);
  }
  const std::size_t used = framer_.feed(bytes);
  switch (framer_.state()) {
    case RequestFramer::State::kNeedMore:
      if (framer_.awaiting_body() && framer_.current().expects_continue &&
          framer_.current().version_minor == 1 && !continue_sent_) {
        continue_sent_ = true;
        outbox_.append(kContinue);
        if (!flush_locked()) watch_writable_locked();
      }
      return;
    case RequestFramer::State::kFailed:
      disarm_locked();
      phase_ = Phase::kClosing;
      close_after_answer_ = true;
      next.refusal = framer_.failure();
      return;
    case RequestFramer::State::kRequest: {
      disarm_locked();
      ParsedRequest parsed = framer_.take_request();
      pending_.assign(bytes.substr(used));
      phase_ = Phase::kAnswering;
      version_minor_ = parsed.version_minor;
      close_after_answer_ = !parsed.keep_alive;
      next.request = to_request(std::move(parsed));
      return;
    }
  }
}

HttpRequest Connection::to_request(ParsedRequest parsed) const {
  HttpRequest out;
  out.received_at = std::chrono::steady_clock::now();
  out.method_token = std::move(parsed.method);
  out.method = parse_method(out.method_token);
  auto [path, query] = split_target(parsed.target);
  out.path = std::move(path);
  parse_query(query, out.query);
  for (auto& [name, value] : parsed.headers) {
    auto it = out.headers.find(name);
    if (it == out.headers.end()) {
      out.headers.emplace(std::move(name), std::move(value));
    } else {
      it->second += ", " + value;  // RFC 9110 5.3: repeated fields form one list
    }
  }
  out.body = std::move(parsed.body);
  out.peer_ip = peer_ip_;
  out.client_ip = context_->proxies.client_address(peer_ip_, out.header("X-Forwarded-For"));
  out.request_id = choose_request_id(out.header("X-Request-ID"));
  return out;
}

HttpRequest Connection::bare_request() const {
  HttpRequest request;
  request.received_at = std::chrono::steady_clock::now();
  request.method = Method::kOther;
  request.method_token = "-";
  request.request_id = choose_request_id(std::nullopt);
  request.peer_ip = peer_ip_;
  request.client_ip = peer_ip_;  // headers were not read: believe no proxy
  return request;
}

void Connection::run(Next next) {
  if (next.written) {
    auto written = std::move(next.written);
    written();
  }
  if (!next.request && !next.refusal) return;
  if (!is_event_loop(this_thread_role())) {
    // Answered from a pool thread with a pipelined request waiting: dispatching is event-loop
    // work, so the writer's loop takes it.
    auto self = shared_from_this();
    auto shared = std::make_shared<Next>(std::move(next));
    context_->writer->post([self, shared] { self->run(std::move(*shared)); });
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (dispatching_) {
      // An answer given while its request's dispatch() is still on the stack (synchronously,
      // or from another thread): the thread in dispatch() takes the next step when it returns.
      deferred_ = std::move(next);
      return;
    }
    dispatching_ = true;
  }
  for (;;) {
    if (next.request) {
      dispatch(std::move(*next.request));
    } else if (next.refusal) {
      reject(*next.refusal);
    }
    std::lock_guard lock(mu_);
    if (!deferred_) {
      dispatching_ = false;
      return;
    }
    next = std::move(*deferred_);
    deferred_.reset();
  }
}

void Connection::dispatch(HttpRequest request) {
  auto self = shared_from_this();
  context_->dispatcher->dispatch(
      std::move(request), [self](HttpResponse&& response, const std::function<void()>& written) {
        self->send_answer(std::move(response), written);
      });
}

void Connection::reject(const Error& error) {
  auto self = shared_from_this();
  context_->dispatcher->reject(
      bare_request(), error, [self](HttpResponse&& response, const std::function<void()>& written) {
        self->send_answer(std::move(response), written);
      });
}

void Connection::send_answer(HttpResponse&& response, const std::function<void()>& written) {
  Next next;
  {
    std::lock_guard lock(mu_);
    if (phase_ == Phase::kClosed || answer_in_outbox_) {
      next.written = written;  // the client is gone (or, never, a second answer): nothing to send
    } else {
      bool close = close_after_answer_ || phase_ == Phase::kClosing;
      outbox_ += serialize_response(response, version_minor_, close);
      close_after_answer_ = close;
      answer_in_outbox_ = true;
      answer_written_ = written;
      if (flush_locked()) {
        answered_locked(next);
      } else {
        watch_writable_locked();
        arm_locked(Timer::kSend, context_->settings.send_timeout);
      }
    }
  }
  run(std::move(next));
}

bool Connection::flush_locked() {
  while (outbox_sent_ < outbox_.size() && phase_ != Phase::kClosed) {
    const ssize_t n =
        ::send(fd_, outbox_.data() + outbox_sent_, outbox_.size() - outbox_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      outbox_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    write_failed_ = true;  // EPIPE, ECONNRESET: the client is gone
    break;
  }
  outbox_.clear();
  outbox_sent_ = 0;
  return true;
}

void Connection::watch_writable_locked() {
  std::weak_ptr<Connection> weak = shared_from_this();
  context_->writer->watch(fd_, [weak] {
    if (auto self = weak.lock()) self->on_writable();
  });
}

void Connection::on_writable() {
  Next next;
  {
    std::lock_guard lock(mu_);
    if (phase_ == Phase::kClosed) return;
    if (flush_locked()) {
      if (timer_ == Timer::kSend) disarm_locked();
      if (answer_in_outbox_) answered_locked(next);
    } else {
      watch_writable_locked();
      if (answer_in_outbox_) arm_locked(Timer::kSend, context_->settings.send_timeout);
    }
  }
  run(std::move(next));
}

void Connection::answered_locked(Next& next) {
  answer_in_outbox_ = false;
  next.written = std::move(answer_written_);
  answer_written_ = nullptr;
  if (phase_ == Phase::kClosed) return;
  if (write_failed_) {
    phase_ = Phase::kClosing;
    shutdown_locked(SHUT_RDWR);
    return;
  }
  if (close_after_answer_ || phase_ == Phase::kClosing) {
    phase_ = Phase::kClosing;
    pending_.clear();
    if (abort_on_close_) {
      shutdown_locked(SHUT_RDWR);
    } else {
      shutdown_locked(SHUT_WR);  // FIN after the answer; keep reading until the client closes
      lingering_ = true;
      arm_locked(Timer::kLinger, context_->settings.linger_timeout);
    }
    return;
  }
  phase_ = Phase::kReading;
  continue_sent_ = false;
  if (!pending_.empty()) {
    const std::string bytes = std::move(pending_);
    pending_.clear();
    read_locked(bytes, next);
  }
  if (phase_ == Phase::kReading && !framer_.in_request()) {
    arm_locked(Timer::kKeepAlive, context_->settings.keepalive_timeout);
    set_idle_locked(true);
  }
}

void Connection::arm_locked(Timer kind, std::chrono::milliseconds after) {
  disarm_locked();
  timer_ = kind;
  const std::uint64_t generation = ++timer_generation_;
  std::weak_ptr<Connection> weak = shared_from_this();
  timer_id_ = context_->watchdog->schedule(DeadlineWatchdog::Clock::now() + after,
                                           [weak, kind, generation] {
                                             if (auto self = weak.lock()) {
                                               self->on_timer(kind, generation);
                                             }
                                           });
}

void Connection::disarm_locked() {
  if (timer_id_ != 0) context_->watchdog->cancel(timer_id_);
  timer_id_ = 0;
  timer_ = Timer::kNone;
  ++timer_generation_;
}

void Connection::on_timer(Timer kind, std::uint64_t generation) {
  Next next;
  {
    std::lock_guard lock(mu_);
    if (phase_ == Phase::kClosed || generation != timer_generation_ || kind != timer_) return;
    timer_id_ = 0;
    timer_ = Timer::kNone;
    switch (kind) {
      case Timer::kReceive:
        if (phase_ != Phase::kReading) return;
        set_idle_locked(false);
        phase_ = Phase::kClosing;
        close_after_answer_ = true;
        next.refusal = Error(ErrorCode::kRequestTimeout, "The request was not received in time");
        break;
      case Timer::kKeepAlive:
        if (phase_ == Phase::kReading && !framer_.in_request()) {
          set_idle_locked(false);
          phase_ = Phase::kClosing;
          shutdown_locked(SHUT_RDWR);
        }
        break;
      case Timer::kSend:
        // The client has not read its answer for send_timeout: give up on it.
        context_->writer->forget(fd_);
        outbox_.clear();
        outbox_sent_ = 0;
        write_failed_ = true;
        if (answer_in_outbox_) {
          answered_locked(next);
        } else {
          phase_ = Phase::kClosing;
          shutdown_locked(SHUT_RDWR);
        }
        break;
      case Timer::kLinger:
        shutdown_locked(SHUT_RDWR);
        break;
      case Timer::kNone:
        break;
    }
  }
  run(std::move(next));
}

void Connection::shutdown_locked(int how) {
  // Only while Pistache has not closed the descriptor: after on_closed() its number may
  // already belong to another connection.
  if (phase_ != Phase::kClosed) ::shutdown(fd_, how);
}

void Connection::on_closed() {
  Next next;
  {
    std::lock_guard lock(mu_);
    phase_ = Phase::kClosed;
    disarm_locked();
    set_idle_locked(false);
    context_->writer->forget(fd_);
    if (answer_in_outbox_) {
      answer_in_outbox_ = false;
      next.written = std::move(answer_written_);
      answer_written_ = nullptr;
    }
    outbox_.clear();
    pending_.clear();
    deferred_.reset();
  }
  run(std::move(next));
}

}  // namespace moodgate::http
