// Behaviour that needs a PostgreSQL server of its own: stopping and restarting it, and password
// authentication over TCP.
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

#include "core/store/database.h"
#include "core/store/migrations.h"
#include "tests/support/postgres_instance.h"
#include "tests/support/test_databases.h"

using moodgate::ErrorCode;
using moodgate::Status;
using moodgate::store::Database;
using moodgate::testing::PostgresInstance;

namespace {

using moodgate::testing::open_or_fail;

moodgate::config::DatabaseConfig config_for(const std::string& url, int pool_size) {
  moodgate::config::DatabaseConfig config;
  config.url = url;
  config.pool_size = pool_size;
  config.acquire_timeout_ms = 1000;
  config.connect_timeout_s = 2;
  return config;
}

Status select_one(Database& db, moodgate::store::SessionLease& lease) {
  return db.run(lease, "test.select", [](soci::session& s) {
    int one = 0;
    s << "SELECT 1", soci::into(one);
  });
}

}  // namespace

TEST_CASE("ping turns Unavailable while PostgreSQL is down and recovers after it restarts",
          "[store][db][postgres]") {
  PostgresInstance server;
  auto db = open_or_fail(config_for(server.admin_url(), 3));
  REQUIRE(db->ping().ok());

  server.stop();
  const auto started = std::chrono::steady_clock::now();
  Status down = db->ping();
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().code == ErrorCode::kUnavailable);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK_FALSE(db->ping().ok());  // still down: reconnecting fails quickly, still Unavailable

  // Work on other sessions fails as Unavailable too, never as Internal.
  Status work = db->run("test.work", [](soci::session& s) { s << "SELECT 1"; });
  REQUIRE_FALSE(work.ok());
  CHECK(work.error().code == ErrorCode::kUnavailable);

  server.restart();
  CHECK(db->ping().ok());  // same Database object, no restart of the gateway

  // Every pooled session heals, not only the one ping happened to use.
  std::vector<moodgate::store::SessionLease> leases;
  for (std::size_t i = 0; i < db->pool_size(); ++i) {
    auto lease = db->acquire();
    if (!lease) FAIL("acquire after restart: " << lease.error().message);
    leases.push_back(std::move(lease).value());
  }
  for (auto& lease : leases) CHECK(select_one(*db, lease).ok());
}

TEST_CASE("a session that lost its connection mid-run is reconnected before its next use",
          "[store][db][postgres]") {
  PostgresInstance server;
  auto db = open_or_fail(config_for(server.admin_url(), 1));
  REQUIRE(moodgate::store::migrate(*db, moodgate::store::default_schema_dir()).ok());

  server.restart();  // the single pooled session's connection is now dead, unbeknown to it
  Status first = db->run("test.after_restart", [](soci::session& s) {
    int n = 0;
    s << "SELECT count(*) FROM users", soci::into(n);
  });
  // The first use finds out (and reports Unavailable: it may not be safe to retry blindly)...
  if (!first.ok()) CHECK(first.error().code == ErrorCode::kUnavailable);
  // ...and the next one runs on a fresh connection.
  Status second = db->run("test.after_reconnect", [](soci::session& s) {
    int n = 0;
    s << "SELECT count(*) FROM users", soci::into(n);
  });
  CHECK(second.ok());
}

TEST_CASE("a percent-encoded password with spaces, quotes and backslashes authenticates",
          "[store][db][postgres]") {
  const std::string password = "p@ss w:rd/'quoted' \\back\\ 100%";
  PostgresInstance::Options options;
  options.superuser_password = password;
  PostgresInstance server(options);  // TCP needs scram-sha-256 with this password

  auto db = open_or_fail(config_for(server.admin_url(), 1));
  CHECK(db->ping().ok());
  CHECK(db->display_url().find("p%40ss") == std::string::npos);

  auto wrong = Database::open(config_for(
      "postgresql://postgres:not%20it@127.0.0.1:" + std::to_string(server.port()) + "/postgres",
      1));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(wrong.error().message, !Catch::Contains("not it") && !Catch::Contains("not%20it"));
}
