// Where code runs: every thread of the gateway has a role and a name, and debug builds check
// that code runs on a thread of the right role.
//
// The rule (core/README.md says why):
// - event-loop threads (mg-http-N, Pistache's) parse requests and write answers; they never
//   block. mg-http-send finishes partial writes;
// - the worker pool (mg-pool-N) runs every request's coroutine: database work and CPU work;
//   sign-ins that hash a password run on their own pool (mg-hash-N);
// - AI I/O runs on one upstream thread (mg-upstream), which never blocks;
// - background loops have their own threads: image jobs (mg-jobs-N), usage records (mg-usage),
//   housekeeping (mg-housekeeping), deadlines (mg-watchdog), the config file watcher
//   (mg-config).
// A thread takes its role with name_this_thread() as its first step. Threads that never named
// themselves (main, tests) have role kUnnamed: they may block, and they are none of the others.
//
// Checks: MG_EXPECT_THREAD(role) where a function must run on threads of one role,
// MG_EXPECT_EVENT_LOOP() where it must run on an HTTP loop (mg-http-N or mg-http-send), and
// MG_EXPECT_MAY_BLOCK() where a function blocks (database calls). A violation calls the
// violation handler (by default: log and abort, so a debug run stops at the culprit). Release
// builds (NDEBUG) compile the checks out. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace moodgate {

enum class ThreadRole {
  kUnnamed,       // main, tests: may block
  kHttp,          // mg-http-N: Pistache's event loops
  kHttpSend,      // mg-http-send: finishes partial writes
  kPool,          // mg-pool-N: request work, database
  kHashing,       // mg-hash-N: requests that hash a password
  kUpstream,      // mg-upstream: AI I/O (libcurl multi)
  kJobs,          // mg-jobs-N: image jobs
  kUsage,         // mg-usage: usage records
  kHousekeeping,  // mg-housekeeping: purges and the interrupted-analysis sweep
  kWatchdog,      // mg-watchdog: request deadlines
  kConfig,        // mg-config: the config file watcher
};

// "pool", "upstream", ...: for messages.
const char* thread_role_name(ThreadRole role);
// Whether threads of `role` may block (wait on a database, a lock held long, a sleep).
bool may_block(ThreadRole role);
// Whether `role` is one of the HTTP loops (mg-http-N, mg-http-send), where requests are framed
// and dispatched.
bool is_event_loop(ThreadRole role);

// Gives the calling thread its role and its name as the OS shows it (/proc/PID/task/*/comm,
// at most 15 characters): `name`, or `name-<index>` when index >= 0.
void name_this_thread(ThreadRole role, std::string_view name, int index = -1);
ThreadRole this_thread_role();

// What a failed check does with its message. Tests replace it to see violations; the default
// logs the message and aborts. Returns the previous handler.
using ThreadCheckHandler = std::function<void(const std::string& message)>;
ThreadCheckHandler set_thread_check_handler(ThreadCheckHandler handler);

namespace detail {
void expect_thread(ThreadRole role, const char* function);
void expect_event_loop(const char* function);
void expect_may_block(const char* function);
}  // namespace detail

}  // namespace moodgate

#ifdef NDEBUG
#define MG_EXPECT_THREAD(role) ((void)0)
#define MG_EXPECT_EVENT_LOOP() ((void)0)
#define MG_EXPECT_MAY_BLOCK() ((void)0)
#else
#define MG_EXPECT_THREAD(role) ::moodgate::detail::expect_thread((role), __func__)
#define MG_EXPECT_EVENT_LOOP() ::moodgate::detail::expect_event_loop(__func__)
#define MG_EXPECT_MAY_BLOCK() ::moodgate::detail::expect_may_block(__func__)
#endif
