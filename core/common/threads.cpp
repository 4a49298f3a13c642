#include "core/common/threads.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <utility>

namespace moodgate {
namespace {

thread_local ThreadRole current_role = ThreadRole::kUnnamed;

std::mutex handler_mu;
ThreadCheckHandler& handler() {
  static ThreadCheckHandler h;
  return h;
}

void violated(const std::string& message) {
  ThreadCheckHandler h;
  {
    std::lock_guard lock(handler_mu);
    h = handler();
  }
  if (h) return h(message);
  spdlog::critical("thread rule broken: {}", message);
  std::abort();
}

std::string this_thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

}  // namespace

const char* thread_role_name(ThreadRole role) {
  switch (role) {
    case ThreadRole::kUnnamed:
      return "unnamed";
    case ThreadRole::kHttp:
      return "http";
    case ThreadRole::kHttpSend:
      return "http-send";
    case ThreadRole::kPool:
      return "pool";
    case ThreadRole::kHashing:
      return "hashing";
    case ThreadRole::kUpstream:
      return "upstream";
    case ThreadRole::kJobs:
      return "jobs";
    case ThreadRole::kUsage:
      return "usage";
    case ThreadRole::kHousekeeping:
      return "housekeeping";
    case ThreadRole::kWatchdog:
      return "watchdog";
    case ThreadRole::kConfig:
      return "config";
  }
  return "?";
}

bool may_block(ThreadRole role) {
  switch (role) {
    case ThreadRole::kHttp:
    case ThreadRole::kHttpSend:
    case ThreadRole::kUpstream:
    case ThreadRole::kWatchdog:
      return false;
    default:
      return true;
  }
}

bool is_event_loop(ThreadRole role) {
  return role == ThreadRole::kHttp || role == ThreadRole::kHttpSend;
}

void name_this_thread(ThreadRole role, std::string_view name, int index) {
  current_role = role;
  std::string full(name);
  if (index >= 0) full += "-" + std::to_string(index);
  if (full.size() > 15) full.resize(15);  // the kernel's limit
  pthread_setname_np(pthread_self(), full.c_str());
}

ThreadRole this_thread_role() {
  return current_role;
}

ThreadCheckHandler set_thread_check_handler(ThreadCheckHandler next) {
  std::lock_guard lock(handler_mu);
  return std::exchange(handler(), std::move(next));
}

namespace detail {

void expect_thread(ThreadRole role, const char* function) {
  if (current_role == role) return;
  violated(std::string(function) + " must run on a " + thread_role_name(role) + " thread, not on " +
           this_thread_name() + " (" + thread_role_name(current_role) + ")");
}

void expect_event_loop(const char* function) {
  if (is_event_loop(current_role)) return;
  violated(std::string(function) + " must run on an HTTP event loop, not on " + this_thread_name() +
           " (" + thread_role_name(current_role) + ")");
}

void expect_may_block(const char* function) {
  if (may_block(current_role)) return;
  violated(std::string(function) + " blocks and must not run on " + this_thread_name() + " (" +
           thread_role_name(current_role) + ")");
}

}  // namespace detail
}  // namespace moodgate
