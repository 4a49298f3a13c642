// The visualizations API over real HTTP on both backends, with the mock painting: a job is
// accepted with 202 and a Location, polled until it succeeded, its PNG served byte for byte
// with an ETag (304 when it matches) and a year's private caching; other users see 404; lists
// page; deleting a visualization or its entry removes it and its image.
#include <catch2/catch.hpp>

#include "core/common/digest.h"

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <soci/soci.h>

#include "core/common/time_format.h"
#include "core/services/image_info.h"
#include "core/store/visualizations_repository.h"
#include "tests/support/api_client.h"
#include "tests/support/test_databases.h"
#include "tests/support/test_entries.h"
#include "tests/support/test_server.h"

using namespace moodgate;
using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

struct Setup {
  explicit Setup(const std::string& backend) : test_db(make_test_database(backend)) {
    config::Config cfg = test_config(test_db.url());
    cfg.visualizations.poll_interval_ms = 50;
    server = std::make_unique<TestServer>(cfg);
    db = open_or_fail(test_db.config(2));
    alice = register_account(server->port(), "alice@example.com");
    bob = register_account(server->port(), "bob@example.com");
    entry = create_test_entry(*db, alice.id);
  }
  ~Setup() {
    db.reset();
    server.reset();
  }
  std::uint16_t port() const { return server->port(); }

  HttpReply call(const std::string& method, const std::string& path, const Account& who,
                 const std::string& body = "") const {
    return api_call(port(), method, path, body, who.access_token);
  }
  HttpReply create(const Account& who, const std::string& entry_id, const std::string& body = "") {
    return call("POST", "/api/v1/entries/" + entry_id + "/visualizations", who, body);
  }
  // GET the visualization until it is no longer queued or running (at most 20 s).
  rapidjson::Document settled(const std::string& id) {
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
      const HttpReply reply = call("GET", "/api/v1/visualizations/" + id, alice);
      REQUIRE(reply.status == 200);
      auto doc = reply.json();
      const std::string status = doc["status"].GetString();
      if (status == "succeeded" || status == "failed") return doc;
    }
    FAIL("visualization " << id << " did not finish in time");
    return {};
  }

  TestDatabase test_db;
  std::unique_ptr<TestServer> server;
  std::unique_ptr<store::Database> db;
  Account alice;
  Account bob;
  std::string entry;
};

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? v.GetString() : "<not a string>";
}

}  // namespace

