// Idempotency-Key on the entries writes, over HTTP, on both backends: a repeat replays the first
// answer byte for byte and does nothing twice (no second entry, no second AI call); another
// request under the same key is 409; keys belong to their user; bad keys are 400; refusals and
// failed AI calls are replayed too; PATCH and POST .../scenarios take keys; an expired key or a
// claim abandoned long ago runs afresh, a fresh claim still running is 409; and eight clients
// sending the same request at once create one entry.
#include <soci/soci.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/common/time_format.h"
#include "tests/support/api_client.h"
#include "tests/support/entries_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

HttpReply post_keyed(std::uint16_t port, const std::string& token, const std::string& key,
                     const std::string& body, const std::string& request_id = "") {
  Headers headers = {{"Idempotency-Key", key}};
  if (!request_id.empty()) headers.emplace_back("X-Request-ID", request_id);
  return post_entry(port, token, body, "", headers);
}

// Runs `statement` on the test's database (as an operator would, behind the server's back).
void run_sql(const TestDatabase& db, const std::string& statement) {
  auto database = open_or_fail(db.config(1));
  const Status done = database->run("test.sql", [&](soci::session& sql) { sql << statement; });
  INFO(statement);
  REQUIRE(done.ok());
}

void check_replay_of(const HttpReply& replay, const HttpReply& first) {
  INFO(replay.body);
  CHECK(replay.status == first.status);
  CHECK(replay.body == first.body);
  CHECK(replay.header("Content-Type") == first.header("Content-Type"));
  CHECK(replay.header("Location") == first.header("Location"));
  CHECK(replay.header("Idempotent-Replayed") == "true");
  CHECK_FALSE(first.has_header("Idempotent-Replayed"));
}

}  // namespace

TEST_CASE("the same key and body replay the first answer byte for byte and do nothing twice",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "repeat@example.com");
  const std::string body = entry_body("Flaky train wifi", "", {{"Annoyed", 0.6}});

  const HttpReply first = post_keyed(port, me.access_token, "key-one", body, "idem-first-0001");
  REQUIRE(first.status == 201);
  const HttpReply again = post_keyed(port, me.access_token, "key-one", body, "idem-again-0002");
  check_replay_of(again, first);
  CHECK(again.header("X-Request-ID") == "idem-again-0002");
  const HttpReply third = post_keyed(port, me.access_token, "key-one", body);
  check_replay_of(third, first);
  CHECK(list_ids(port, me.access_token) == std::vector<std::string>{text_of(first.json(), "id")});

  // One set of usage rows: a later request's rows land after any the replays would have left.
  // (Other words, or the analysis would come from the cache without a row.)
  REQUIRE(post_entry(port, me.access_token, entry_body("Marker"), "",
                     {{"X-Request-ID", "idem-marker-0003"}})
              .status == 201);
  const auto rows = wait_for_usage(db, 4);
  CHECK(rows.size() == 4);
  for (const auto& row : rows) {
    CHECK((row.request_id == "idem-first-0001" || row.request_id == "idem-marker-0003"));
  }
}

TEST_CASE("a key reused for another request is 409, and keys belong to their user",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "reuse@example.com");
  const Account other = register_account(port, "someone-else@example.com");
  const std::string body = entry_body("First body");
  const HttpReply first = post_keyed(port, me.access_token, "shared-key", body);
  REQUIRE(first.status == 201);
  const std::string path = "/api/v1/entries/" + text_of(first.json(), "id");

  const Headers key = {{"Idempotency-Key", "shared-key"}};
  const std::vector<HttpReply> conflicts = {
      post_keyed(port, me.access_token, "shared-key", entry_body("Second body")),
      post_entry(port, me.access_token, body, "?analyze=false", key),
      api_call(port, "PATCH", path, R"({"thoughts": "x"})", me.access_token, key),
      api_call(port, "POST", path + "/scenarios", "", me.access_token, key),
  };
  for (const HttpReply& reply : conflicts) {
    INFO(reply.body);
    CHECK(reply.status == 409);
    CHECK(error_code(reply) == "CONFLICT");
    CHECK(error_field(reply) == "Idempotency-Key");
  }
  CHECK(list_ids(port, me.access_token).size() == 1);

  // The same key from another user is another key: it runs, and is not my answer.
  const HttpReply theirs = post_keyed(port, other.access_token, "shared-key", body);
  REQUIRE(theirs.status == 201);
  CHECK_FALSE(theirs.has_header("Idempotent-Replayed"));
  CHECK(text_of(theirs.json(), "id") != text_of(first.json(), "id"));
  CHECK(list_ids(port, other.access_token).size() == 1);
  check_replay_of(post_keyed(port, other.access_token, "shared-key", body), theirs);
}

