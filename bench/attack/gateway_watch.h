// What /proc says about the gateway process under attack: whether it is alive, the CPU time it
// used (in all and per thread name), its resident memory and its open descriptors. Reads only;
// any thread.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace moodgate::bench {

struct GatewaySample {
  bool alive = false;  // running (a zombie or a missing process is not)
  double cpu_s = 0;    // user + system, every thread
  double rss_mib = 0;
  long fds = 0;
  std::map<std::string, double> thread_cpu_s;  // by thread name, threads sharing a name summed
  // Time its threads were ready to run but waited for a CPU (schedstat): what the rest of the
  // machine, attacker included, took from it. With per_thread only.
  double runnable_wait_s = 0;
};

// Samples `pid`; per-thread CPU only when `per_thread` (it reads a file per thread).
GatewaySample sample_gateway(pid_t pid, bool per_thread);

// The threads that used the most CPU between two samples, busiest first: "mg-http 3.1 s, ...".
std::string busiest_threads(const GatewaySample& before, const GatewaySample& after, int top);

}  // namespace moodgate::bench
