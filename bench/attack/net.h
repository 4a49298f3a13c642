// Sockets for the attack benchmark (bench/attack_main.cpp): non-blocking TCP connections to
// 127.0.0.1, a small epoll wrapper, the clock, and the open-files limit. Plain functions over
// file descriptors; nothing here starts a thread.
#pragma once

#include <netinet/in.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>

namespace moodgate::bench {

using Clock = std::chrono::steady_clock;

// Milliseconds from `from` to `to`.
double ms_between(Clock::time_point from, Clock::time_point to);

// CPU seconds this thread has used.
double thread_cpu_seconds();

// CPU seconds this process has used, every thread included.
double process_cpu_seconds();

// 127.0.0.1:port.
sockaddr_in loopback(std::uint16_t port);

// Starts a non-blocking connect to `to`; returns the descriptor, or -errno when no connect
// could even start (EMFILE, EADDRNOTAVAIL, ...). The outcome of a started connect is read with
// connect_error() once the descriptor is writable.
int start_connect(const sockaddr_in& to);

// 0 when the connect started on `fd` succeeded, else its errno.
int connect_error(int fd);

// Raises this process's soft open-files limit to its hard limit; returns the new soft limit.
long raise_open_files_limit();

// One epoll instance. The tag given to add() comes back in epoll_event::data.ptr.
class Epoll {
 public:
  Epoll();
  ~Epoll();
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  void add(int fd, std::uint32_t events, void* tag);
  void modify(int fd, std::uint32_t events, void* tag);
  void remove(int fd);
  // Waits up to `timeout_ms` for events; returns how many were written to `out`.
  int wait(epoll_event* out, int max, int timeout_ms);

 private:
  int fd_;
};

}  // namespace moodgate::bench
