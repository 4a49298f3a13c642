// Real gateways for tests: in process (TestServer: the Application on a free port) or as a
// child process of the built `moodgate` binary (ServerProcess: for signals and the CLI).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/app/application.h"
#include "core/config/config.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_databases.h"

namespace moodgate::testing {

// The access-token key test_config() uses.
inline constexpr const char* kTestJwtSecret = "test-only-jwt-secret-0123456789-abcdefghijkl";

// A configuration for tests: 127.0.0.1, port 0 (a free one), access log off, the given database,
// kTestJwtSecret, the cheapest password hashing and rate limits off.
config::Config test_config(const std::string& database_url);

// A test_config() on a fresh SQLite database of its own, for tests of the server rather than
// of storage.
struct SqliteServerFixture {
  TestDatabase db = make_test_database("sqlite");
  config::Config config = test_config(db.url());
};

// The Application started in this process.
class TestServer {
 public:
  explicit TestServer(const config::Config& config);  // REQUIREs a successful start
  ~TestServer();
  std::uint16_t port() const { return app_->port(); }
  app::Application& app() { return *app_; }

 private:
  std::unique_ptr<app::Application> app_;
};

// The `moodgate` binary as a child process; output goes to files in a TempDir.
class ServerProcess {
 public:
  ServerProcess(std::vector<std::string> args, std::vector<std::string> env = {});
  ~ServerProcess();  // kills the child if still running

  // Waits until stderr contains `text`; false on timeout or exit.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout);
  // The port from the "listening on http://host:PORT" line (waits for it; 0 on failure).
  std::uint16_t wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void signal(int sig);
  // Waits for the exit; the exit code, or -1 on timeout, or 128+N for a signal.
  int wait_exit(std::chrono::milliseconds timeout);
  std::string stderr_text() const;
  std::string stdout_text() const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// Runs the `moodgate` binary to completion; returns {exit code, stdout + stderr}.
std::pair<int, std::string> run_moodgate(const std::vector<std::string>& args,
                                         const std::vector<std::string>& env = {});

}  // namespace moodgate::testing
