// Thread roles and the debug-build checks of where code runs.
#include "core/common/threads.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using moodgate::ThreadRole;

namespace {

// Records violations instead of aborting, for the scope of one test.
class Violations {
 public:
  Violations() {
    previous_ = moodgate::set_thread_check_handler([this](const std::string& m) {
      std::lock_guard lock(mu_);
      messages_.push_back(m);
    });
  }
  ~Violations() { moodgate::set_thread_check_handler(std::move(previous_)); }
  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  moodgate::ThreadCheckHandler previous_;
  std::mutex mu_;
  std::vector<std::string> messages_;
};

void pool_only() {
  MG_EXPECT_THREAD(ThreadRole::kPool);
}

void blocking() {
  MG_EXPECT_MAY_BLOCK();
}

// Runs `fn` on a fresh thread that took `role`.
template <typename F>
void on_thread(ThreadRole role, const char* name, F fn) {
  std::thread t([&] {
    moodgate::name_this_thread(role, name);
    fn();
  });
  t.join();
}

}  // namespace

TEST_CASE("a thread shows the name and role it took", "[threads]") {
  on_thread(ThreadRole::kJobs, "mg-jobs", [] {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    CHECK(std::string(name) == "mg-jobs");
    CHECK(moodgate::this_thread_role() == ThreadRole::kJobs);
  });
  std::thread t([] {
    moodgate::name_this_thread(ThreadRole::kPool, "mg-pool", 12);
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    CHECK(std::string(name) == "mg-pool-12");
  });
  t.join();
  CHECK(moodgate::this_thread_role() == ThreadRole::kUnnamed);
}

TEST_CASE("which roles may block", "[threads]") {
  CHECK_FALSE(moodgate::may_block(ThreadRole::kHttp));
  CHECK_FALSE(moodgate::may_block(ThreadRole::kUpstream));
  CHECK_FALSE(moodgate::may_block(ThreadRole::kHttpSend));
  CHECK_FALSE(moodgate::may_block(ThreadRole::kWatchdog));
  CHECK(moodgate::may_block(ThreadRole::kPool));
  CHECK(moodgate::may_block(ThreadRole::kHashing));
  CHECK(moodgate::may_block(ThreadRole::kJobs));
  CHECK(moodgate::may_block(ThreadRole::kUnnamed));
}

#ifndef NDEBUG
TEST_CASE("a pool-only function called from the wrong thread is caught in a debug build",
          "[threads]") {
  Violations violations;
  on_thread(ThreadRole::kPool, "mg-pool", [] { pool_only(); });
  CHECK(violations.messages().empty());
  on_thread(ThreadRole::kUpstream, "mg-upstream", [] { pool_only(); });
  on_thread(ThreadRole::kHttp, "mg-http", [] { pool_only(); });
  const auto messages = violations.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0] == "pool_only must run on a pool thread, not on mg-upstream (upstream)");
  CHECK(messages[1] == "pool_only must run on a pool thread, not on mg-http (http)");
}

TEST_CASE("blocking on an event-loop or upstream thread is caught in a debug build", "[threads]") {
  Violations violations;
  on_thread(ThreadRole::kPool, "mg-pool", [] { blocking(); });
  on_thread(ThreadRole::kHousekeeping, "mg-housekeeping", [] { blocking(); });
  CHECK(violations.messages().empty());
  on_thread(ThreadRole::kUpstream, "mg-upstream", [] { blocking(); });
  on_thread(ThreadRole::kHttp, "mg-http-0", [] { blocking(); });
  const auto messages = violations.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0] == "blocking blocks and must not run on mg-upstream (upstream)");
  CHECK(messages[1] == "blocking blocks and must not run on mg-http-0 (http)");
}
#endif