TEST_CASE("a key longer than 255 characters or with a space is refused naming the header",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "keys@example.com");
  const std::string body = entry_body("Keys");
  for (const std::string& bad :
       {std::string(256, 'k'), std::string("two words"), std::string("caf\xc3\xa9")}) {
    INFO(bad);
    const HttpReply reply = post_keyed(port, me.access_token, bad, body);
    CHECK(reply.status == 400);
    CHECK(error_code(reply) == "INVALID_INPUT");
    CHECK(error_field(reply) == "Idempotency-Key");
  }
  CHECK(list_ids(port, me.access_token).empty());
  const std::string longest(255, 'k');
  const HttpReply ok = post_keyed(port, me.access_token, longest, body);
  REQUIRE(ok.status == 201);
  check_replay_of(post_keyed(port, me.access_token, longest, body), ok);
}

TEST_CASE("a refusal is replayed, and so is the 201 of an entry whose AI call failed",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  auto failing = config::mock_instance();
  failing.settings = {{"failure_rate", "1"}};
  TestServer server(mock_config(db.url(), failing));
  const auto port = server.port();
  const Account me = register_account(port, "failing@example.com");

  const std::string bad = R"({"situation": "No emotions"})";
  const HttpReply refused = post_keyed(port, me.access_token, "bad-body", bad);
  REQUIRE(refused.status == 400);
  CHECK(error_field(refused) == "emotions");
  check_replay_of(post_keyed(port, me.access_token, "bad-body", bad), refused);

  const std::string body = entry_body("The AI is down today");
  const HttpReply first = post_keyed(port, me.access_token, "ai-down", body);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(text_of(first.json()["analysis"], "status") == "failed");
  check_replay_of(post_keyed(port, me.access_token, "ai-down", body), first);
  CHECK(list_ids(port, me.access_token).size() == 1);
}

TEST_CASE("PATCH and POST .../scenarios take keys and do nothing twice",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "edits@example.com");
  const auto entry = create_entry(port, me.access_token, entry_body("Edit me"));
  const std::string id = text_of(entry, "id");
  const std::string path = "/api/v1/entries/" + id;

  const Headers patch_key = {{"Idempotency-Key", "patch-1"}};
  const HttpReply patched =
      api_call(port, "PATCH", path, R"({"thoughts": "edited"})", me.access_token, patch_key);
  REQUIRE(patched.status == 200);
  const auto at = parse_rfc3339_ms(text_of(patched.json(), "updated_at"));
  REQUIRE(at.has_value());
  while (WallClock::now() <= *at + 2ms) std::this_thread::sleep_for(1ms);  // a rerun would show
  check_replay_of(
      api_call(port, "PATCH", path, R"({"thoughts": "edited"})", me.access_token, patch_key),
      patched);
  CHECK(get_entry(port, me.access_token, id).body == patched.body);

  const Headers scenarios_key = {{"Idempotency-Key", "scenarios-1"}};
  const HttpReply fresh = api_call(port, "POST", path + "/scenarios", R"({"count": 2})",
                                   me.access_token, scenarios_key);
  REQUIRE(fresh.status == 200);
  check_replay_of(api_call(port, "POST", path + "/scenarios", R"({"count": 2})", me.access_token,
                           scenarios_key),
                  fresh);
  // A rerun would have made new ids.
  CHECK(scenario_ids(get_entry(port, me.access_token, id).json()) == scenario_ids(fresh.json()));
}

