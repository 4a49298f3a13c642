// The fair image queue over real HTTP on both backends, with mock painters that take their time:
// a user with visualizations.max_queued_per_user unfinished pictures gets 429 QUOTA_EXCEEDED
// (details and X-Quota-* headers) until one of them finishes, exactly so under a burst of
// concurrent requests, and Idempotency-Key replays are unaffected; and one user's backlog does
// not make another user's picture wait behind it.
#include <soci/soci.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/store/sql_dialect.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

struct QueueOptions {
  int workers = 1;
  int painter_latency_ms = 0;  // how long each picture takes
  int max_queued_per_user = 5;
};

// A server on a fresh database whose image chain is a mock "painter" taking its time, with two
// accounts (alice and bob), an entry each, and a connection to the database behind the server.
struct QueueFixture {
  QueueFixture(const std::string& backend, const QueueOptions& options)
      : test_db(make_test_database(backend)) {
    config::Config cfg = test_config(test_db.url());
    cfg.visualizations.workers = options.workers;
    cfg.visualizations.poll_interval_ms = 50;
    cfg.visualizations.max_queued_per_user = options.max_queued_per_user;
    config::ProviderInstanceConfig painter = config::mock_instance();
    painter.name = "painter";
    painter.settings["latency_ms"] = std::to_string(options.painter_latency_ms);
    cfg.providers.instances.push_back(painter);
    cfg.providers.chains[config::Capability::kImage] = {"painter"};
    server = std::make_unique<TestServer>(cfg);
    db = open_or_fail(test_db.config(2));
    alice = register_account(server->port(), "alice@example.com");
    bob = register_account(server->port(), "bob@example.com");
    entries[alice.id] = create_test_entry(*db, alice.id);
    entries[bob.id] = create_test_entry(*db, bob.id);
  }
  ~QueueFixture() {
    db.reset();
    server.reset();
  }

  // POST a picture of the user's entry.
  HttpReply post(const Account& who, const Headers& headers = {}) const {
    return api_call(server->port(), "POST",
                    "/api/v1/entries/" + entries.at(who.id) + "/visualizations", "",
                    who.access_token, headers);
  }
  // The job's status, as GET shows it.
  std::string status(const Account& who, const std::string& id) const {
    const HttpReply reply =
        api_call(server->port(), "GET", "/api/v1/visualizations/" + id, "", who.access_token);
    REQUIRE(reply.status == 200);
    return reply.json()["status"].GetString();
  }
  // Waits (at most 20 s) until the job succeeded; fails the test if it does not.
  void wait_succeeded(const Account& who, const std::string& id) const {
    std::string now = status(who, id);
    for (auto until = std::chrono::steady_clock::now() + 20s;
         now != "succeeded" && now != "failed" && std::chrono::steady_clock::now() < until;
         now = status(who, id)) {
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(now == "succeeded");
  }
  // When each of the user's jobs first started (RFC 3339 ms text), for those that have.
  std::vector<std::string> start_times(const std::string& user_id) const {
    auto times = db->run("test.started", [&](soci::session& sql) {
      const std::string column = store::time_text(db->backend(), "started_at");
      std::vector<std::string> out(100);
      sql << "SELECT " + column +
                 " FROM visualizations WHERE user_id = :u AND started_at IS NOT NULL",
          soci::use(user_id, "u"), soci::into(out);
      return out;
    });
    REQUIRE(times.ok());
    return *times;
  }

  TestDatabase test_db;
  std::unique_ptr<TestServer> server;
  std::unique_ptr<store::Database> db;
  Account alice;
  Account bob;
  std::map<std::string, std::string> entries;  // user id -> their entry
};

std::string id_of(const HttpReply& reply) {
  return reply.json()["id"].GetString();
}

}  // namespace

