// Prober: asks GET /health on its own thread, `per_s` times a second over one keep-alive
// connection and `per_s` times a second over a fresh connection each, and files every probe
// under the phase that was running when it was due.
//
// A keep-alive probe that falls due while the previous one is still unanswered goes out as soon
// as that answer arrives, and its latency counts from when it was due: a stalled connection
// shows as slow probes, not as fewer probes (no coordinated omission). A probe still unanswered
// after `timeout` is a timeout, filed with the timeout as its latency; one whose connection failed
// is an error, filed without one.
//
// Threads: start(), stop(), set_phase() and probes() may be called from any one thread; the
// probing runs on the prober's own thread, niced up when allowed so that the attacker's
// threads on the same cores do not delay the measuring.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/attack/net.h"
#include "bench/attack/reply_reader.h"

namespace moodgate::bench {

struct Probe {
  enum class Outcome { kOk, kNot200, kTimeout, kError };
  bool fresh = false;  // on a connection of its own (else the keep-alive one)
  Outcome outcome = Outcome::kOk;
  int status = 0;  // when answered
  double ms = 0;   // from sent (or due, if queued) to answered, or the timeout; 0 for errors
};

class Prober {
 public:
  Prober(const sockaddr_in& target, int per_s, std::chrono::milliseconds timeout);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  void start();
  void stop();
  // Probes due from now on are filed under `phase`; -1 files them nowhere.
  void set_phase(int phase);
  // The probes filed under `phase` so far.
  std::vector<Probe> probes(int phase) const;

 private:
  struct Line;  // a connection carrying one probe at a time

  void run();
  void keep_alive_due(Clock::time_point now);
  void fresh_due(Clock::time_point now);
  void expire(Clock::time_point now);
  void on_ready(Line& line, Clock::time_point now);
  void read_answer(Line& line, Clock::time_point now);
  void send_probe(Line& line, Clock::time_point now);
  void open(Line& line, Clock::time_point now);
  void close(Line& line);
  void settle(Line& line, Probe::Outcome outcome, int status, Clock::time_point now);

  const sockaddr_in target_;
  const std::chrono::nanoseconds interval_;
  const std::chrono::milliseconds timeout_;
  Epoll epoll_;
  std::unique_ptr<Line> keep_alive_;
  std::list<std::unique_ptr<Line>> fresh_;
  Clock::time_point keep_alive_next_;  // due time of the next keep-alive probe
  Clock::time_point fresh_next_;
  Clock::time_point keep_alive_idle_since_;  // when its last probe was settled
  std::atomic<int> phase_{-1};
  mutable std::mutex mu_;
  std::map<int, std::vector<Probe>> filed_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace moodgate::bench
