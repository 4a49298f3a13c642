// The entries API walked through over real HTTP, on both backends, with the mock provider: an
// entry is saved, analysed and given scenarios; it reads back, lists, changes (and is analysed
// again), gets fresh scenarios, and goes. analyze=false calls no provider. A user never
// reaches another user's entries, no route answers without a token, and paging through the
// list while another client writes shows every entry exactly once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <tuple>
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

const std::string kSituation = "My exam got moved to tomorrow";
const std::string kThoughts = "I'm not ready and I feel scared";

std::string exam_entry() {
  return entry_body(kSituation, kThoughts, {{" Anxious ", 0.8}, {"HOPEFUL", 0.3}});
}

// Waits (bounded) until the wall clock is past `rfc3339`, so the next write gets a later time.
void wait_for_clock_past(const std::string& rfc3339) {
  const auto at = parse_rfc3339_ms(rfc3339);
  REQUIRE(at.has_value());
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (WallClock::now() <= *at + 1ms && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
}

bool is_rfc3339_ms(const std::string& text) {
  const auto t = parse_rfc3339_ms(text);
  return t && format_rfc3339_ms(*t) == text;
}

}  // namespace

TEST_CASE("a new entry is saved, analysed by the mock and given three scenarios",
          "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "writer@example.com");

  const HttpReply created = post_entry(port, me.access_token, exam_entry());
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.header("Content-Type") == "application/json; charset=utf-8");
  const auto entry = created.json();
  const std::string id = text_of(entry, "id");
  REQUIRE(id.size() == 36);
  CHECK(created.header("Location") == "/api/v1/entries/" + id);
  CHECK(text_of(entry, "situation") == kSituation);
  CHECK(text_of(entry, "thoughts") == kThoughts);
  REQUIRE(entry["emotions"].Size() == 2);
  CHECK(text_of(entry["emotions"][0], "name") == "anxious");
  CHECK(entry["emotions"][0]["intensity"].GetDouble() == 0.8);
  CHECK(text_of(entry["emotions"][1], "name") == "hopeful");
  CHECK(entry["emotions"][1]["intensity"].GetDouble() == 0.3);

  const auto& analysis = entry["analysis"];
  CHECK(text_of(analysis, "status") == "ready");
  CHECK(text_of(analysis, "provider") == "mock");
  CHECK(text_of(analysis, "model") == "mock-1");
  CHECK_FALSE(text_of(analysis, "summary").empty());
  const std::set<std::string> sentiments = {"positive", "negative", "neutral", "mixed"};
  CHECK(sentiments.count(text_of(analysis, "sentiment")) == 1);
  CHECK(analysis["sentiment_score"].GetDouble() >= -1);
  CHECK(analysis["sentiment_score"].GetDouble() <= 1);
  CHECK(analysis["highlights"].IsArray());
  CHECK(analysis["positive_count"].GetInt() >= 0);
  CHECK(analysis["negative_count"].GetInt() >= 0);
  CHECK_FALSE(analysis.HasMember("error"));

  const auto scenarios = scenario_ids(entry);
  REQUIRE(scenarios.size() == 3);
  CHECK(std::set<std::string>(scenarios.begin(), scenarios.end()).size() == 3);
  for (const auto& s : entry["scenarios"].GetArray()) {
    CHECK(text_of(s, "id").size() == 36);
    CHECK_FALSE(text_of(s, "title").empty());
    CHECK_FALSE(text_of(s, "description").empty());
  }
  CHECK(is_rfc3339_ms(text_of(entry, "created_at")));
  CHECK(is_rfc3339_ms(text_of(entry, "updated_at")));
  CHECK(text_of(entry, "updated_at") >= text_of(entry, "created_at"));

  // It reads back exactly as it was answered, alone and in the list.
  const HttpReply got = get_entry(port, me.access_token, id);
  CHECK(got.status == 200);
  CHECK(got.body == created.body);
  const HttpReply list = api_call(port, "GET", "/api/v1/entries", "", me.access_token);
  REQUIRE(list.status == 200);
  const auto page = list.json();
  REQUIRE(page["items"].Size() == 1);
  CHECK(text_of(page["items"][0], "id") == id);
  CHECK(page["next_cursor"].IsNull());
  CHECK(list.body == R"({"items":[)" + created.body + R"(],"next_cursor":null})");
}