TEST_CASE("an expired key runs the request again", "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  auto cfg = test_config(db.url());
  cfg.journal.idempotency_ttl_s = 60;
  TestServer server(cfg);
  const auto port = server.port();
  const Account me = register_account(port, "expiry@example.com");
  const std::string body = entry_body("Expiring");

  const HttpReply first = post_keyed(port, me.access_token, "short-lived", body, "expiry-0001");
  REQUIRE(first.status == 201);
  check_replay_of(post_keyed(port, me.access_token, "short-lived", body), first);

  // A minute later (the shortest TTL there is), the key is spent.
  run_sql(db, "UPDATE idempotency_keys SET expires_at = '" +
                  format_rfc3339_ms(WallClock::now() - 1s) + "' WHERE key = 'short-lived'");
  const HttpReply later = post_keyed(port, me.access_token, "short-lived", body);
  REQUIRE(later.status == 201);
  CHECK_FALSE(later.has_header("Idempotent-Replayed"));
  CHECK(text_of(later.json(), "id") != text_of(first.json(), "id"));
  CHECK(list_ids(port, me.access_token).size() == 2);
  // The key is live again, now for the second answer.
  check_replay_of(post_keyed(port, me.access_token, "short-lived", body), later);
}

TEST_CASE("a claim left running answers 409 while fresh, and is taken over once stale",
          "[api][entries][idempotency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "stale@example.com");
  const std::string body = entry_body("Left behind");

  // The hash of this very request, as the server recorded it under another key.
  REQUIRE(post_keyed(port, me.access_token, "probe", body).status == 201);
  std::string hash;
  {
    auto database = open_or_fail(db.config(1));
    const Status read = database->run("test.hash", [&](soci::session& sql) {
      sql << "SELECT request_hash FROM idempotency_keys WHERE key = 'probe'", soci::into(hash);
    });
    REQUIRE(read.ok());
  }
  REQUIRE_FALSE(hash.empty());
  // An instance claimed "orphan" for the same request and has not answered (yet).
  const auto now = WallClock::now();
  run_sql(db,
          "INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at,"
          " expires_at) VALUES ('" +
              me.id + "', 'orphan', '" + hash + "', 'in_progress', '" + format_rfc3339_ms(now) +
              "', '" + format_rfc3339_ms(now + 1h) + "')");

  const HttpReply busy = post_keyed(port, me.access_token, "orphan", body);
  INFO(busy.body);
  CHECK(busy.status == 409);
  CHECK(error_code(busy) == "CONFLICT");
  CHECK(error_field(busy) == "Idempotency-Key");
  CHECK_THAT(error_message(busy), Catch::Contains("still running"));
  CHECK(list_ids(port, me.access_token).size() == 1);

  // Long after any request could still run, its instance is taken for dead.
  run_sql(db,
          "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z'"
          " WHERE key = 'orphan'");
  const HttpReply taken = post_keyed(port, me.access_token, "orphan", body);
  REQUIRE(taken.status == 201);
  CHECK_FALSE(taken.has_header("Idempotent-Replayed"));
  CHECK(list_ids(port, me.access_token).size() == 2);
  check_replay_of(post_keyed(port, me.access_token, "orphan", body), taken);
}

TEST_CASE("eight clients sending the same key at once create exactly one entry",
          "[api][entries][idempotency][concurrency]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  auto slow = config::mock_instance();
  slow.settings = {{"latency_ms", "200"}};  // the first is still running when the rest arrive
  TestServer server(mock_config(db.url(), slow));
  const auto port = server.port();
  const Account me = register_account(port, "burst@example.com");
  const std::string body = entry_body("Tapped send eight times");

  constexpr int kClients = 8;
  std::vector<HttpReply> replies(kClients);
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      replies[i] = post_keyed(port, me.access_token, "burst-key", body);
    });
  }
  for (auto& c : clients) c.join();

  std::string created_body;
  int originals = 0;
  for (const HttpReply& reply : replies) {
    INFO(reply.status << " " << reply.body);
    if (reply.status == 201) {
      if (!reply.has_header("Idempotent-Replayed")) ++originals;
      if (created_body.empty()) created_body = reply.body;
      CHECK(reply.body == created_body);
    } else {
      CHECK(reply.status == 409);
      CHECK(error_code(reply) == "CONFLICT");
      CHECK_THAT(error_message(reply), Catch::Contains("still running"));
    }
  }
  CHECK(originals == 1);
  CHECK(list_ids(port, me.access_token).size() == 1);
  // Once it finished, every repeat is the replay.
  const HttpReply after = post_keyed(port, me.access_token, "burst-key", body);
  CHECK(after.status == 201);
  CHECK(after.body == created_body);
}
