// moodgate/json.h: parse_json reads one JSON value without recursion and refuses, as a value,
// anything nested deeper than its limit (64 unless asked otherwise), invalid JSON, trailing
// content and, when asked, invalid UTF-8.
#include <pthread.h>

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "moodgate/json.h"
#include "tests/support/deep_json.h"

using moodgate::sdk::JsonError;
using moodgate::sdk::JsonOptions;
using moodgate::sdk::kMaxJsonDepth;
using moodgate::sdk::parse_json;
using moodgate::testing::nested_arrays;
using moodgate::testing::nested_objects;

namespace {

// Runs `work` on a thread whose whole stack is 256 KiB: a parser that recursed once per level
// would overflow it long before 150,000 levels (and crash the test run, which is the point).
void on_small_stack(std::function<void()> work) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  const int started = pthread_create(&thread, &attr, run, &work);
  pthread_attr_destroy(&attr);
  REQUIRE(started == 0);
  REQUIRE(pthread_join(thread, nullptr) == 0);
}

// What parse_json says about `text`, parsed on a small stack.
std::optional<JsonError> parse_on_small_stack(const std::string& text, JsonOptions options = {}) {
  std::optional<JsonError> error;
  on_small_stack([&] {
    rapidjson::Document doc;
    error = parse_json(text, doc, options);
  });
  return error;
}

}  // namespace

TEST_CASE("parse_json reads arrays and objects nested 64 levels deep", "[json]") {
  rapidjson::Document doc;
  REQUIRE_FALSE(parse_json(nested_arrays(64), doc));
  const rapidjson::Value* v = &doc;
  int depth = 0;
  while (v->IsArray() && !v->Empty()) v = &(*v)[0], ++depth;
  CHECK(depth == 63);  // the 64th array is the empty one

  REQUIRE_FALSE(parse_json(nested_objects(64), doc));
  v = &doc;
  depth = 0;
  while (v->IsObject()) v = &(*v)["a"], ++depth;
  CHECK(depth == 64);
  CHECK(v->GetInt() == 1);
}

TEST_CASE("parse_json refuses 65 levels as too deep, naming the limit", "[json]") {
  for (const std::string& text : {nested_arrays(65), nested_objects(65)}) {
    INFO(text.substr(0, 20));
    rapidjson::Document doc;
    const auto error = parse_json(text, doc);
    REQUIRE(error);
    CHECK(error->too_deep());
    CHECK(error->max_depth == kMaxJsonDepth);
    CHECK(error->describe() == "nests deeper than 64 levels");
    CHECK(doc.IsNull());
  }
}

TEST_CASE("parse_json refuses 150000 nested brackets or objects without deep recursion", "[json]") {
  for (const std::string& text : {nested_arrays(150'000, false), nested_objects(150'000, false),
                                  nested_arrays(150'000), nested_objects(150'000)}) {
    INFO(text.substr(0, 20) << " ... " << text.size() << " bytes");
    const auto error = parse_on_small_stack(text);
    REQUIRE(error);
    CHECK(error->too_deep());
    CHECK(error->offset < 1000);  // it stopped at the 65th level, not at the end
  }
}

TEST_CASE("parse_json takes another depth limit when asked", "[json]") {
  rapidjson::Document doc;
  JsonOptions shallow;
  shallow.max_depth = 2;
  CHECK_FALSE(parse_json(R"({"a": [1, 2]})", doc, shallow));
  const auto error = parse_json(R"({"a": [{}]})", doc, shallow);
  REQUIRE(error);
  CHECK(error->describe() == "nests deeper than 2 levels");
  JsonOptions scalars_only;
  scalars_only.max_depth = 0;
  CHECK_FALSE(parse_json("\"text\"", doc, scalars_only));
  CHECK(parse_json("[]", doc, scalars_only));
}

TEST_CASE("parse_json refuses trailing content after the value, with where it is", "[json]") {
  rapidjson::Document doc;
  REQUIRE_FALSE(parse_json(" {\"a\": 1} \n", doc));
  const auto error = parse_json(R"({"a": 1} {"b": 2})", doc);
  REQUIRE(error);
  CHECK_FALSE(error->too_deep());
  CHECK(error->code == rapidjson::kParseErrorDocumentRootNotSingular);
  CHECK(error->offset == 9);
  CHECK(error->describe() ==
        "is not valid JSON: The document root must not be followed by other values. (offset 9)");
  CHECK(doc.IsNull());
}

TEST_CASE("parse_json refuses malformed and empty texts as invalid, not too deep", "[json]") {
  rapidjson::Document doc;
  for (const std::string text : {"", "[1, 2", "{\"a\" 1}", "nul", "[1,]"}) {
    INFO(text);
    const auto error = parse_json(text, doc);
    REQUIRE(error);
    CHECK(error->kind == JsonError::Kind::kInvalid);
    CHECK(error->code != rapidjson::kParseErrorNone);
  }
}

TEST_CASE("parse_json refuses invalid UTF-8 only when asked to validate it", "[json]") {
  const std::string text = "{\"a\": \"caf\xC3\"}";
  rapidjson::Document doc;
  CHECK_FALSE(parse_json(text, doc));
  JsonOptions validating;
  validating.validate_utf8 = true;
  const auto error = parse_json(text, doc, validating);
  REQUIRE(error);
  CHECK(error->code == rapidjson::kParseErrorStringInvalidEncoding);
  CHECK_FALSE(parse_json("{\"a\": \"caf\xC3\xA9\"}", doc, validating));
  CHECK(std::string(doc["a"].GetString()) == "caf\xC3\xA9");
}

TEST_CASE("parse_json replaces what the document held and reads text without a terminator",
          "[json]") {
  rapidjson::Document doc;
  REQUIRE_FALSE(parse_json("[1, 2, 3]", doc));
  REQUIRE_FALSE(parse_json(std::string_view("{\"b\": true}garbage", 11), doc));
  REQUIRE(doc.IsObject());
  CHECK(doc["b"].IsTrue());
  CHECK(doc.MemberCount() == 1);
}

TEST_CASE("parse_json reads a wide shallow value of any size", "[json]") {
  std::string text = "[";
  for (int i = 0; i < 100'000; ++i) text += i == 0 ? "{\"n\": 0}" : ",{\"n\": 0}";
  text += "]";
  rapidjson::Document doc;
  REQUIRE_FALSE(parse_json(text, doc));
  CHECK(doc.Size() == 100'000);
}
