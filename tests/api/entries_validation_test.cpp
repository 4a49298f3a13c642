// API.md's field rules for entries, over HTTP: every bad field is a 400 INVALID_INPUT naming it
// (emotions[1].name, limit, cursor, ...), nothing is saved or changed by a refused request,
// lengths count characters rather than bytes, bodies that are not JSON are 415 or 400, unknown
// fields are ignored; and the list's from/to: a date is a whole UTC day, a timestamp's offset
// is honoured.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
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

struct Bad {
  std::string body;  // or query, for the parameter cases
  std::string field;
};

std::string repeat(const std::string& piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

std::string with_emotions(const std::string& emotions_json) {
  return R"({"situation": "A walk in the rain", "emotions": )" + emotions_json + "}";
}

// A refusal: 400 INVALID_INPUT naming `field`, with a message.
void check_refused(const HttpReply& reply, const std::string& field) {
  INFO(reply.body);
  CHECK(reply.status == 400);
  CHECK(error_code(reply) == "INVALID_INPUT");
  CHECK(error_field(reply) == field);
  CHECK_FALSE(error_message(reply).empty());
}

// `t` written in the zone `offset_minutes` east of UTC, e.g. "2026-11-22T11:15:02.123%2B02:00".
std::string in_zone(WallClock::time_point t, int offset_minutes) {
  std::string local = format_rfc3339_ms(t + std::chrono::minutes(offset_minutes));
  local.pop_back();  // the Z
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char zone[16];
  std::snprintf(zone, sizeof zone, "%s%02d:%02d", offset_minutes < 0 ? "-" : "%2B", a / 60, a % 60);
  return local + zone;
}

// A request with a body and no Content-Type at all.
std::string untyped_request(const std::string& method, const std::string& path,
                            const std::string& authorization, const std::string& body) {
  return method + " " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: " + authorization +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

}  // namespace

TEST_CASE("situation and thoughts are refused with a 400 naming them when they break the rules",
          "[api][entries][validation]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "rules@example.com");
  const std::string emotions = R"(, "emotions": [{"name": "calm", "intensity": 0.5}]})";
  const std::vector<Bad> cases = {
      {R"({"emotions": [{"name": "calm", "intensity": 0.5}]})", "situation"},
      {R"({"situation": null)" + emotions, "situation"},
      {R"({"situation": 42)" + emotions, "situation"},
      {R"({"situation": ["a"])" + emotions, "situation"},
      {R"({"situation": "")" + emotions, "situation"},
      {R"({"situation": " \n\t  ")" + emotions, "situation"},
      {R"({"situation": )" + quoted(std::string(5001, 's')) + emotions, "situation"},
      {R"({"situation": )" + quoted(repeat("\xc3\xa9", 5001)) + emotions, "situation"},
      {R"({"situation": "ok", "thoughts": )" + quoted(std::string(5001, 't')) + emotions,
       "thoughts"},
      {R"({"situation": "ok", "thoughts": 7)" + emotions, "thoughts"},
      {R"({"situation": "ok", "thoughts": {"a": 1})" + emotions, "thoughts"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.body.substr(0, 200));
    check_refused(post_entry(port, me.access_token, bad.body), bad.field);
  }
  CHECK(list_ids(port, me.access_token).empty());

  // Characters are counted, not bytes: 5000 two-byte characters fit, as do 5000 of thoughts.
  const auto wide =
      create_entry(port, me.access_token,
                   R"({"situation": )" + quoted(repeat("\xc3\xa9", 5000)) + R"(, "thoughts": )" +
                       quoted(repeat("\xe2\x82\xac", 5000)) + emotions,
                   "?analyze=false");
  CHECK(text_of(wide, "situation") == repeat("\xc3\xa9", 5000));
  CHECK(text_of(wide, "thoughts") == repeat("\xe2\x82\xac", 5000));
  // Surrounding white space is trimmed; thoughts may be absent or null.
  const auto trimmed = create_entry(
      port, me.access_token, R"({"situation": "  Rain again \n", "thoughts": null)" + emotions,
      "?analyze=false");
  CHECK(text_of(trimmed, "situation") == "Rain again");
  CHECK(text_of(trimmed, "thoughts").empty());
}

TEST_CASE("text holding a NUL character is refused on every backend, never stored cut short",
          "[api][entries][validation]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "nul@example.com");
  const std::string emotions = R"(, "emotions": [{"name": "calm", "intensity": 0.5}]})";
  check_refused(post_entry(port, me.access_token, R"({"situation": "before\u0000after")" + emotions,
                           "?analyze=false"),
                "situation");
  check_refused(
      post_entry(port, me.access_token, R"({"situation": "ok", "thoughts": "x\u0000y")" + emotions),
      "thoughts");
  check_refused(post_entry(port, me.access_token,
                           with_emotions(R"([{"name": "ca\u0000lm", "intensity": 0.5}])")),
                "emotions[0].name");
  CHECK(list_ids(port, me.access_token).empty());
  const auto entry = create_entry(port, me.access_token, entry_body("Clean"), "?analyze=false");
  check_refused(api_call(port, "PATCH", "/api/v1/entries/" + text_of(entry, "id"),
                         R"({"thoughts": "cut\u0000here"})", me.access_token),
                "thoughts");
  CHECK(text_of(get_entry(port, me.access_token, text_of(entry, "id")).json(), "thoughts").empty());
}

TEST_CASE("emotions are checked item by item, and the 400 names the item's field",
          "[api][entries][validation]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "feelings@example.com");
  std::string thirteen = "[";
  for (int i = 0; i < 13; ++i) {
    thirteen += (i ? "," : "") + std::string(R"({"name": "e)") + std::to_string(i) +
                R"(", "intensity": 0.5})";
  }
  thirteen += "]";
  const std::vector<Bad> cases = {
      {R"({"situation": "A walk in the rain"})", "emotions"},
      {with_emotions("null"), "emotions"},
      {with_emotions(R"("calm")"), "emotions"},
      {with_emotions(R"({"name": "calm", "intensity": 0.5})"), "emotions"},
      {with_emotions("[]"), "emotions"},
      {with_emotions(thirteen), "emotions"},
      {with_emotions("[1]"), "emotions[0]"},
      {with_emotions(R"(["calm"])"), "emotions[0]"},
      {with_emotions(R"([{"intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": null, "intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": "", "intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": "   ", "intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": )" + quoted(std::string(41, 'x')) + R"(, "intensity": 0.5}])"),
       "emotions[0].name"},
      {with_emotions(R"([{"name": 7, "intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": "a\u0007b", "intensity": 0.5}])"), "emotions[0].name"},
      {with_emotions(R"([{"name": "calm"}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": null}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": -0.1}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": 1.5}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": "0.5"}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": true}])"), "emotions[0].intensity"},
      {with_emotions(R"([{"name": "calm", "intensity": 0.5}, {"name": "sad", "intensity": 2}])"),
       "emotions[1].intensity"},
      {with_emotions(R"([{"name": "Calm", "intensity": 0.5}, {"name": "calm", "intensity": 0.1}])"),
       "emotions[1].name"},
      {with_emotions(R"([{"name": "sad", "intensity": 0.5}, {"name": "joy", "intensity": 0.5},)"
                     R"( {"name": " SAD ", "intensity": 0.1}])"),
       "emotions[2].name"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.body.substr(0, 200));
    check_refused(post_entry(port, me.access_token, bad.body), bad.field);
  }
  // API.md's example: the value out of range comes back in the details.
  const HttpReply high =
      post_entry(port, me.access_token, with_emotions(R"([{"name": "calm", "intensity": 1.5}])"));
  CHECK(high.json()["error"]["details"]["value"].GetDouble() == 1.5);
  CHECK(list_ids(port, me.access_token).empty());

  // The edges are fine: 12 emotions, a 40-character name, intensities 0 and 1 as integers.
  std::string twelve = "[";
  for (int i = 0; i < 12; ++i) {
    twelve += (i ? "," : "") + std::string(R"({"name": "e)") + std::to_string(i) +
              R"(", "intensity": )" + (i % 2 ? "0" : "1") + "}";
  }
  twelve += "]";
  CHECK(create_entry(port, me.access_token, with_emotions(twelve), "?analyze=false")["emotions"]
            .Size() == 12);
  const auto edge =
      create_entry(port, me.access_token,
                   with_emotions(R"([{"name": )" + quoted(" " + std::string(40, 'Q') + " ") +
                                 R"(, "intensity": 0}])"),
                   "?analyze=false");
  CHECK(text_of(edge["emotions"][0], "name") == std::string(40, 'q'));
  CHECK(edge["emotions"][0]["intensity"].GetDouble() == 0);
}