TEST_CASE("changing an entry's words runs its analysis again, unless analyze=false",
          "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "editor@example.com");
  const auto entry = create_entry(port, me.access_token, exam_entry());
  const std::string id = text_of(entry, "id");
  const std::string path = "/api/v1/entries/" + id;

  wait_for_clock_past(text_of(entry, "updated_at"));
  const HttpReply patched =
      api_call(port, "PATCH", path, R"({"thoughts": "Actually I feel happy, calm and grateful"})",
               me.access_token);
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  const auto after = patched.json();
  CHECK(text_of(after, "thoughts") == "Actually I feel happy, calm and grateful");
  CHECK(text_of(after, "situation") == kSituation);
  CHECK(text_of(after["emotions"][0], "name") == "anxious");
  CHECK(text_of(after["analysis"], "status") == "ready");
  CHECK(text_of(after, "created_at") == text_of(entry, "created_at"));
  CHECK(text_of(after, "updated_at") > text_of(entry, "updated_at"));
  // The analysis is of the new words (the mock reads the text), not the old one kept.
  CHECK(after["analysis"] != entry["analysis"]);
  // Scenarios are not part of an edit.
  CHECK(scenario_ids(after) == scenario_ids(entry));
  CHECK(get_entry(port, me.access_token, id).body == patched.body);

  // With analyze=false the old analysis is dropped (it describes other words) and none runs.
  const HttpReply skipped =
      api_call(port, "PATCH", path + "?analyze=false",
               R"({"situation": "The exam was moved back again"})", me.access_token);
  REQUIRE(skipped.status == 200);
  CHECK(text_of(skipped.json(), "situation") == "The exam was moved back again");
  CHECK(skipped.json()["analysis"] == rapidjson::Document().Parse(R"({"status":"skipped"})"));
  CHECK(get_entry(port, me.access_token, id).body == skipped.body);

  // POST .../analysis runs it now.
  const HttpReply analysed = api_call(port, "POST", path + "/analysis", "", me.access_token);
  INFO(analysed.body);
  REQUIRE(analysed.status == 200);
  CHECK(text_of(analysed.json()["analysis"], "status") == "ready");
  CHECK(text_of(analysed.json()["analysis"], "provider") == "mock");
  CHECK(get_entry(port, me.access_token, id).body == analysed.body);
}

TEST_CASE("fresh scenarios replace the old ones, as many as asked for", "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "reflect@example.com");
  const auto entry = create_entry(port, me.access_token, exam_entry());
  const std::string path = "/api/v1/entries/" + text_of(entry, "id");
  const auto old_ids = scenario_ids(entry);
  REQUIRE(old_ids.size() == 3);

  const HttpReply two =
      api_call(port, "POST", path + "/scenarios", R"({"count": 2})", me.access_token);
  INFO(two.body);
  REQUIRE(two.status == 200);
  const auto fresh = two.json();
  REQUIRE(fresh.IsObject());
  REQUIRE(fresh["scenarios"].Size() == 2);
  const auto new_ids = scenario_ids(fresh);
  for (const auto& id : new_ids) {
    CHECK(id.size() == 36);
    CHECK(std::find(old_ids.begin(), old_ids.end(), id) == old_ids.end());
  }
  CHECK(new_ids[0] != new_ids[1]);
  const auto stored = get_entry(port, me.access_token, text_of(entry, "id")).json();
  CHECK(scenario_ids(stored) == new_ids);
  CHECK(stored["scenarios"] == fresh["scenarios"]);

  // Without a body, the configured default (3).
  const HttpReply three = api_call(port, "POST", path + "/scenarios", "", me.access_token);
  REQUIRE(three.status == 200);
  CHECK(three.json()["scenarios"].Size() == 3);
}

