#include "core/app/config_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/common/threads.h"

namespace moodgate::app {
namespace {

using Clock = std::chrono::steady_clock;

// The name Kubernetes swaps (rename of a fresh `..data_tmp` symlink) to update a ConfigMap volume.
constexpr std::string_view kConfigMapDataLink = "..data";
// A burst that never settles still gets its call after this many debounce periods.
constexpr int kMaxBurstInDebouncePeriods = 10;
constexpr std::uint32_t kWatchMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVE_SELF | IN_ONLYDIR;

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  std::string message = "cannot watch " + path + ": " + what + ": " + std::strerror(err);
  if (err == ENOSPC) message += " (the inotify watch limit fs.inotify.max_user_watches is reached)";
  if (err == EMFILE) message += " (the inotify limit fs.inotify.max_user_instances is reached)";
  throw std::runtime_error(message);
}

std::string directory_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::string file_name_of(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw std::runtime_error("cannot watch " + path + ": the path names no file");
  }
  return name;
}

int open_inotify(const std::string& path) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) fail(path, "inotify is unavailable", errno);
  return fd;
}

int open_eventfd(const std::string& path) {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) fail(path, "cannot create an eventfd", errno);
  return fd;
}

}  // namespace

ConfigWatcher::ConfigWatcher(std::string path, std::function<void()> on_change,
                             std::chrono::milliseconds debounce)
    : path_(std::move(path)),
      directory_(directory_of(path_)),
      file_name_(file_name_of(path_)),
      on_change_(std::move(on_change)),
      debounce_(std::max(debounce, std::chrono::milliseconds(0))),
      inotify_fd_(open_inotify(path_)),
      wake_fd_(open_eventfd(path_)) {
  if (!on_change_) throw std::runtime_error("cannot watch " + path_ + ": no change handler");
  watch_ = ::inotify_add_watch(inotify_fd_.get(), directory_.c_str(), kWatchMask);
  if (watch_ < 0) fail(path_, "cannot watch its directory " + directory_, errno);
  thread_ = std::thread(&ConfigWatcher::run, this);
}

ConfigWatcher::~ConfigWatcher() {
  stop();
}

void ConfigWatcher::stop() {
  std::lock_guard lock(stop_mu_);
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  ssize_t written = 0;
  do {
    written = ::write(wake_fd_.get(), &one, sizeof one);
  } while (written < 0 && errno == EINTR);
  thread_.join();
}

void ConfigWatcher::run() {
  name_this_thread(ThreadRole::kConfig, "mg-config");
  std::optional<Clock::time_point> burst_start;
  std::optional<Clock::time_point> last_event;
  for (;;) {
    int timeout_ms = -1;
    if (last_event) {
      const Clock::time_point due =
          std::min(*last_event + debounce_, *burst_start + kMaxBurstInDebouncePeriods * debounce_);
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now()).count();
      if (left <= 0) {
        burst_start.reset();
        last_event.reset();
        notify();
        continue;
      }
      timeout_ms = static_cast<int>(std::min<decltype(left)>(left, INT_MAX));
    }
    pollfd fds[2] = {{inotify_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("config watcher: poll failed, {} is no longer watched: {}", path_,
                    std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;  // stop()
    if ((fds[0].revents & (POLLERR | POLLNVAL)) != 0) {
      spdlog::error("config watcher: the inotify descriptor failed; {} is no longer watched",
                    path_);
      return;
    }
    if ((fds[0].revents & POLLIN) != 0 && drain_events()) {
      last_event = Clock::now();
      if (!burst_start) burst_start = last_event;
    }
  }
}

bool ConfigWatcher::drain_events() {
  alignas(inotify_event) char buffer[4096];
  bool relevant = false;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::error("config watcher: reading inotify events failed: {}", std::strerror(errno));
      }
      return relevant;
    }
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event event;
      std::memcpy(&event, buffer + at, sizeof event);
      const char* name = buffer + at + sizeof event;
      at += static_cast<ssize_t>(sizeof event + event.len);
      // Events were lost; one of them may have been ours.
      if ((event.mask & IN_Q_OVERFLOW) != 0) relevant = true;
      if ((event.mask & IN_MOVE_SELF) != 0) {
        // The watch would follow the directory to its new name; the path no longer leads there.
        ::inotify_rm_watch(inotify_fd_.get(), watch_);
      }
      if ((event.mask & IN_IGNORED) != 0) {
        spdlog::warn(
            "config watcher: {} was removed, moved or unmounted; saving {} no longer reloads "
            "(SIGHUP still does)",
            directory_, path_);
      }
      if (event.len == 0) continue;
      const std::string_view event_name(name, ::strnlen(name, event.len));
      if (event_name == file_name_ || event_name == kConfigMapDataLink) relevant = true;
    }
  }
}

void ConfigWatcher::notify() {
  try {
    on_change_();
  } catch (const std::exception& e) {
    spdlog::error("config watcher: handling a change to {} failed: {}", path_, e.what());
  } catch (...) {
    spdlog::error("config watcher: handling a change to {} failed with an unknown exception",
                  path_);
  }
}

}  // namespace moodgate::app
