// WritableWatcher: one thread ("mg-http-send") that waits, with its own epoll, for sockets
// whose answer did not fit in the kernel's send buffer, and tells their owner when each can
// take more bytes. Most answers are written whole by the thread that produced them (see
// connection.h); only big answers to slow readers ever come here.
//
// A socket is watched once per watch() (one-shot): the owner writes what it can when called
// back, then watches again or forgets. The callback runs on the watcher thread, outside the
// watcher's lock, so it may call watch() and forget(). Owners must forget() a socket before
// its descriptor is closed. Thread-safe; stop() (or the destructor) joins the thread, after
// which nothing more is called back.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/thread_annotations.h"

namespace moodgate::http {

class WritableWatcher {
 public:
  using Callback = std::function<void()>;

  WritableWatcher();  // throws std::runtime_error when epoll cannot be set up
  ~WritableWatcher();
  WritableWatcher(const WritableWatcher&) = delete;
  WritableWatcher& operator=(const WritableWatcher&) = delete;

  // Calls `on_writable` once, when `fd` can take more bytes (or has failed: the write then
  // says so). Replaces an earlier watch of the same fd.
  void watch(int fd, Callback on_writable);
  // Stops watching `fd`; its callback will not be called unless it is already running.
  void forget(int fd);
  // Runs `fn` on this thread soon (a pipelined request answered from a pool thread is framed
  // and dispatched here: dispatching is event-loop work). Dropped after stop().
  void post(Callback fn);
  void stop();

 private:
  void run();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd that stop() and post() signal
  std::mutex mu_;
  std::unordered_map<int, Callback> watched_ MG_GUARDED_BY(mu_);
  std::vector<Callback> posted_ MG_GUARDED_BY(mu_);
  bool stopping_ MG_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace moodgate::http
