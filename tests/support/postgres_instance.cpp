#include "tests/support/postgres_instance.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/ports.h"

namespace moodgate::testing {
namespace {

namespace fs = std::filesystem;

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool running_as_root() {
  return ::geteuid() == 0;
}

void give_to_postgres(const std::string& path) {
  if (!running_as_root()) return;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    throw std::runtime_error("PostgresInstance: running as root but there is no postgres user");
  }
  if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("PostgresInstance: cannot chown " + path + " to postgres");
  }
}

}  // namespace

PostgresInstance::PostgresInstance() : PostgresInstance(Options{}) {}

PostgresInstance::PostgresInstance(Options options)
    : options_(std::move(options)), dir_(temp_.path().string()) {
  data_dir_ = dir_ + "/data";
  log_path_ = dir_ + "/postgres.log";
  // On a throw, temp_ (already built) removes the directory.
  give_to_postgres(dir_);
  init_cluster();
  if (options_.start) start();
}

PostgresInstance::~PostgresInstance() {
  if (running_) {
    run({bin_dir() + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "-t", "30", "stop"});
  }
  // temp_ removes the directory after this body has stopped the server.
}

std::string PostgresInstance::bin_dir() {
  const char* env = std::getenv("MOODGATE_PG_BIN");
  return env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
}

void PostgresInstance::init_cluster() {
  std::vector<std::string> argv = {
      bin_dir() + "/initdb", "-D",        data_dir_, "-U",   "postgres", "-E", "UTF8",
      "--locale=C",          "--no-sync", "-A",      "trust"};
  if (!options_.superuser_password.empty()) {
    const std::string pwfile = dir_ + "/pwfile";
    std::ofstream(pwfile) << options_.superuser_password << "\n";
    give_to_postgres(pwfile);
    argv.insert(argv.end(), {"--auth-host=scram-sha-256", "--pwfile=" + pwfile});
  }
  if (run(argv) != 0) throw std::runtime_error("PostgresInstance: initdb failed\n" + log_tail());
  fs::remove(dir_ + "/pwfile");

  port_ = free_loopback_port();
  std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
  conf << "\n# moodgate test instance\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "port = " << port_ << "\n"
       << "unix_socket_directories = '" << dir_ << "'\n"
       << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
       << "max_connections = 200\nshared_buffers = 32MB\n";
  if (!conf) throw std::runtime_error("PostgresInstance: cannot write postgresql.conf");
}

void PostgresInstance::start() {
  if (running_) return;
  // The port was free when chosen; if something took it since, pick another (first start only).
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (run({bin_dir() + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w", "-t", "60", "start"}) ==
        0) {
      running_ = true;
      return;
    }
    port_ = free_loopback_port();
    std::ofstream(data_dir_ + "/postgresql.conf", std::ios::app) << "port = " << port_ << "\n";
  }
  throw std::runtime_error("PostgresInstance: pg_ctl start failed\n" + log_tail());
}

void PostgresInstance::stop() {
  if (!running_) return;
  if (run({bin_dir() + "/pg_ctl", "-D", data_dir_, "-m", "fast", "-w", "-t", "60", "stop"}) != 0) {
    throw std::runtime_error("PostgresInstance: pg_ctl stop failed\n" + log_tail());
  }
  running_ = false;
}

void PostgresInstance::restart() {
  stop();
  // Keep the port: a restart must look like the same server coming back.
  if (run({bin_dir() + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w", "-t", "60", "start"}) !=
      0) {
    throw std::runtime_error("PostgresInstance: restart failed\n" + log_tail());
  }
  running_ = true;
}

std::string PostgresInstance::admin_url() const {
  return url_for("postgres");
}

std::string PostgresInstance::url_for(const std::string& database) const {
  std::string userinfo = "postgres";
  if (!options_.superuser_password.empty()) {
    userinfo += ":" + percent_encode(options_.superuser_password);
  }
  return "postgresql://" + userinfo + "@127.0.0.1:" + std::to_string(port_) + "/" +
         percent_encode(database);
}

int PostgresInstance::run(std::vector<std::string> argv) const {
  if (running_as_root()) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const std::string command_log = dir_ + "/commands.log";
  const int log_fd = ::open(command_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("PostgresInstance: cannot open " + command_log);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) throw std::runtime_error("PostgresInstance: fork failed");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string PostgresInstance::log_tail() const {
  std::string text;
  for (const std::string& path : {dir_ + "/commands.log", log_path_}) {
    std::ifstream in(path);
    std::stringstream all;
    all << in.rdbuf();
    std::string content = all.str();
    if (content.size() > 2000) content = "..." + content.substr(content.size() - 2000);
    text += "--- " + path + "\n" + content;
  }
  return text;
}

}  // namespace moodgate::testing
