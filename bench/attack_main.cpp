// attack: replays, against a running gateway on 127.0.0.1, the attacks its front door was
// rebuilt for, one phase after the other, while a prober measures GET /health throughout
// (bench/attacks.sh starts the gateway and runs this; see there).
//
//   attack --port N --pid P [--seconds S] [--baseline-seconds S] [--probes-per-s N]
//          [--phases name,name,...] [--flood-connections N] [--flood-mib-per-s X]
//          [--flood-header-mib X] [--flood-send-all 0|1] [--idle-connections N]
//          [--slowloris-connections N]
//
// Phases, in this order unless --phases names others (baseline always runs first):
//   header-flood  100 connections on 2 threads sending, in turn, a 1 MiB header, a 1 MiB target
//                 and 10,000 small headers, reconnecting after each answer; 64 MiB/s in all
//                 (128 times the rate that used to time /health out; 0 = as fast as the kernel
//                 takes them, which on one 2-core machine mostly measures CPU contention);
//   idle-10k      10,000 silent connections, opened again as the server answers them;
//   deep-nesting  JSON bodies of 110,000 `[` and 150,000 `{"a":`, over 4 keep-alive connections;
//   slowloris     3,000 connections each sending a byte of a never-ending head per second;
//   pipelining    8 connections sending bursts of 16 pipelined requests, and requests framed to
//                 smuggle another (two Content-Lengths, `Transfer-Encoding : chunked`, ...).
//
// It measures, per phase: GET /health latency (p50, p99, max) and failures, as seen by a prober
// thread asking 50 times a second over one keep-alive connection and 50 times a second over
// fresh ones; what the attacker achieved (connections, requests, bytes, answers by status,
// connections the server closed or reset); the gateway's CPU time, its busiest threads and the
// time its threads waited for a CPU, its descriptors and memory, from /proc/P; and this tool's
// own CPU time. At the end, whether the gateway is alive and its descriptors and memory came
// back to what they were after the baseline.
// Exits 0 while the gateway is alive at the end, 1 when it is not, 2 on a usage error.
#include <sys/types.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/attack/gateway_watch.h"
#include "bench/attack/net.h"
#include "bench/attack/prober.h"
#include "bench/attack/report.h"
#include "bench/attack/swarm.h"
#include "bench/attack/tactics.h"

namespace {

using namespace moodgate::bench;
using namespace std::chrono_literals;

constexpr double kTargetP99Ms = 50;
constexpr double kMiB = 1024 * 1024;
constexpr auto kProbeTimeout = 2000ms;
// Between phases, unmeasured: the server's 2 s linger ends what the last phase left behind.
constexpr auto kSettle = 2500ms;
// How long, after the last phase, the gateway may take to come back to its baseline.
constexpr auto kRecoveryLimit = 20s;

struct Options {
  int port = 0;
  pid_t pid = 0;
  double seconds = 10;
  double baseline_seconds = 5;
  int probes_per_s = 50;
  std::vector<std::string> phases;                          // empty: all, in order
  FloodSettings flood{100, 1024 * 1024, 64 * kMiB, false};  // over all flood threads
  int flood_threads = 2;
  int idle_connections = 10000;
  int deep_connections = 4;
  int slowloris_connections = 3000;
  int pipelining_connections = 8;
};

struct PhaseSpec {
  std::string name;
  double seconds;
  std::vector<Tactic> swarms;  // one thread each
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "attack: %s\nusage: attack --port N --pid P [--seconds S] [--baseline-seconds S] "
               "[--probes-per-s N] [--phases name,...] [--flood-connections N] "
               "[--flood-mib-per-s X] [--flood-header-mib X] [--flood-send-all 0|1] "
               "[--idle-connections N] [--slowloris-connections N]\n",
               why.c_str());
  std::exit(2);
}

