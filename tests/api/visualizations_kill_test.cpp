// The durable-job promise across processes: two `moodgate` servers share one PostgreSQL
// database. A's worker claims a job and is SIGKILLed while its (slow) provider works; B's
// worker takes the job over once A's lease expires and finishes it: one image, two attempts.
#include <signal.h>
#include <soci/soci.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "core/store/visualizations_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

// A server on `url` whose image chain is a mock answering after `latency_ms`, with `lease_ms`
// leases and one worker polling every 50 ms.
std::string server_config(const std::string& url, int latency_ms, int lease_ms) {
  return "server:\n  port: 0\n  shutdown_grace_ms: 1000\n"
         "database:\n  url: " +
         url + "\n  pool_size: 4\nauth:\n  jwt_secret: " + kTestJwtSecret +
         "\n  password_ops_limit: 1\n  password_mem_limit: 8KiB\n"
         "rate_limits:\n  enabled: false\n"
         "providers:\n  instances:\n    mock:\n      plugin: mock\n"
         "    painter:\n      plugin: mock\n      timeout_ms: 120000\n      deadline_ms: 120000\n"
         "      settings:\n        latency_ms: \"" +
         std::to_string(latency_ms) +
         "\"\n  chains:\n    analysis: [mock]\n    scenarios: [mock]\n    summary: [mock]\n"
         "    image: [painter]\n"
         "visualizations:\n  workers: 1\n  lease_ms: " +
         std::to_string(lease_ms) +
         "\n  poll_interval_ms: 50\n"
         "logging:\n  level: info\n  access_log: false\n";
}

store::VisualizationRow row_of(store::Database& db, const std::string& user_id,
                               const std::string& id) {
  auto found = db.run("test.find", [&](soci::session& sql) {
    return store::VisualizationsRepository(sql).find(user_id, id);
  });
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return **found;
}

// Polls the job until `done(row)` holds, for at most `timeout`.
template <typename Done>
store::VisualizationRow wait_for(store::Database& db, const std::string& user_id,
                                 const std::string& id, std::chrono::milliseconds timeout,
                                 Done&& done) {
  auto row = row_of(db, user_id, id);
  for (auto until = std::chrono::steady_clock::now() + timeout;
       !done(row) && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
    row = row_of(db, user_id, id);
  }
  return row;
}

}  // namespace

TEST_CASE("a job whose instance is SIGKILLed mid-call is finished by another after the lease",
          "[api][viz][kill][postgres]") {
  auto shared = make_test_database("postgresql");
  auto db = open_migrated(shared, 2);
  TempDir dir;

  // A: its painter takes a minute, its leases last 1.5 s.
  const std::string a_path = dir.write("a.yaml", server_config(shared.url(), 60000, 1500));
  auto a = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", a_path, "serve"});
  const auto a_port = a->wait_for_port();
  INFO(a->stderr_text().substr(0, 4000));
  REQUIRE(a_port != 0);
  const Account user = register_account(a_port, "killed@example.com");
  const std::string entry = create_test_entry(*db, user.id);
  const HttpReply accepted = api_call(
      a_port, "POST", "/api/v1/entries/" + entry + "/visualizations", "", user.access_token);
  REQUIRE(accepted.status == 202);
  const std::string id = accepted.json()["id"].GetString();

  const auto claimed = wait_for(*db, user.id, id, 10s, [](const store::VisualizationRow& r) {
    return r.status == store::VisualizationStatus::kRunning;
  });
  REQUIRE(claimed.status == store::VisualizationStatus::kRunning);
  REQUIRE(claimed.attempts == 1);
  a->signal(SIGKILL);
  CHECK(a->wait_exit(10s) == 128 + SIGKILL);
  a.reset();

  // B: a painter that answers at once.
  const std::string b_path = dir.write("b.yaml", server_config(shared.url(), 0, 1500));
  ServerProcess b({"--config", b_path, "serve"});
  const auto b_port = b.wait_for_port();
  INFO(b.stderr_text().substr(0, 4000));
  REQUIRE(b_port != 0);

  const auto done = wait_for(*db, user.id, id, 30s, [](const store::VisualizationRow& r) {
    return r.status == store::VisualizationStatus::kSucceeded ||
           r.status == store::VisualizationStatus::kFailed;
  });
  CHECK(done.status == store::VisualizationStatus::kSucceeded);
  CHECK(done.attempts == 2);
  CHECK(count_rows(*db, "visualization_images", "visualization_id", id) == 1);
  // B serves it (tokens are shared: one signing key for both instances).
  const HttpReply image =
      api_call(b_port, "GET", "/api/v1/visualizations/" + id + "/image", "", user.access_token);
  CHECK(image.status == 200);
  CHECK(image.header("etag") == "\"" + done.image_sha256.value_or("") + "\"");
  b.signal(SIGTERM);
  CHECK(b.wait_exit(15s) == 0);
}