TEST_CASE("a PATCH names at least one known field, and a refused one changes nothing",
          "[api][entries][validation]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "patch@example.com");
  const HttpReply created =
      post_entry(port, me.access_token, entry_body("Original", "first", {{"calm", 0.4}}));
  REQUIRE(created.status == 201);
  const std::string path = "/api/v1/entries/" + text_of(created.json(), "id");

  for (const std::string body : {"{}", R"({"mood": "better"})", R"({"Situation": "case"})"}) {
    INFO(body);
    const HttpReply reply = api_call(port, "PATCH", path, body, me.access_token);
    CHECK(reply.status == 400);
    CHECK(error_code(reply) == "INVALID_INPUT");
    CHECK_FALSE(error_field(reply).empty());
  }
  const std::vector<Bad> cases = {
      {R"({"emotions": null})", "emotions"},
      {R"({"emotions": []})", "emotions"},
      {R"({"emotions": [{"name": "calm", "intensity": 3}]})", "emotions[0].intensity"},
      {R"({"situation": null})", "situation"},
      {R"({"situation": ""})", "situation"},
      {R"({"situation": )" + quoted(std::string(5001, 's')) + "}", "situation"},
      {R"({"thoughts": 5})", "thoughts"},
      {R"({"thoughts": "fine", "emotions": "calm"})", "emotions"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.body.substr(0, 200));
    check_refused(api_call(port, "PATCH", path, bad.body, me.access_token), bad.field);
  }
  check_refused(
      api_call(port, "PATCH", path + "?analyze=maybe", R"({"thoughts": "x"})", me.access_token),
      "analyze");
  CHECK(api_call(port, "GET", path, "", me.access_token).body == created.body);
}

