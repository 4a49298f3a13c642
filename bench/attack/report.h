// The tables of bench/attacks.sh: for each phase, GET /health as the prober saw it, what the
// attacker achieved, and what it cost the gateway and the tool; then whether the gateway came
// back to its baseline. Plain functions over the results, printing to stdout.
#pragma once

#include <string>
#include <vector>

#include "bench/attack/gateway_watch.h"
#include "bench/attack/prober.h"
#include "bench/attack/swarm.h"

namespace moodgate::bench {

struct PhaseResult {
  std::string name;
  double seconds = 0;
  std::vector<Probe> probes;
  Tally attack;          // every swarm of the phase, merged
  GatewaySample before;  // as the phase began
  GatewaySample after;   // as the attack stopped
  long max_fds = 0;      // sampled during the phase
  double max_rss_mib = 0;
  double tool_cpu_s = 0;  // this process, prober included
  bool died = false;      // the gateway was gone at some point of the phase
};

// GET /health per phase: probes, p50/p99/max, failures, and the verdict against `target_ms`.
void print_health_table(const std::vector<PhaseResult>& phases, double target_ms);
// Connections, requests, bytes and answers per phase, as the attacker counted them.
void print_attack_table(const std::vector<PhaseResult>& phases);
// CPU of the gateway (busiest threads), the time its threads waited for a CPU, the CPU of this
// tool, the gateway's descriptors and memory.
void print_cost_table(const std::vector<PhaseResult>& phases);

}  // namespace moodgate::bench