double number(const std::string& option, const std::string& value) {
  char* end = nullptr;
  const double n = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || n < 0) usage(option + " takes a number >= 0");
  return n;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--port") {
      o.port = static_cast<int>(number(arg, value));
    } else if (arg == "--pid") {
      o.pid = static_cast<pid_t>(number(arg, value));
    } else if (arg == "--seconds") {
      o.seconds = number(arg, value);
    } else if (arg == "--baseline-seconds") {
      o.baseline_seconds = number(arg, value);
    } else if (arg == "--probes-per-s") {
      o.probes_per_s = static_cast<int>(number(arg, value));
    } else if (arg == "--flood-connections") {
      o.flood.connections = static_cast<int>(number(arg, value));
    } else if (arg == "--flood-header-mib") {
      o.flood.big_bytes = static_cast<std::size_t>(number(arg, value) * kMiB);
    } else if (arg == "--flood-mib-per-s") {
      o.flood.bytes_per_s = number(arg, value) * kMiB;
    } else if (arg == "--flood-send-all") {
      o.flood.send_all = number(arg, value) != 0;
    } else if (arg == "--idle-connections") {
      o.idle_connections = static_cast<int>(number(arg, value));
    } else if (arg == "--slowloris-connections") {
      o.slowloris_connections = static_cast<int>(number(arg, value));
    } else if (arg == "--phases") {
      std::istringstream names(value);
      for (std::string name; std::getline(names, name, ',');) o.phases.push_back(name);
    } else {
      usage("unknown option " + arg);
    }
  }
  if (o.port <= 0 || o.port > 65535 || o.pid <= 0) usage("--port and --pid are required");
  return o;
}

PhaseSpec phase(const std::string& name, const Options& o) {
  if (name == "header-flood") {
    PhaseSpec flood{name, o.seconds, {}};
    FloodSettings per_thread = o.flood;
    per_thread.connections = std::max(1, o.flood.connections / o.flood_threads);
    per_thread.bytes_per_s = o.flood.bytes_per_s / o.flood_threads;
    for (int i = 0; i < o.flood_threads; ++i) flood.swarms.push_back(header_flood(per_thread));
    return flood;
  }
  if (name == "idle-10k") return {name, o.seconds, {idle_holders(o.idle_connections)}};
  if (name == "deep-nesting") return {name, o.seconds, {deep_nesting(o.deep_connections)}};
  if (name == "slowloris") return {name, o.seconds, {slowloris(o.slowloris_connections)}};
  if (name == "pipelining") {
    return {name, o.seconds, {pipelining_and_smuggling(o.pipelining_connections)}};
  }
  usage("no phase is called " + name);
}

std::vector<PhaseSpec> phases(const Options& o) {
  std::vector<std::string> names = o.phases;
  if (names.empty()) {
    names = {"header-flood", "idle-10k", "deep-nesting", "slowloris", "pipelining"};
  }
  std::vector<PhaseSpec> all = {{"baseline", o.baseline_seconds, {}}};
  for (const auto& name : names) all.push_back(phase(name, o));
  return all;
}

// Runs one phase: the attack for its seconds while the prober files under `index`.
PhaseResult run_phase(const PhaseSpec& spec, int index, const Options& o, Prober& prober) {
  PhaseResult result;
  result.name = spec.name;
  result.seconds = spec.seconds;
  result.before = sample_gateway(o.pid, true);
  const double tool_cpu_before = process_cpu_seconds();
  std::vector<std::unique_ptr<Swarm>> swarms;
  for (const Tactic& tactic : spec.swarms) {
    swarms.push_back(std::make_unique<Swarm>(loopback(static_cast<std::uint16_t>(o.port)), tactic));
  }
  prober.set_phase(index);
  for (auto& swarm : swarms) swarm->start();
  const auto end = Clock::now() + std::chrono::duration<double>(spec.seconds);
  while (Clock::now() < end) {
    std::this_thread::sleep_for(250ms);
    const GatewaySample now = sample_gateway(o.pid, false);
    result.died = result.died || !now.alive;
    result.max_fds = std::max(result.max_fds, now.fds);
    result.max_rss_mib = std::max(result.max_rss_mib, now.rss_mib);
  }
  prober.set_phase(-1);
  result.after = sample_gateway(o.pid, true);
  for (auto& swarm : swarms) result.attack.merge(swarm->stop());
  result.tool_cpu_s = process_cpu_seconds() - tool_cpu_before;
  result.died = result.died || !result.after.alive;
  return result;
}

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  char line[128] = "?";
  if (f != nullptr) {
    if (std::fgets(line, sizeof line, f) == nullptr) line[0] = '\0';
    std::fclose(f);
  }
  std::string s(line);
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));  // the 1, 5, 15 min loads
}

