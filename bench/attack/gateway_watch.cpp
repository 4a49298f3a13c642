#include "bench/attack/gateway_watch.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace moodgate::bench {
namespace {

struct StatLine {
  bool ok = false;
  std::string name;
  char state = '?';
  double cpu_s = 0;
};

// /proc/.../stat: "pid (name) state ... utime stime ...", utime and stime being fields 14 and 15.
StatLine read_stat(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  StatLine out;
  if (!std::getline(in, line)) return out;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return out;
  out.name = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;  // fields from the 3rd (state) on
  while (rest >> field && fields.size() < 13) fields.push_back(field);
  if (fields.size() < 13) return out;
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.state = fields[0][0];
  out.cpu_s = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
  out.ok = true;
  return out;
}

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      in >> kib;
      return kib / 1024;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// The second field of /proc/.../schedstat: nanoseconds spent waiting on a run queue.
double runnable_wait_s(const std::string& path) {
  std::ifstream in(path);
  double run_ns = 0, wait_ns = 0;
  if (!(in >> run_ns >> wait_ns)) return 0;
  return wait_ns / 1e9;
}

// Entries of a /proc directory, "." and ".." left out.
std::vector<std::string> entries(const std::string& dir_path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return out;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') out.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return out;
}

}  // namespace

GatewaySample sample_gateway(pid_t pid, bool per_thread) {
  GatewaySample sample;
  const std::string proc = "/proc/" + std::to_string(pid);
  const StatLine stat = read_stat(proc + "/stat");
  if (!stat.ok || stat.state == 'Z' || stat.state == 'X') return sample;
  sample.alive = true;
  sample.cpu_s = stat.cpu_s;
  sample.rss_mib = rss_mib(pid);
  sample.fds = static_cast<long>(entries(proc + "/fd").size());
  if (per_thread) {
    for (const auto& tid : entries(proc + "/task")) {
      const std::string task = proc + "/task/" + tid;
      const StatLine thread = read_stat(task + "/stat");
      if (thread.ok) sample.thread_cpu_s[thread.name] += thread.cpu_s;
      sample.runnable_wait_s += runnable_wait_s(task + "/schedstat");
    }
  }
  return sample;
}

std::string busiest_threads(const GatewaySample& before, const GatewaySample& after, int top) {
  std::vector<std::pair<double, std::string>> used;
  for (const auto& [name, cpu] : after.thread_cpu_s) {
    auto it = before.thread_cpu_s.find(name);
    used.emplace_back(cpu - (it == before.thread_cpu_s.end() ? 0 : it->second), name);
  }
  std::sort(used.rbegin(), used.rend());
  std::string out;
  for (int i = 0; i < top && i < static_cast<int>(used.size()); ++i) {
    if (used[i].first < 0.005) break;
    char item[96];
    std::snprintf(item, sizeof item, "%s%s %.2f", out.empty() ? "" : ", ", used[i].second.c_str(),
                  used[i].first);
    out += item;
  }
  return out.empty() ? "-" : out;
}

}  // namespace moodgate::bench
