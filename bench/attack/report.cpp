#include "bench/attack/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace moodgate::bench {
namespace {

struct Latency {
  long count = 0;
  double p50 = 0, p99 = 0, max = 0;
  std::map<std::string, long> failures;  // "503", "timeout", "error"
};

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// Latencies of answered and timed-out probes (a timeout counts as the timeout, so that p99
// cannot look good by leaving out what never came back); errors have none.
Latency summarize(const std::vector<Probe>& probes, int only_fresh /* -1: all, 0, 1 */) {
  Latency out;
  std::vector<double> ms;
  for (const Probe& p : probes) {
    if (only_fresh >= 0 && p.fresh != (only_fresh == 1)) continue;
    ++out.count;
    switch (p.outcome) {
      case Probe::Outcome::kOk:
        break;
      case Probe::Outcome::kNot200:
        ++out.failures[std::to_string(p.status)];
        break;
      case Probe::Outcome::kTimeout:
        ++out.failures["timeout"];
        break;
      case Probe::Outcome::kError:
        ++out.failures["error"];
        continue;
    }
    ms.push_back(p.ms);
  }
  std::sort(ms.begin(), ms.end());
  out.p50 = percentile(ms, 0.50);
  out.p99 = percentile(ms, 0.99);
  out.max = ms.empty() ? 0 : ms.back();
  return out;
}

std::string counts(const std::map<std::string, long>& by_kind) {
  std::string out;
  for (const auto& [kind, n] : by_kind) {
    out += (out.empty() ? "" : " ") + kind + ":" + std::to_string(n);
  }
  return out.empty() ? "-" : out;
}

std::string answers(const std::map<int, long>& by_status) {
  std::map<std::string, long> named;
  for (const auto& [status, n] : by_status) named[std::to_string(status)] = n;
  return counts(named);
}

long failed(const Latency& l) {
  long n = 0;
  for (const auto& [kind, count] : l.failures) n += count;
  return n;
}

}  // namespace

void print_health_table(const std::vector<PhaseResult>& phases, double target_ms) {
  std::printf("%-13s %6s %8s %8s %8s %7s  %-10s %-10s  %-26s %s\n", "phase", "probes", "p50 ms",
              "p99 ms", "max ms", "failed", "ka p99", "fresh p99", "failures", "p99<target");
  for (const auto& phase : phases) {
    const Latency all = summarize(phase.probes, -1);
    const Latency ka = summarize(phase.probes, 0);
    const Latency fresh = summarize(phase.probes, 1);
    const bool met = all.count > 0 && all.p99 < target_ms && failed(all) == 0 && !phase.died;
    std::printf("%-13s %6ld %8.2f %8.2f %8.1f %7ld  %-10.2f %-10.2f  %-26s %s\n",
                phase.name.c_str(), all.count, all.p50, all.p99, all.max, failed(all), ka.p99,
                fresh.p99, counts(all.failures).c_str(),
                phase.died ? "GATEWAY DIED" : (met ? "yes" : "NO"));
  }
}

void print_attack_table(const std::vector<PhaseResult>& phases) {
  std::printf("%-13s %8s %8s %9s %9s  %-30s %7s %7s %7s %6s %6s\n", "phase", "conns", "conn-err",
              "requests", "MiB sent", "answers by status", "fin'd", "reset", "unansd", "stray",
              "open");
  for (const auto& phase : phases) {
    const Tally& t = phase.attack;
    std::printf("%-13s %8ld %8ld %9ld %9.1f  %-30s %7ld %7ld %7ld %6ld %6ld\n", phase.name.c_str(),
                t.connects, t.connect_errors, t.requests, t.bytes_sent / (1024.0 * 1024.0),
                answers(t.answers).c_str(), t.closed_by_server, t.resets, t.unanswered,
                t.stray_answers, t.left_open);
  }
}

void print_cost_table(const std::vector<PhaseResult>& phases) {
  std::printf("%-13s %8s %8s  %-40s %8s %8s %9s %9s\n", "phase", "gw CPU", "gw wait",
              "busiest gateway threads (CPU s)", "fds max", "fds end", "RSS max", "tool CPU");
  for (const auto& phase : phases) {
    const bool alive = phase.after.alive;
    const double cpu = alive ? phase.after.cpu_s - phase.before.cpu_s : 0;
    const double wait = alive ? phase.after.runnable_wait_s - phase.before.runnable_wait_s : 0;
    std::printf("%-13s %7.2fs %7.2fs  %-40s %8ld %8ld %8.1fM %8.2fs\n", phase.name.c_str(), cpu,
                wait, busiest_threads(phase.before, phase.after, 3).c_str(), phase.max_fds,
                phase.after.fds, phase.max_rss_mib, phase.tool_cpu_s);
  }
}

}  // namespace moodgate::bench
