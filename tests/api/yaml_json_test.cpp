// yaml_to_json: each YAML scalar gets the JSON type its writing asks for, and nothing meant as
// text turns into a number or a boolean.
#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <string>

#include "core/api/yaml_json.h"

using moodgate::api::yaml_to_json;

namespace {

// The JSON yaml_to_json makes of `yaml`, parsed back (FAILs when conversion or parsing fails).
rapidjson::Document convert(const std::string& yaml) {
  auto json = yaml_to_json(yaml);
  if (!json.ok()) FAIL("yaml_to_json failed: " << json.error().message);
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  if (doc.HasParseError()) FAIL("not JSON: " << *json);
  return doc;
}

// The value of `key: <text>` as JSON.
rapidjson::Document value_of(const std::string& text) {
  rapidjson::Document doc = convert("v: " + text + "\n");
  rapidjson::Document out;
  out.CopyFrom(doc["v"], out.GetAllocator());
  return out;
}

std::string string_of(const std::string& text) {
  const rapidjson::Document v = value_of(text);
  if (!v.IsString()) FAIL(text << " did not become a string");
  return v.GetString();
}

std::string error_of(const std::string& yaml) {
  auto json = yaml_to_json(yaml);
  if (json.ok()) FAIL("expected an error, got " << *json);
  return json.error().message;
}

}  // namespace

TEST_CASE("quoted scalars stay strings whatever they look like", "[api][yaml]") {
  CHECK(string_of("\"true\"") == "true");
  CHECK(string_of("'false'") == "false");
  CHECK(string_of("\"1.5\"") == "1.5");
  CHECK(string_of("'20'") == "20");
  CHECK(string_of("\"null\"") == "null");
  CHECK(string_of("'~'") == "~");
  CHECK(string_of("\"\"").empty());
  CHECK(string_of("'3.0'") == "3.0");
}

TEST_CASE("plain true, false and null become JSON literals", "[api][yaml]") {
  for (const char* t : {"true", "True", "TRUE"}) {
    INFO(t);
    const auto v = value_of(t);
    REQUIRE(v.IsBool());
    CHECK(v.GetBool());
  }
  for (const char* f : {"false", "False", "FALSE"}) {
    INFO(f);
    const auto v = value_of(f);
    REQUIRE(v.IsBool());
    CHECK_FALSE(v.GetBool());
  }
  for (const char* n : {"null", "Null", "NULL", "~", ""}) {
    INFO("'" << n << "'");
    CHECK(value_of(n).IsNull());
  }
}

TEST_CASE("plain scalars written as JSON numbers become numbers", "[api][yaml]") {
  const auto half = value_of("1.5");
  REQUIRE(half.IsDouble());
  CHECK(half.GetDouble() == 1.5);
  const auto twenty = value_of("20");
  REQUIRE(twenty.IsInt());
  CHECK(twenty.GetInt() == 20);
  const auto minus = value_of("-1");
  REQUIRE(minus.IsInt());
  CHECK(minus.GetInt() == -1);
  CHECK(value_of("0").IsInt());
  CHECK(value_of("2e-3").GetDouble() == Approx(0.002));
  CHECK(value_of("-0.25E+1").GetDouble() == -2.5);
}

TEST_CASE("plain scalars YAML 1.1 would read as numbers or booleans stay strings", "[api][yaml]") {
  // Octal, base 60, signs, bare dots, hex, underscores, infinities, yes/no: all text.
  for (const char* text : {"0755",       "00",
                           "1:1",        "16:9",
                           "+1",         ".5",
                           "1.",         "0x1F",
                           "0o17",       "1_000",
                           ".inf",       "-.inf",
                           ".nan",       "yes",
                           "no",         "on",
                           "off",        "y",
                           "n",          "3.0.3",
                           "2026-11-22", "2026-11-22T09:15:02.123Z",
                           "1.5.2"}) {
    INFO(text);
    CHECK(string_of(text) == text);
  }
}

TEST_CASE("block scalars are strings", "[api][yaml]") {
  const auto doc = convert("literal: |\n  line one\n  line two\nfolded: >\n  one\n  two\n");
  CHECK(std::string(doc["literal"].GetString()) == "line one\nline two\n");
  CHECK(std::string(doc["folded"].GetString()) == "one two\n");
}

