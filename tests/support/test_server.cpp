#include "tests/support/test_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/common/logging.h"
#include "core/common/uuid.h"

extern char** environ;

namespace moodgate::testing {
namespace fs = std::filesystem;

config::Config test_config(const std::string& database_url) {
  config::Config c;
  c.source = "test";
  c.server.port = 0;
  c.server.io_threads = 2;
  c.server.worker_threads = 4;
  c.server.shutdown_grace_ms = 5000;
  c.database.url = database_url;
  c.database.pool_size = 4;
  c.logging.level = "warn";
  c.logging.access_log = false;
  // A fixed key (so two servers on one database accept each other's tokens), the cheapest
  // argon2id libsodium allows, and no rate limits: tests that need limits turn them on.
  c.auth.jwt_secret = kTestJwtSecret;
  c.auth.jwt_secret_file.clear();
  c.auth.password_ops_limit = 1;
  c.auth.password_mem_limit = 8 * 1024;
  c.rate_limits.enabled = false;
  return c;
}

TestServer::TestServer(const config::Config& config) {
  setup_logging(config.logging.level);
  auto app = app::Application::create(config);
  if (!app.ok()) FAIL("cannot create the server: " << app.error().message);
  app_ = std::move(app).value();
  Status s = app_->start();
  if (!s.ok()) FAIL("cannot start the server: " << s.error().message);
}

TestServer::~TestServer() {
  app_->shutdown();
}

namespace {
std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> args, std::vector<std::string> env) {
  std::vector<std::string> argv_s{MOODGATE_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = (dir_.path() / "stdout").string();
  const std::string err = (dir_.path() / "stderr").string();
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The child must not inherit a blocked signal mask from a test thread.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) FAIL("cannot spawn " << MOODGATE_BINARY);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && exit_code_ < 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool ServerProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stderr_text().find(text) != std::string::npos) return true;
    int status = 0;
    if (exit_code_ < 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return stderr_text().find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::uint16_t ServerProcess::wait_for_port(std::chrono::milliseconds timeout) {
  const std::string marker = "listening on http://";
  if (!wait_for_log(marker, timeout)) return 0;
  const std::string err = stderr_text();
  const auto at = err.find(marker) + marker.size();
  const auto colon = err.find(':', at);
  return static_cast<std::uint16_t>(std::atoi(err.c_str() + colon + 1));
}

void ServerProcess::signal(int sig) {
  ::kill(pid_, sig);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (exit_code_ < 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

std::string ServerProcess::stderr_text() const {
  return read_file(dir_.path() / "stderr");
}
std::string ServerProcess::stdout_text() const {
  return read_file(dir_.path() / "stdout");
}

std::pair<int, std::string> run_moodgate(const std::vector<std::string>& args,
                                         const std::vector<std::string>& env) {
  ServerProcess p(args, env);
  const int code = p.wait_exit(std::chrono::seconds(30));
  return {code, p.stdout_text() + p.stderr_text()};
}

}  // namespace moodgate::testing
