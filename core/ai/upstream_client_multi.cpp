#include "core/ai/upstream_client_multi.h"

#include <errno.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace moodgate::ai::upstream {
namespace {

void init_curl_once() {
  static std::once_flag once;
  // libcurl stays initialised until the process exits: curl_global_cleanup() is never safe
  // while another client might still exist.
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("upstream client: curl_global_init failed");
    }
  });
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("upstream client: ") + what + ": " + std::strerror(errno));
}

}  // namespace

MultiLoop::MultiLoop(const UpstreamClientOptions& options)
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  init_curl_once();
  if (epoll_fd_.get() < 0) fail("epoll_create1");
  if (wake_fd_.get() < 0) fail("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_.get();
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) != 0) fail("epoll_ctl");
  multi_.reset(curl_multi_init());
  share_.reset(curl_share_init());
  if (!multi_ || !share_) throw std::runtime_error("upstream client: libcurl init failed");
  CURLM* m = multi_.get();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &MultiLoop::on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, static_cast<void*>(this));
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &MultiLoop::on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, static_cast<void*>(this));
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_connections_per_host);
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_total_connections);
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, options.max_cached_connections);
  curl_multi_setopt(m, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  // Only the loop's thread uses the share, so it needs no lock callbacks.
  curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

MultiLoop::~MultiLoop() {
  multi_.reset();  // before the share, which the pooled connections may still reference
  share_.reset();
}

void MultiLoop::poll(std::optional<Clock::time_point> until) {
  std::optional<Clock::time_point> next = curl_deadline_;
  if (until && (!next || *until < *next)) next = until;
  int timeout_ms = -1;
  if (next) {
    const auto now = Clock::now();
    // Rounded up: waking a little early would only spin.
    const auto ms =
        *next <= now ? 0 : std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    timeout_ms = static_cast<int>(std::min<long long>(ms, INT_MAX));
  }
  std::array<epoll_event, 256> events;
  const int n =
      ::epoll_wait(epoll_fd_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0 && errno != EINTR)
    spdlog::error("upstream client: epoll_wait: {}", std::strerror(errno));
  int running = 0;
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    const auto ev = events[i].events;
    if (fd == wake_fd_.get()) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto got = ::read(fd, &count, sizeof count);
      continue;
    }
    int action = 0;
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) action |= CURL_CSELECT_IN;
    if (ev & EPOLLOUT) action |= CURL_CSELECT_OUT;
    if (ev & EPOLLERR) action |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi_.get(), fd, action, &running);
  }
  act_if_due();
}

void MultiLoop::act_if_due() {
  if (!curl_deadline_ || Clock::now() < *curl_deadline_) return;
  curl_deadline_.reset();
  int running = 0;
  curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
}

void MultiLoop::wake() {
  const std::uint64_t one = 1;
  // A full counter (never, in practice) still leaves the eventfd readable: nothing is lost.
  [[maybe_unused]] const auto written = ::write(wake_fd_.get(), &one, sizeof one);
}

int MultiLoop::on_socket(CURL*, curl_socket_t fd, int what, void* self, void* socketp) {
  auto& loop = *static_cast<MultiLoop*>(self);
  const int epoll_fd = loop.epoll_fd_.get();
  if (what == CURL_POLL_REMOVE) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);  // fails harmlessly if already closed
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = fd;
  if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
  // socketp marks a socket already registered; the fallback covers a number reused after a
  // close that epoll saw before libcurl said so.
  const bool known = socketp != nullptr;
  if (::epoll_ctl(epoll_fd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::epoll_ctl(epoll_fd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  }
  if (!known) curl_multi_assign(loop.multi_.get(), fd, self);
  return 0;
}

int MultiLoop::on_timer(CURLM*, long timeout_ms, void* self) {
  auto& loop = *static_cast<MultiLoop*>(self);
  // libcurl forbids acting from inside this callback: poll() and act_if_due() do it.
  if (timeout_ms < 0) {
    loop.curl_deadline_.reset();
  } else {
    loop.curl_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace moodgate::ai::upstream
