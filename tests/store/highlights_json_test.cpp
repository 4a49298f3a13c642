// Highlights as JSON: the one array the entries table stores and the API shows, read back
// exactly, and a stored text that is not that array read as no highlights, never as an error.
#include "core/store/highlights_json.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using moodgate::store::Highlight;
using moodgate::store::highlights_from_json;
using moodgate::store::highlights_json;

TEST_CASE("highlights are written as an array of {text, polarity} in their order",
          "[store][highlights]") {
  const std::vector<Highlight> highlights{{"calm", "positive"}, {"a \"quoted\" bit", "neutral"}};
  CHECK(
      highlights_json(highlights) ==
      R"([{"text":"calm","polarity":"positive"},{"text":"a \"quoted\" bit","polarity":"neutral"}])");
  CHECK(highlights_json({}) == "[]");
}

TEST_CASE("highlights read back what was written", "[store][highlights]") {
  const std::vector<Highlight> highlights{{"calm", "positive"}, {"tired, ünïcode", "negative"}};
  const std::vector<Highlight> back = highlights_from_json(highlights_json(highlights));
  REQUIRE(back.size() == 2);
  for (std::size_t i = 0; i < back.size(); ++i) {
    CHECK(back[i].text == highlights[i].text);
    CHECK(back[i].polarity == highlights[i].polarity);
  }
}

TEST_CASE("stored highlights that are not {text, polarity} items are left out",
          "[store][highlights]") {
  CHECK(highlights_from_json("not json").empty());
  CHECK(highlights_from_json(R"({"text":"calm","polarity":"positive"})").empty());
  const auto some = highlights_from_json(
      R"([1, {"text":"calm"}, {"text":2,"polarity":"neutral"}, {"text":"kept","polarity":"negative"}])");
  REQUIRE(some.size() == 1);
  CHECK(some[0].text == "kept");
  CHECK(some[0].polarity == "negative");
}
