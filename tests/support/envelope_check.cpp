#include "tests/support/envelope_check.h"

#include <catch2/catch.hpp>

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

}  // namespace moodgate::testing