TEST_CASE("a deleted entry answers 204 once, then 404, and leaves the list", "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "forget@example.com");
  const std::string keep = text_of(create_entry(port, me.access_token, exam_entry()), "id");
  const std::string gone = text_of(create_entry(port, me.access_token, exam_entry()), "id");

  const HttpReply deleted =
      api_call(port, "DELETE", "/api/v1/entries/" + gone, "", me.access_token);
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  const HttpReply got = get_entry(port, me.access_token, gone);
  CHECK(got.status == 404);
  CHECK(error_code(got) == "NOT_FOUND");
  CHECK(api_call(port, "DELETE", "/api/v1/entries/" + gone, "", me.access_token).status == 404);
  CHECK(
      api_call(port, "POST", "/api/v1/entries/" + gone + "/analysis", "", me.access_token).status ==
      404);
  CHECK(list_ids(port, me.access_token) == std::vector<std::string>{keep});
}

TEST_CASE("with analyze=false an entry is saved as skipped and no provider is called",
          "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "quiet@example.com");

  const HttpReply quiet = post_entry(port, me.access_token, exam_entry(), "?analyze=false",
                                     {{"X-Request-ID", "quiet-entry-0001"}});
  INFO(quiet.body);
  REQUIRE(quiet.status == 201);
  const auto entry = quiet.json();
  CHECK(entry["analysis"] == rapidjson::Document().Parse(R"({"status":"skipped"})"));
  CHECK(entry["scenarios"].Size() == 0);
  CHECK(get_entry(port, me.access_token, text_of(entry, "id")).body == quiet.body);

  // A later entry that is analysed leaves its two rows (analysis, scenarios); the recorder
  // writes in order, so once they are there, any row of the first request would be too.
  const HttpReply marker =
      post_entry(port, me.access_token, exam_entry(), "", {{"X-Request-ID", "marker-entry-0002"}});
  REQUIRE(marker.status == 201);
  const auto rows = wait_for_usage(db, 2);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.request_id == "marker-entry-0002");
    CHECK(row.user_id == me.id);
  }
}

TEST_CASE("a user never reaches another user's entries: 404, never 403", "[api][entries]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account owner = register_account(port, "owner@example.com");
  const Account other = register_account(port, "other@example.com");
  const HttpReply created = post_entry(port, owner.access_token, exam_entry());
  REQUIRE(created.status == 201);
  const std::string id = text_of(created.json(), "id");
  const std::string path = "/api/v1/entries/" + id;

  struct Attempt {
    const char* method;
    std::string path;
    const char* body;
  };
  const std::vector<Attempt> attempts = {
      {"GET", path, ""},
      {"PATCH", path, R"({"thoughts": "taken over"})"},
      {"PATCH", path + "?analyze=false", R"({"situation": "taken over"})"},
      {"DELETE", path, ""},
      {"POST", path + "/analysis", ""},
      {"POST", path + "/scenarios", R"({"count": 1})"},
  };
  for (const Attempt& a : attempts) {
    INFO(a.method << " " << a.path);
    const HttpReply reply = api_call(port, a.method, a.path, a.body, other.access_token);
    CHECK(reply.status == 404);
    CHECK(error_code(reply) == "NOT_FOUND");
  }
  CHECK(list_ids(port, other.access_token).empty());
  CHECK(list_ids(port, other.access_token, "emotion=anxious").empty());
  // The owner's entry is untouched.
  CHECK(get_entry(port, owner.access_token, id).body == created.body);
  CHECK(list_ids(port, owner.access_token) == std::vector<std::string>{id});
}

