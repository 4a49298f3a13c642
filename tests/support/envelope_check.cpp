#include "tests/support/envelope_check.h"

#include <catch2/catch.hpp>

#include "tests/support/test_server.h"

namespace moodgate::testing {

void check_envelope(const HttpReply& r, int status, const std::string& code) {
  INFO("answer: " << r.status << " " << r.body);
  REQUIRE(r.status == status);
  CHECK(r.header("content-type").find("application/json") == 0);
  const auto doc = r.json();
  REQUIRE(doc.HasMember("error"));
  CHECK(std::string(doc["error"]["code"].GetString()) == code);
  CHECK(std::string(doc["error"]["message"].GetString()).size() > 0);
  CHECK(doc["error"]["details"].IsObject());
  const std::string rid = doc["error"]["request_id"].GetString();
  CHECK(!rid.empty());
  CHECK(r.header("x-request-id") == rid);
}

std::string get_request(const std::string& target, const std::string& extra) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

SqliteServerFixture::SqliteServerFixture()
    : config(test_config("sqlite:///" + (dir.path() / "t.db").string())) {}

}  // namespace moodgate::testing
