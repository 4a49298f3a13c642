// PostgresInstance: a throwaway PostgreSQL 15 cluster for tests.
//
// The constructor runs initdb into a fresh temporary directory; the server listens on a free
// TCP port on 127.0.0.1 (and a unix socket inside that directory), with fsync off, for speed,
// and trust authentication (or SCRAM for TCP when a superuser password is given). The port is
// fixed for the instance's life, so a Database opened against it reconnects after restart().
// When running as root, every PostgreSQL command runs as the `postgres` user via runuser and the
// directory is handed to that user (postgres refuses to run as root).
//
// Failures throw std::runtime_error with the tail of the server log. The destructor stops the
// server and removes the directory. Not thread-safe: drive one instance from one thread.
#pragma once

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace moodgate::testing {

class PostgresInstance {
 public:
  struct Options {
    // Empty: trust authentication everywhere. Otherwise TCP connections need this password
    // (scram-sha-256); the unix socket stays trust.
    std::string superuser_password;
    bool start = true;  // start the server right away
  };

  PostgresInstance();
  explicit PostgresInstance(Options options);
  ~PostgresInstance();
  PostgresInstance(const PostgresInstance&) = delete;
  PostgresInstance& operator=(const PostgresInstance&) = delete;

  // Starts the server and waits until it accepts connections.
  void start();
  // Stops the server (fast shutdown: sessions are disconnected) and waits until it is gone.
  void stop();
  // stop() then start(), on the same port and data.
  void restart();
  bool running() const { return running_; }

  int port() const { return port_; }
  const std::string& directory() const { return dir_; }
  // postgresql://postgres[:password]@127.0.0.1:<port>/postgres
  std::string admin_url() const;
  // The same with another database name.
  std::string url_for(const std::string& database) const;

  // Where initdb and pg_ctl live: $MOODGATE_PG_BIN or /usr/lib/postgresql/15/bin.
  static std::string bin_dir();

 private:
  void init_cluster();
  // Runs argv (as the postgres user when we are root), output appended to the log; returns the
  // exit status.
  int run(std::vector<std::string> argv) const;
  std::string log_tail() const;

  Options options_;
  TempDir temp_;  // before dir_, which is initialised from it
  std::string dir_;
  std::string data_dir_;
  std::string log_path_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace moodgate::testing