TEST_CASE("every entries route answers 401 without a valid token", "[api][entries]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "token@example.com");
  const std::string id = text_of(create_entry(port, me.access_token, exam_entry()), "id");
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/api/v1/entries"},
      {"GET", "/api/v1/entries"},
      {"GET", "/api/v1/entries/" + id},
      {"PATCH", "/api/v1/entries/" + id},
      {"DELETE", "/api/v1/entries/" + id},
      {"POST", "/api/v1/entries/" + id + "/analysis"},
      {"POST", "/api/v1/entries/" + id + "/scenarios"},
  };
  for (const auto& [method, path] : routes) {
    for (const std::string token : {"", "not-a-token"}) {
      INFO(method << " " << path << " token '" << token << "'");
      const HttpReply reply = api_call(port, method, path, exam_entry(), token);
      CHECK(reply.status == 401);
      CHECK(error_code(reply) == "UNAUTHORIZED");
    }
  }
  // Nothing was created, changed or deleted.
  CHECK(list_ids(port, me.access_token) == std::vector<std::string>{id});
  CHECK(text_of(get_entry(port, me.access_token, id).json(), "situation") == kSituation);
}

TEST_CASE("another method on an entries path is 405 naming the allowed ones", "[api][entries]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const Account me = register_account(server.port(), "methods@example.com");
  const std::string id = text_of(create_entry(server.port(), me.access_token, exam_entry()), "id");
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> cases = {
      {"PUT", "/api/v1/entries/" + id, {"GET", "PATCH", "DELETE"}},
      {"DELETE", "/api/v1/entries", {"GET", "POST"}},
      {"GET", "/api/v1/entries/" + id + "/scenarios", {"POST"}},
  };
  for (const auto& [method, path, allowed] : cases) {
    INFO(method << " " << path);
    const HttpReply reply = api_call(server.port(), method, path, "", me.access_token);
    CHECK(reply.status == 405);
    CHECK(error_code(reply) == "METHOD_NOT_ALLOWED");
    for (const std::string& m : allowed) CHECK_THAT(reply.header("Allow"), Catch::Contains(m));
  }
}

TEST_CASE("paging through the list while another client writes shows every entry once",
          "[api][entries][paging]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "pager@example.com");
  std::vector<std::string> originals;
  for (int i = 0; i < 30; ++i) {
    const auto e = create_entry(port, me.access_token, entry_body("Situation " + std::to_string(i)),
                                "?analyze=false");
    originals.push_back(text_of(e, "id"));
  }

  // Without a limit, a page holds 20.
  const auto first_page = api_call(port, "GET", "/api/v1/entries", "", me.access_token).json();
  CHECK(first_page["items"].Size() == 20);
  CHECK(first_page["next_cursor"].IsString());

  std::atomic<int> written{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) {
      const HttpReply r =
          post_entry(port, me.access_token, entry_body("Meanwhile"), "?analyze=false");
      if (r.status == 201) ++written;
    }
  });
  std::vector<std::string> seen;
  std::vector<std::string> created_at;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    // Let at least one new entry land between two pages.
    const int before = written.load();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (written.load() == before && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(1ms);
    }
    std::string target = "/api/v1/entries?limit=7";
    if (!cursor.empty()) target += "&cursor=" + cursor;
    const HttpReply reply = api_call(port, "GET", target, "", me.access_token);
    REQUIRE(reply.status == 200);
    const auto page = reply.json();
    CHECK(page["items"].Size() <= 7);
    for (const auto& item : page["items"].GetArray()) {
      seen.push_back(text_of(item, "id"));
      created_at.push_back(text_of(item, "created_at"));
    }
    if (page["next_cursor"].IsNull()) break;
    cursor = page["next_cursor"].GetString();
  }
  stop = true;
  writer.join();

  CHECK(written.load() >= 5);
  // Newest first, and no entry twice.
  CHECK(std::is_sorted(created_at.rbegin(), created_at.rend()));
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
  for (const std::string& id : originals) {
    INFO(id);
    CHECK(std::count(seen.begin(), seen.end(), id) == 1);
  }
}
