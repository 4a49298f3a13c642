// Swarm: one thread holding many client connections to the gateway on one epoll, each
// following a Tactic: what to send and how fast, how many answers to wait for, then whether to
// go on over the same connection or open a new one. A connection that ends, for any reason, is
// opened again (at most Tactic::opens_per_s a second), so the pressure stays on. What was sent
// and what came back is counted in a Tally.
//
// Threads: start() and stop() are called by one controlling thread; everything else runs on
// the swarm's own thread, which owns every connection.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/attack/net.h"
#include "bench/attack/reply_reader.h"

namespace moodgate::bench {

// What one connection does next.
struct Plan {
  enum class Then {
    kNext,        // start the next plan on the same connection
    kReconnect,   // close it and open a new one
    kAwaitClose,  // the server should close it now: count any further answer as stray
  };
  std::shared_ptr<const std::string> bytes;  // to send; null: send nothing, hold the connection
  int requests = 1;                          // requests in `bytes` (a pipelined burst has many)
  int answers = 1;                           // answers to wait for before `then`
  Then then = Then::kNext;
  bool send_all = false;  // send every byte even when the answers came first (a client that
                          // does not read before it has written)
};

struct Tactic {
  int connections = 1;                   // held open at once
  double opens_per_s = 1000;             // connects started per second at most
  double bytes_per_s = 0;                // sent per second at most, by the whole swarm; 0: no cap
  std::chrono::milliseconds trickle{0};  // > 0: send one byte per interval (slowloris)
  std::chrono::milliseconds pause{0};    // between two plans on one connection
  std::chrono::milliseconds after_refusal{0};  // before reopening a connection answered 503
  std::function<Plan(std::uint64_t n)> plan;   // the swarm's n-th plan, over all its connections
};

// What an attacker did and got back.
struct Tally {
  long connects = 0;            // connections established
  long connect_errors = 0;      // connects that failed (refused, no ports, no descriptors)
  long requests = 0;            // requests begun
  double bytes_sent = 0;        // bytes the kernel took
  std::map<int, long> answers;  // answers received, by status
  long closed_by_server = 0;    // connections the server ended with a FIN
  long resets = 0;              // ... or with a reset
  long unanswered = 0;          // connections that ended while answers were still due
  long stray_answers = 0;       // answers after one that should have closed the connection
  long left_open = 0;           // connections the server should have closed but did not
  double cpu_s = 0;             // CPU time of the swarm's thread

  void merge(const Tally& other);
};

class Swarm {
 public:
  Swarm(const sockaddr_in& target, Tactic tactic);
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  void start();
  // Closes every connection, stops the thread and returns the tally. Idempotent.
  Tally stop();

 private:
  struct Conn;

  void run();
  void refill(Clock::time_point now);
  void open_due(Clock::time_point now);
  void resume_throttled(Clock::time_point now);
  void tick(Clock::time_point now);
  void on_ready(Conn& c, std::uint32_t events, Clock::time_point now);
  void on_connected(Conn& c, Clock::time_point now);
  void begin_plan(Conn& c, Clock::time_point now);
  void write_some(Conn& c, Clock::time_point now);
  void trickle_one(Conn& c, Clock::time_point now);
  void on_write_failed(Conn& c, Clock::time_point now);
  void read_some(Conn& c, Clock::time_point now);
  void on_answers(Conn& c, Clock::time_point now);
  void on_answers_done(Conn& c, Clock::time_point now);
  void end(Conn& c);
  void watch(Conn& c, bool writable);

  const sockaddr_in target_;
  const Tactic tactic_;
  Epoll epoll_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Conn*> to_open_;
  std::deque<std::pair<Clock::time_point, Conn*>> cooling_;  // refused; reopened after the time
  int connecting_ = 0;
  double open_tokens_ = 0;  // connects that may start now
  double send_tokens_ = 0;  // bytes that may be sent now (with bytes_per_s)
  Clock::time_point refilled_at_;
  std::deque<Conn*> throttled_;  // waiting for send tokens
  std::uint64_t plans_begun_ = 0;
  bool clocked_ = false;  // tick() has work: trickles, pauses or close deadlines
  std::vector<char> buffer_;
  std::vector<int> statuses_;  // answers completed by the bytes just read
  Tally tally_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace moodgate::bench