TEST_CASE("mapping keys are strings, even when they look like numbers or booleans", "[api][yaml]") {
  const auto doc = convert("200: ok\ntrue: yes\n1.5: half\n'404': missing\n");
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["200"].GetString()) == "ok");
  CHECK(std::string(doc["true"].GetString()) == "yes");
  CHECK(std::string(doc["1.5"].GetString()) == "half");
  CHECK(std::string(doc["404"].GetString()) == "missing");
}

TEST_CASE("nested lists and maps keep their shape and order", "[api][yaml]") {
  const auto doc = convert(
      "paths:\n"
      "  /a:\n"
      "    get:\n"
      "      tags: [One, Two]\n"
      "      responses: {'200': {description: fine}}\n"
      "list:\n"
      "  - 1\n"
      "  - [x, 2.5, null, {k: false}]\n"
      "  - {}\n"
      "  - []\n");
  const auto& tags = doc["paths"]["/a"]["get"]["tags"];
  REQUIRE(tags.IsArray());
  REQUIRE(tags.Size() == 2);
  CHECK(std::string(tags[0].GetString()) == "One");
  CHECK(std::string(doc["paths"]["/a"]["get"]["responses"]["200"]["description"].GetString()) ==
        "fine");
  const auto& list = doc["list"];
  REQUIRE(list.Size() == 4);
  CHECK(list[0].GetInt() == 1);
  CHECK(std::string(list[1][0].GetString()) == "x");
  CHECK(list[1][1].GetDouble() == 2.5);
  CHECK(list[1][2].IsNull());
  CHECK(list[1][3]["k"].IsFalse());
  CHECK(list[2].IsObject());
  CHECK(list[2].ObjectEmpty());
  CHECK(list[3].IsArray());
  CHECK(list[3].Empty());
  // Members come out in the order written.
  auto member = doc.MemberBegin();
  CHECK(std::string(member->name.GetString()) == "paths");
  ++member;
  CHECK(std::string(member->name.GetString()) == "list");
}

TEST_CASE("text is escaped for JSON and UTF-8 passes through", "[api][yaml]") {
  CHECK(string_of(R"("quote \" backslash \\ tab \t")") == "quote \" backslash \\ tab \t");
  CHECK(string_of("\"h\u00e9llo \u2764\"") == "h\u00e9llo \u2764");
}

TEST_CASE("core tags say the type; other tags are refused", "[api][yaml]") {
  CHECK(string_of("!!str 12") == "12");
  CHECK(string_of("!!str true") == "true");
  CHECK(value_of("!!int 12").IsInt());
  CHECK(value_of("!!float 1.5").IsDouble());
  CHECK(value_of("!!bool false").IsFalse());
  CHECK(value_of("!!null ~").IsNull());
  CHECK_THAT(error_of("v: !!int 1.5\n"), Catch::Contains("not an integer"));
  CHECK_THAT(error_of("v: !!bool yes\n"), Catch::Contains("not a boolean"));
  CHECK_THAT(error_of("v: !custom 5\n"), Catch::Contains("unsupported tag !custom"));
}

TEST_CASE("what JSON cannot say is an error naming the line", "[api][yaml]") {
  CHECK_THAT(error_of("a: 1\nb: 2\na: 3\n"),
             Catch::Contains("line 3") && Catch::Contains("\"a\" appears twice"));
  CHECK_THAT(error_of("? [1, 2]\n: x\n"), Catch::Contains("key must be text"));
  CHECK_THAT(error_of("~: x\n"), Catch::Contains("key must be text"));
  CHECK_THAT(error_of("big: 1e999\n"), Catch::Contains("too large"));
  CHECK_THAT(error_of("a: \"\xff\xfe\"\n"), Catch::Contains("UTF-8"));
}

TEST_CASE("invalid YAML is an error naming the line", "[api][yaml]") {
  CHECK_THAT(error_of("a:\n  b: [1, 2\nc: 3\n"),
             Catch::Contains("invalid YAML") && Catch::Contains("line"));
  CHECK_THAT(error_of("a: b: c\n"), Catch::Contains("invalid YAML"));
}

TEST_CASE("aliases are expanded, and an alias inside itself is an error", "[api][yaml]") {
  const auto doc = convert("base: &b {x: 1}\ncopy: *b\n");
  CHECK(doc["copy"]["x"].GetInt() == 1);
  CHECK_THAT(error_of("&a [*a]\n"), Catch::Contains("nested deeper"));
}

TEST_CASE("an empty document is null", "[api][yaml]") {
  CHECK(yaml_to_json("").value() == "null");
  CHECK(yaml_to_json("# only a comment\n").value() == "null");
}