TEST_CASE("query parameters and the scenarios count are checked, naming the parameter",
          "[api][entries][validation]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "params@example.com");
  const auto entry = create_entry(port, me.access_token, entry_body("Params"));
  const std::string path = "/api/v1/entries/" + text_of(entry, "id");

  const std::vector<Bad> queries = {
      {"limit=0", "limit"},
      {"limit=101", "limit"},
      {"limit=abc", "limit"},
      {"limit=-1", "limit"},
      {"limit=2.5", "limit"},
      {"limit=", "limit"},
      {"cursor=garbage!", "cursor"},
      {"cursor=YWJj", "cursor"},
      {"from=2026-13-01", "from"},
      {"from=yesterday", "from"},
      {"to=2026-02-30", "to"},
      {"to=2026-11-22T25:00:00Z", "to"},
      {"to=2026-11-22T10:00:00", "to"},
      {"from=2026-11-22%2009:00:00Z", "from"},
      {"emotion=", "emotion"},
  };
  for (const Bad& bad : queries) {
    INFO(bad.body);
    check_refused(api_call(port, "GET", "/api/v1/entries?" + bad.body, "", me.access_token),
                  bad.field);
  }
  CHECK(list_ids(port, me.access_token, "", 1).size() == 1);
  CHECK(list_ids(port, me.access_token, "", 100).size() == 1);

  check_refused(post_entry(port, me.access_token, entry_body("Maybe"), "?analyze=maybe"),
                "analyze");
  CHECK(list_ids(port, me.access_token).size() == 1);

  for (const Bad& bad : std::vector<Bad>{{R"({"count": 0})", "count"},
                                         {R"({"count": 11})", "count"},
                                         {R"({"count": "3"})", "count"},
                                         {R"({"count": 2.5})", "count"},
                                         {R"({"count": -1})", "count"}}) {
    INFO(bad.body);
    check_refused(api_call(port, "POST", path + "/scenarios", bad.body, me.access_token),
                  bad.field);
  }
  const auto after = api_call(port, "GET", path, "", me.access_token).json();
  CHECK(scenario_ids(after) == scenario_ids(entry));
}