TEST_CASE("a visualization is accepted, painted, and its image served with ETag and caching",
          "[api][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Setup s(backend);

  const HttpReply accepted = s.create(s.alice, s.entry, R"({"style": "watercolor"})");
  REQUIRE(accepted.status == 202);
  const auto job = accepted.json();
  const std::string id = str(job["id"]);
  CHECK(accepted.header("location") == "/api/v1/visualizations/" + id);
  CHECK(str(job["entry_id"]) == s.entry);
  CHECK(str(job["style"]) == "watercolor");
  CHECK(str(job["aspect_ratio"]) == "1:1");
  CHECK(str(job["status"]) == "queued");
  for (const char* absent : {"image_url", "mime_type", "width", "height", "provider", "model",
                             "error", "completed_at"}) {
    INFO(absent);
    REQUIRE(job.HasMember(absent));
    CHECK(job[absent].IsNull());
  }
  CHECK(job["attempts"].GetInt() == 0);
  CHECK(parse_rfc3339_ms(str(job["created_at"])).has_value());

  const auto done = s.settled(id);
  REQUIRE(str(done["status"]) == "succeeded");
  const std::string image_url = "/api/v1/visualizations/" + id + "/image";
  CHECK(str(done["image_url"]) == image_url);
  CHECK(str(done["mime_type"]) == "image/png");
  CHECK(done["width"].GetInt() == 256);
  CHECK(done["height"].GetInt() == 256);
  CHECK(str(done["provider"]) == "mock");
  CHECK(str(done["model"]) == "mock-1");
  CHECK(done["error"].IsNull());
  CHECK(done["attempts"].GetInt() == 1);
  CHECK(parse_rfc3339_ms(str(done["completed_at"])).has_value());

  const HttpReply image = s.call("GET", image_url, s.alice);
  REQUIRE(image.status == 200);
  CHECK(image.header("content-type") == "image/png");
  CHECK(image.header("cache-control") == "private, max-age=31536000, immutable");
  const std::string etag = "\"" + digest::sha256_hex(image.body) + "\"";
  CHECK(image.header("etag") == etag);
  const auto info = services::image_info(image.body);
  REQUIRE(info);
  CHECK(info->width == 256);
  // Byte for byte what the database holds.
  auto stored = s.db->run("test.image", [&](soci::session& sql) {
    return store::VisualizationsRepository(sql).image(s.alice.id, id);
  });
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK(image.body == (*stored)->bytes);

  const HttpReply cached = api_call(s.port(), "GET", image_url, "", s.alice.access_token,
                                    {{"If-None-Match", "\"other\", " + etag}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  CHECK(cached.header("etag") == etag);
  const HttpReply changed = api_call(s.port(), "GET", image_url, "", s.alice.access_token,
                                     {{"If-None-Match", "\"other\""}});
  CHECK(changed.status == 200);
  CHECK(changed.body == image.body);
}

TEST_CASE(
    "an empty body takes the defaults; bad styles, ratios and bodies are 400 naming the field",
    "[api][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Setup s(backend);

  const HttpReply plain = s.create(s.alice, s.entry);
  REQUIRE(plain.status == 202);
  CHECK(str(plain.json()["style"]) == "abstract");
  CHECK(str(plain.json()["aspect_ratio"]) == "1:1");
  const HttpReply wide = s.create(s.alice, s.entry, R"({"aspect_ratio": "16:9", "extra": 1})");
  REQUIRE(wide.status == 202);
  CHECK(str(wide.json()["aspect_ratio"]) == "16:9");

  HttpReply bad = s.create(s.alice, s.entry, R"({"style": "cubist"})");
  CHECK(bad.status == 400);
  CHECK(error_field(bad) == "style");
  CHECK_THAT(error_message(bad), Catch::Contains("watercolor"));
  bad = s.create(s.alice, s.entry, R"({"aspect_ratio": "2:1"})");
  CHECK(bad.status == 400);
  CHECK(error_field(bad) == "aspect_ratio");
  CHECK_THAT(error_message(bad), Catch::Contains("9:16"));
  bad = s.create(s.alice, s.entry, R"({"style": 3})");
  CHECK(bad.status == 400);
  CHECK(error_field(bad) == "style");
  bad = s.create(s.alice, s.entry, R"(["watercolor"])");
  CHECK(bad.status == 400);
  CHECK(error_code(bad) == "INVALID_INPUT");

  bad = s.call("GET", "/api/v1/visualizations?limit=0", s.alice);
  CHECK(bad.status == 400);
  CHECK(error_field(bad) == "limit");
  bad = s.call("GET", "/api/v1/visualizations?limit=abc", s.alice);
  CHECK(error_field(bad) == "limit");
  bad = s.call("GET", "/api/v1/visualizations?cursor=bogus", s.alice);
  CHECK(bad.status == 400);
  CHECK(error_field(bad) == "cursor");
  CHECK(api_call(s.port(), "GET", "/api/v1/visualizations").status == 401);
}

TEST_CASE("another user's entry and visualizations answer 404 on every route", "[api][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Setup s(backend);
  const HttpReply accepted = s.create(s.alice, s.entry);
  REQUIRE(accepted.status == 202);
  const std::string id = str(accepted.json()["id"]);
  REQUIRE(str(s.settled(id)["status"]) == "succeeded");

  const HttpReply post = s.create(s.bob, s.entry);
  CHECK(post.status == 404);
  CHECK(error_code(post) == "NOT_FOUND");
  for (const auto& [method, path] : {std::pair{"GET", "/api/v1/visualizations/" + id},
                                     std::pair{"GET", "/api/v1/visualizations/" + id + "/image"},
                                     std::pair{"DELETE", "/api/v1/visualizations/" + id}}) {
    INFO(method << " " << path);
    const HttpReply reply = s.call(method, path, s.bob);
    CHECK(reply.status == 404);
    CHECK(error_code(reply) == "NOT_FOUND");
  }
  CHECK(s.call("GET", "/api/v1/visualizations", s.bob).json()["items"].Size() == 0);
  CHECK(s.create(s.alice, "no-such-entry").status == 404);
  // Still there for its owner.
  CHECK(s.call("GET", "/api/v1/visualizations/" + id + "/image", s.alice).status == 200);
}

TEST_CASE("visualizations list newest first in pages, filtered by entry", "[api][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Setup s(backend);
  const std::string other_entry = create_test_entry(*s.db, s.alice.id);
  std::vector<std::string> made;  // oldest first
  for (int i = 0; i < 5; ++i) {
    const HttpReply r = s.create(s.alice, i < 3 ? s.entry : other_entry);
    REQUIRE(r.status == 202);
    made.push_back(str(r.json()["id"]));
    // Rows of one millisecond are ordered by id: keep insertion order visible.
    const std::string created = str(r.json()["created_at"]);
    while (format_rfc3339_ms(WallClock::now()) <= created) std::this_thread::sleep_for(1ms);
  }

  std::vector<std::string> seen;
  std::string next = "/api/v1/visualizations?limit=2";
  for (int page = 0; page < 5 && !next.empty(); ++page) {
    const HttpReply reply = s.call("GET", next, s.alice);
    REQUIRE(reply.status == 200);
    const auto doc = reply.json();
    for (const auto& item : doc["items"].GetArray()) seen.push_back(str(item["id"]));
    next = doc["next_cursor"].IsNull()
               ? ""
               : "/api/v1/visualizations?limit=2&cursor=" + str(doc["next_cursor"]);
  }
  CHECK(seen == std::vector<std::string>(made.rbegin(), made.rend()));

  const auto filtered =
      s.call("GET", "/api/v1/visualizations?entry_id=" + other_entry, s.alice).json();
  REQUIRE(filtered["items"].Size() == 2);
  CHECK(str(filtered["items"][0]["id"]) == made[4]);
  CHECK(str(filtered["items"][1]["id"]) == made[3]);
  CHECK(filtered["next_cursor"].IsNull());
}

TEST_CASE("deleting a visualization or its entry removes it and its image", "[api][viz]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  Setup s(backend);
  const std::string first = str(s.create(s.alice, s.entry).json()["id"]);
  const std::string second = str(s.create(s.alice, s.entry).json()["id"]);
  REQUIRE(str(s.settled(first)["status"]) == "succeeded");
  REQUIRE(str(s.settled(second)["status"]) == "succeeded");
  CHECK(count_rows(*s.db, "visualization_images", "visualization_id", first) == 1);

  CHECK(s.call("DELETE", "/api/v1/visualizations/" + first, s.alice).status == 204);
  CHECK(s.call("GET", "/api/v1/visualizations/" + first, s.alice).status == 404);
  CHECK(s.call("GET", "/api/v1/visualizations/" + first + "/image", s.alice).status == 404);
  CHECK(s.call("DELETE", "/api/v1/visualizations/" + first, s.alice).status == 404);
  CHECK(count_rows(*s.db, "visualization_images", "visualization_id", first) == 0);

  delete_test_entry(*s.db, s.entry);
  CHECK(s.call("GET", "/api/v1/visualizations/" + second, s.alice).status == 404);
  CHECK(s.call("GET", "/api/v1/visualizations/" + second + "/image", s.alice).status == 404);
  CHECK(count_rows(*s.db, "visualizations", "entry_id", s.entry) == 0);
  CHECK(count_rows(*s.db, "visualization_images", "visualization_id", second) == 0);
}