// Waits until the gateway's descriptors are back within a few of `baseline` (or the limit);
// prints where it ended.
void report_recovery(const Options& o, const GatewaySample& baseline) {
  const auto start = Clock::now();
  GatewaySample now = sample_gateway(o.pid, false);
  while (now.alive && now.fds > baseline.fds + 4 && Clock::now() - start < kRecoveryLimit) {
    std::this_thread::sleep_for(250ms);
    now = sample_gateway(o.pid, false);
  }
  if (!now.alive) {
    std::printf("after the attacks: the gateway (pid %d) is NOT running\n", o.pid);
    return;
  }
  std::printf(
      "after the attacks: gateway alive; open fds %ld (after baseline %ld), RSS %.1f MiB "
      "(after baseline %.1f MiB), %.1f s after the last phase ended\n",
      now.fds, baseline.fds, now.rss_mib, baseline.rss_mib,
      std::chrono::duration<double>(Clock::now() - start).count() + kSettle.count() / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const long files = raise_open_files_limit();
  const auto specs = phases(o);
  char flood_rate[32] = "unpaced";
  if (o.flood.bytes_per_s > 0) {
    std::snprintf(flood_rate, sizeof flood_rate, "%g MiB/s", o.flood.bytes_per_s / kMiB);
  }
  std::printf(
      "attack: gateway pid %d on 127.0.0.1:%d; %g s per phase (baseline %g s); prober "
      "%d/s keep-alive + %d/s fresh, timeout %lld ms; flood %d connections, %s; open-files "
      "limit %ld; load %s\n",
      o.pid, o.port, o.seconds, o.baseline_seconds, o.probes_per_s, o.probes_per_s,
      static_cast<long long>(kProbeTimeout.count()), o.flood.connections, flood_rate, files,
      load_average().c_str());
  std::fflush(stdout);

  Prober prober(loopback(static_cast<std::uint16_t>(o.port)), o.probes_per_s, kProbeTimeout);
  prober.start();
  std::vector<PhaseResult> results;
  GatewaySample baseline;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::fprintf(stderr, "attack: phase %zu/%zu %s (%g s)\n", i + 1, specs.size(),
                 specs[i].name.c_str(), specs[i].seconds);
    results.push_back(run_phase(specs[i], static_cast<int>(i), o, prober));
    std::this_thread::sleep_for(kSettle);
    if (i == 0) baseline = sample_gateway(o.pid, false);
  }
  prober.stop();
  for (std::size_t i = 0; i < results.size(); ++i) {
    results[i].probes = prober.probes(static_cast<int>(i));
  }

  std::printf("\n== GET /health during each phase (target: p99 < %.0f ms, no failures)\n",
              kTargetP99Ms);
  print_health_table(results, kTargetP99Ms);
  std::printf("\n== What the attacker achieved\n");
  print_attack_table(results);
  std::printf("\n== What it cost (gateway CPU during the phase; fds and RSS of the gateway)\n");
  print_cost_table(results);
  std::printf("\n");
  report_recovery(o, baseline);
  std::printf("load average at the end: %s\n", load_average().c_str());
  return sample_gateway(o.pid, false).alive ? 0 : 1;
}