TEST_CASE("bodies that are not JSON are 415 or 400, and unknown fields are ignored",
          "[api][entries][validation]") {
  auto db = make_test_database("sqlite");
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "shape@example.com");
  const std::string bearer = "Bearer " + me.access_token;
  const std::string good = entry_body("Shapes");

  const HttpReply untyped =
      http_raw(port, untyped_request("POST", "/api/v1/entries", bearer, good));
  CHECK(untyped.status == 415);
  CHECK(error_code(untyped) == "UNSUPPORTED_MEDIA_TYPE");
  const HttpReply text = http_request(port, "POST", "/api/v1/entries", good,
                                      {{"Authorization", bearer}, {"Content-Type", "text/plain"}});
  CHECK(text.status == 415);
  for (const std::string body : {"{", "[]", "\"entry\"", "{\"situation\": \"a\"}}", "nul"}) {
    INFO(body);
    const HttpReply reply = post_entry(port, me.access_token, body);
    CHECK(reply.status == 400);
    CHECK(error_code(reply) == "INVALID_INPUT");
  }
  CHECK(list_ids(port, me.access_token).empty());

  const auto entry = create_entry(
      port, me.access_token,
      R"({"situation": "Shapes", "mood": "great", "weather": {"sunny": true}, "emotions":)"
      R"( [{"name": "calm", "intensity": 0.5, "colour": "blue"}], "id": "mine"})",
      "?analyze=false");
  CHECK(text_of(entry, "id") != "mine");
  CHECK(text_of(entry, "situation") == "Shapes");
  const std::string path = "/api/v1/entries/" + text_of(entry, "id");
  CHECK(api_call(port, "PATCH", path, "{", me.access_token).status == 400);
  CHECK(http_raw(port, untyped_request("PATCH", path, bearer, R"({"thoughts": "x"})")).status ==
        415);
  CHECK(api_call(port, "POST", path + "/scenarios", "{", me.access_token).status == 400);
}

TEST_CASE("from and to: a date is a whole UTC day, a timestamp's offset is honoured",
          "[api][entries][validation]") {
  const auto backend = GENERATE(from_range(test_backend_names()));
  INFO(backend);
  auto db = make_test_database(backend);
  TestServer server(test_config(db.url()));
  const auto port = server.port();
  const Account me = register_account(port, "range@example.com");
  const auto entry = create_entry(port, me.access_token,
                                  entry_body("In range", "", {{"Anxious", 0.7}}), "?analyze=false");
  const std::string id = text_of(entry, "id");
  const std::string created = text_of(entry, "created_at");
  const auto t = parse_rfc3339_ms(created);
  REQUIRE(t.has_value());
  const std::string day = created.substr(0, 10);
  const std::string day_before = format_rfc3339_ms(*t - 24h).substr(0, 10);
  const std::string day_after = format_rfc3339_ms(*t + 24h).substr(0, 10);

  const std::vector<std::pair<std::string, bool>> filters = {
      {"to=" + day, true},  // the whole day, however late the entry was written
      {"to=" + day_before, false},
      {"from=" + day, true},
      {"from=" + day_after, false},
      {"from=" + day + "&to=" + day, true},
      {"from=" + created, true},  // from is inclusive
      {"to=" + created, false},   // to is exclusive
      {"from=" + format_rfc3339_ms(*t + 1ms), false},
      // A minute before, written two hours east of UTC: taken as UTC, it would be after.
      {"from=" + in_zone(*t - 1min, 120), true},
      {"from=" + in_zone(*t + 1min, 120), false},
      // A minute after, written five hours west of UTC: taken as UTC, it would be before.
      {"to=" + in_zone(*t + 1min, -300), true},
      {"to=" + in_zone(*t - 1min, -300), false},
      // The widest range there is: open ends a client may well write this way.
      {"from=1970-01-01&to=9999-12-31", true},
      {"to=9999-12-31T23:30:00-05:00", true},
      {"emotion=anxious", true},
      {"emotion=%20ANXIOUS%20", true},
      {"emotion=calm", false},
  };
  for (const auto& [query, included] : filters) {
    INFO(query);
    const auto ids = list_ids(port, me.access_token, query);
    CHECK(ids == (included ? std::vector<std::string>{id} : std::vector<std::string>{}));
  }
}
