#include "core/http/writable_watcher.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/common/threads.h"

namespace moodgate::http {

WritableWatcher::WritableWatcher() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    const std::string why = std::strerror(errno);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw std::runtime_error("cannot set up the answer writer: " + why);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
}

WritableWatcher::~WritableWatcher() {
  stop();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void WritableWatcher::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  std::lock_guard lock(mu_);
  watched_.clear();
  posted_.clear();
}

void WritableWatcher::post(Callback fn) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    posted_.push_back(std::move(fn));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void WritableWatcher::watch(int fd, Callback on_writable) {
  std::lock_guard lock(mu_);
  const bool known = watched_.count(fd) > 0;
  watched_[fd] = std::move(on_writable);
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLONESHOT;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
    // EEXIST/ENOENT when our bookkeeping and the kernel's disagree (a closed and reused fd).
    if (::epoll_ctl(epoll_fd_, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0) {
      spdlog::warn("answer writer: cannot watch socket {}: {}", fd, std::strerror(errno));
    }
  }
}

void WritableWatcher::forget(int fd) {
  std::lock_guard lock(mu_);
  if (watched_.erase(fd) > 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void WritableWatcher::run() {
  name_this_thread(ThreadRole::kHttpSend, "mg-http-send");
  std::array<epoll_event, 64> events{};
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("answer writer: epoll_wait: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == wake_fd_) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
        std::vector<Callback> posted;
        {
          std::lock_guard lock(mu_);
          if (stopping_) return;
          posted.swap(posted_);
        }
        for (auto& fn : posted) fn();
        continue;
      }
      Callback callback;
      {
        std::lock_guard lock(mu_);
        auto it = watched_.find(fd);
        if (it == watched_.end()) continue;
        callback = std::move(it->second);
        watched_.erase(it);
        // One-shot: the kernel disarmed it; drop it so a later watch() adds it afresh.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      }
      callback();
    }
  }
}

}  // namespace moodgate::http