TEST_CASE("a full image queue is 429 QUOTA_EXCEEDED with details and headers until a job ends",
          "[api][viz][queue]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // One worker whose pictures take 2 s: the first job runs, the others wait, while the test
  // fills alice's queue of 3.
  QueueFixture f(backend, {.workers = 1, .painter_latency_ms = 2000, .max_queued_per_user = 3});
  const Headers first_key = {{"Idempotency-Key", "first"}};
  const HttpReply first = f.post(f.alice, first_key);
  REQUIRE(first.status == 202);
  REQUIRE(f.post(f.alice).status == 202);
  REQUIRE(f.post(f.alice).status == 202);

  const HttpReply full = f.post(f.alice);
  INFO(full.body);
  REQUIRE(full.status == 429);
  CHECK(error_code(full) == "QUOTA_EXCEEDED");
  const auto body = full.json();  // kept: `details` points into it
  const auto details = body["error"]["details"].GetObject();
  CHECK(std::string(details["capability"].GetString()) == "image");
  CHECK(std::string(details["reason"].GetString()) == "queue");
  CHECK(details["limit"].GetInt() == 3);
  CHECK(details["remaining"].GetInt() == 0);
  CHECK(full.header("X-Quota-Limit") == "3");
  CHECK(full.header("X-Quota-Remaining") == "0");
  CHECK_FALSE(full.has_header("Retry-After"));  // a job's end has no window to predict
  CHECK(count_rows(*f.db, "visualizations", "user_id", f.alice.id) == 3);

  // The queue is per user.
  CHECK(f.post(f.bob).status == 202);
  // An accepted request replays as it was; a refused one is not recorded, so its key runs
  // again once there is room.
  const HttpReply replay = f.post(f.alice, first_key);
  CHECK(replay.status == 202);
  CHECK(replay.header("Idempotent-Replayed") == "true");
  CHECK(replay.body == first.body);
  const Headers later_key = {{"Idempotency-Key", "later"}};
  CHECK(f.post(f.alice, later_key).status == 429);

  f.wait_succeeded(f.alice, id_of(first));
  const HttpReply room = f.post(f.alice, later_key);
  CHECK(room.status == 202);
  CHECK_FALSE(room.has_header("Idempotent-Replayed"));
  CHECK(f.post(f.alice).status == 429);  // full again
  CHECK(count_rows(*f.db, "visualizations", "user_id", f.alice.id) == 4);
}

TEST_CASE("of 20 concurrent requests on an empty queue exactly max_queued_per_user are accepted",
          "[api][viz][queue]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // No workers: nothing finishes during the burst, so the limit alone decides.
  QueueFixture f(backend, {.workers = 0, .max_queued_per_user = 5});
  constexpr int kRequests = 20;
  std::vector<int> statuses(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&f, &statuses, i] { statuses[i] = f.post(f.alice).status; });
  }
  for (auto& c : clients) c.join();

  CHECK(std::count(statuses.begin(), statuses.end(), 202) == 5);
  CHECK(std::count(statuses.begin(), statuses.end(), 429) == kRequests - 5);
  CHECK(count_rows(*f.db, "visualizations", "user_id", f.alice.id) == 5);
}

TEST_CASE("one user's 20 queued pictures do not make another user's one wait behind them",
          "[api][viz][queue]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  // Two workers, 300 ms a picture: alice's backlog is 3 s of work.
  QueueFixture f(backend, {.workers = 2, .painter_latency_ms = 300, .max_queued_per_user = 20});
  for (int i = 0; i < 20; ++i) REQUIRE(f.post(f.alice).status == 202);
  const HttpReply mine = f.post(f.bob);
  REQUIRE(mine.status == 202);
  const std::string queued_at = mine.json()["created_at"].GetString();
  f.wait_succeeded(f.bob, id_of(mine));

  const std::vector<std::string> bob_started = f.start_times(f.bob.id);
  REQUIRE(bob_started.size() == 1);
  // Alice's jobs that started between bob's request and his job's start. Served in order of
  // arrival, that would be the 18 still queued; taking turns, bob's job goes to the next free
  // worker. The slack is for races, not for unfairness: both workers (which finish together)
  // may claim just before bob's insert commits, and on PostgreSQL a claim concurrent with the
  // one that takes bob's job skips it and may start a millisecond earlier.
  const std::vector<std::string> alice_started = f.start_times(f.alice.id);
  const auto while_waiting =
      std::count_if(alice_started.begin(), alice_started.end(),
                    [&](const std::string& t) { return t >= queued_at && t < bob_started[0]; });
  INFO("bob's job queued at " << queued_at << ", started at " << bob_started[0]);
  CHECK(while_waiting <= 3);
}
