// Entity tags and If-None-Match, as conditional GETs (GET /openapi.json, /docs) use them.
#include <catch2/catch.hpp>

#include "core/http/etag.h"

using moodgate::http::if_none_match_matches;
using moodgate::http::strong_etag;

TEST_CASE("a strong ETag is a quoted hash that changes with the body", "[http][etag]") {
  const std::string tag = strong_etag("hello");
  CHECK(tag.size() == 18);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(strong_etag("hello") == tag);
  CHECK(strong_etag("hello!") != tag);
  CHECK(strong_etag("") != tag);
}

TEST_CASE("If-None-Match matches the tag itself, in a list, weakly, or as *", "[http][etag]") {
  const std::string tag = strong_etag("body");
  CHECK(if_none_match_matches(tag, tag));
  CHECK(if_none_match_matches("\"other\", " + tag, tag));
  CHECK(if_none_match_matches("\"a\",\"b\" ,  " + tag + " ", tag));
  CHECK(if_none_match_matches("W/" + tag, tag));
  CHECK(if_none_match_matches("*", tag));
}

TEST_CASE("If-None-Match does not match another tag, an unquoted one or nothing", "[http][etag]") {
  const std::string tag = strong_etag("body");
  CHECK_FALSE(if_none_match_matches(std::nullopt, tag));
  CHECK_FALSE(if_none_match_matches("", tag));
  CHECK_FALSE(if_none_match_matches(strong_etag("other body"), tag));
  CHECK_FALSE(if_none_match_matches(tag.substr(1, tag.size() - 2), tag));
  CHECK_FALSE(if_none_match_matches(",,", tag));
}
