// Specification of the `mock` provider plugin, loaded from the build like any provider: it
// answers text and image tasks locally and deterministically, in the shapes real providers
// give, with configurable latency and deterministic simulated failures.
#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include "moodgate/provider.h"
#include "tests/providers/mock_schema_check.h"
#include "tests/providers/mock_test_support.h"
#include "tests/support/deep_json.h"

namespace moodgate {
namespace {

using namespace testing::mock_support;

// The mock's answer to `text` under `schema`, after checking that it is an instance of it.
rapidjson::Document instance_for(sdk::Provider& provider, const std::string& text,
                                 const std::string& schema) {
  std::string json = text_of(provider.start(text_task(text, schema)));
  rapidjson::Document instance = parse(json);
  rapidjson::Document schema_doc = parse(schema);
  INFO(json);
  CHECK(testing::schema_violations(schema_doc, instance) == std::vector<std::string>{});
  return instance;
}

const std::string kAnalysisSchema = R"json({
  "type": "object",
  "properties": {
    "summary": {"type": "string"},
    "sentiment": {"type": "string", "enum": ["positive", "negative", "neutral", "mixed"]},
    "score": {"type": "number", "minimum": -1, "maximum": 1},
    "highlights": {"type": "array", "items": {
      "type": "object",
      "properties": {"text": {"type": "string"},
                     "polarity": {"type": "string", "enum": ["positive", "negative"]}},
      "required": ["text", "polarity"]}},
    "positive_count": {"type": "integer", "minimum": 0},
    "negative_count": {"type": "integer", "minimum": 0}
  },
  "required": ["summary", "sentiment", "score", "highlights", "positive_count", "negative_count"]
})json";

std::string scenarios_schema(int count) {
  std::string n = std::to_string(count);
  return R"json({"type": "object", "properties": {"scenarios": {"type": "array", "minItems": )json" +
         n + R"json(, "maxItems": )json" + n + R"json(, "items": {"type": "object",
           "properties": {"title": {"type": "string"}, "prompt": {"type": "string"}},
           "required": ["title", "prompt"]}}}, "required": ["scenarios"]})json";
}

const std::string kHappy =
    "Today I felt so happy and grateful: my friends threw me a party and I was proud of myself.";
const std::string kAnxious =
    "I am anxious and stressed about the exam tomorrow; I feel overwhelmed and afraid.";

// The highlights as "text:polarity" strings.
std::vector<std::string> highlights_of(const rapidjson::Value& analysis) {
  std::vector<std::string> out;
  for (const auto& h : analysis["highlights"].GetArray()) {
    out.push_back(std::string(h["text"].GetString()) + ":" + h["polarity"].GetString());
  }
  return out;
}

}  // namespace

TEST_CASE("The mock serves text and images and reports its configured model", "[providers][mock]") {
  CHECK(mock()->capabilities() ==
        std::vector<sdk::Capability>{sdk::Capability::kText, sdk::Capability::kImage});
  CHECK(mock()->model() == "mock-1");
  auto named = mock({{"model", "mock-large"}});
  CHECK(named->model() == "mock-large");
  CHECK(result_of(named->start(text_task("Hello."))).model == "mock-large");
  CHECK(result_of(named->start(image_task("calm"))).model == "mock-large");
}

TEST_CASE(
    "A happy text reads as positive and an anxious one as negative, with highlights of "
    "the right polarity",
    "[providers][mock]") {
  auto provider = mock();
  rapidjson::Document happy = instance_for(*provider, kHappy, kAnalysisSchema);
  CHECK(std::string(happy["sentiment"].GetString()) == "positive");
  CHECK(happy["score"].GetDouble() > 0.3);
  CHECK(highlights_of(happy) ==
        std::vector<std::string>{"happy:positive", "grateful:positive", "proud:positive"});
  CHECK(happy["positive_count"].GetInt() == 3);
  CHECK(happy["negative_count"].GetInt() == 0);

  rapidjson::Document anxious = instance_for(*provider, kAnxious, kAnalysisSchema);
  CHECK(std::string(anxious["sentiment"].GetString()) == "negative");
  CHECK(anxious["score"].GetDouble() < -0.3);
  CHECK(highlights_of(anxious) == std::vector<std::string>{"anxious:negative", "stressed:negative",
                                                           "overwhelmed:negative",
                                                           "afraid:negative"});
  CHECK(anxious["positive_count"].GetInt() == 0);
  CHECK(anxious["negative_count"].GetInt() == 4);
  CHECK(std::string(anxious["summary"].GetString()) ==
        "A negative entry in which anxious, stressed and overwhelmed stand out.");
}

TEST_CASE("Pleasant and unpleasant words together read as mixed, and none as neutral",
          "[providers][mock]") {
  auto provider = mock();
  rapidjson::Document mixed = instance_for(
      *provider, "I am excited about the new job but anxious about moving.", kAnalysisSchema);
  CHECK(std::string(mixed["sentiment"].GetString()) == "mixed");
  CHECK(mixed["positive_count"].GetInt() == 1);
  CHECK(mixed["negative_count"].GetInt() == 1);

  rapidjson::Document plain =
      instance_for(*provider, "I went to the shop and bought bread.", kAnalysisSchema);
  CHECK(std::string(plain["sentiment"].GetString()) == "neutral");
  CHECK(plain["score"].GetDouble() == 0);
  CHECK(plain["highlights"].Empty());
}

TEST_CASE("A negated emotion word counts with the opposite polarity, within its sentence",
          "[providers][mock]") {
  auto provider = mock();
  for (std::string text : {"I am not happy about how the meeting went.",
                           "I don't feel happy about it.", "I don\xE2\x80\x99t feel happy."}) {
    INFO(text);
    rapidjson::Document analysis = instance_for(*provider, text, kAnalysisSchema);
    CHECK(std::string(analysis["sentiment"].GetString()) == "negative");
    CHECK(highlights_of(analysis) == std::vector<std::string>{"not happy:negative"});
    CHECK(analysis["positive_count"].GetInt() == 0);
    CHECK(analysis["negative_count"].GetInt() == 1);
  }
  rapidjson::Document relieved =
      instance_for(*provider, "Honestly I was never worried about it.", kAnalysisSchema);
  CHECK(highlights_of(relieved) == std::vector<std::string>{"not worried:positive"});

  rapidjson::Document next_sentence =
      instance_for(*provider, "Not today. Tonight I am happy.", kAnalysisSchema);
  CHECK(highlights_of(next_sentence) == std::vector<std::string>{"happy:positive"});
}

TEST_CASE("The same text task always gets the same answer, from any instance and thread",
          "[providers][mock]") {
  auto first = mock();
  auto second = mock();
  for (const std::string& schema : {std::string(), kAnalysisSchema, scenarios_schema(3)}) {
    sdk::TextTask task = text_task(kAnxious, schema);
    std::string expected = text_of(first->start(task));
    CHECK(text_of(first->start(task)) == expected);
    CHECK(text_of(second->start(task)) == expected);
  }

  sdk::TextTask task = text_task(kHappy, kAnalysisSchema);
  std::string expected = text_of(first->start(task));
  std::vector<std::string> answers(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    threads.emplace_back([&, i] {
      sdk::Start start = first->start(task);
      const auto* answer = std::get_if<sdk::LocalAnswer>(&start);
      const auto* result = answer ? std::get_if<sdk::Result>(&answer->outcome) : nullptr;
      if (result) answers[i] = std::get<sdk::TextOutput>(result->output).text;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(answers == std::vector<std::string>(answers.size(), expected));
}

TEST_CASE("Scenarios are as many as the schema asks, distinct, and follow the dominant emotion",
          "[providers][mock]") {
  auto provider = mock();
  rapidjson::Document anxious = instance_for(*provider, kAnxious, scenarios_schema(3));
  rapidjson::Document happy = instance_for(*provider, kHappy, scenarios_schema(3));
  REQUIRE(anxious["scenarios"].Size() == 3);
  std::set<std::string> titles;
  for (const auto& s : anxious["scenarios"].GetArray()) {
    CHECK(s["prompt"].GetStringLength() > 10);
    titles.insert(s["title"].GetString());
  }
  CHECK(titles.size() == 3);
  CHECK(std::string(anxious["scenarios"][0]["title"].GetString()) !=
        happy["scenarios"][0]["title"].GetString());

  rapidjson::Document five = instance_for(*provider, kAnxious, scenarios_schema(5));
  titles.clear();
  for (const auto& s : five["scenarios"].GetArray()) titles.insert(s["title"].GetString());
  CHECK(titles.size() == 5);

  const std::string strings = R"json({"type": "object", "required": ["scenarios"],
    "properties": {"scenarios": {"type": "array", "items": {"type": "string"}}}})json";
  rapidjson::Document plain = instance_for(*provider, kAnxious, strings);
  REQUIRE(plain["scenarios"].Size() == 3);
  CHECK(std::string(plain["scenarios"][0].GetString()) ==
        anxious["scenarios"][0]["prompt"].GetString());
}

TEST_CASE("Properties the mock does not know get plain values that still fit the schema",
          "[providers][mock]") {
  const std::string schema = R"json({
    "type": "object",
    "$defs": {"level": {"type": "string", "enum": ["low", "high"]}},
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "confidence": {"type": "number", "minimum": 0.5, "maximum": 1},
      "rank": {"type": "integer", "minimum": 3, "maximum": 7},
      "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
      "flagged": {"type": "boolean"},
      "tags": {"type": "array", "items": {"type": "string", "minLength": 12}, "minItems": 2,
               "maxItems": 4},
      "level": {"$ref": "#/$defs/level"},
      "note": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 5}]},
      "details": {"type": "object", "additionalProperties": false, "required": ["kind", "labels"],
                  "properties": {"kind": {"const": "entry"},
                                 "labels": {"type": "array", "items": {"type": "string"}}}},
      "optional_thing": {"type": "string"},
      "sentiment_score": {"type": "number", "minimum": 0, "maximum": 1}
    },
    "required": ["id", "confidence", "rank", "ratio", "flagged", "tags", "level", "note",
                 "details"],
    "additionalProperties": false
  })json";
  auto provider = mock();
  rapidjson::Document instance = instance_for(*provider, kAnxious, schema);
  CHECK_FALSE(instance.HasMember("optional_thing"));
  CHECK(instance["confidence"].GetDouble() == 0.5);
  CHECK(instance["rank"].GetInt() == 3);
  CHECK(instance["flagged"].IsFalse());
  CHECK(instance["tags"].Size() == 2);
  CHECK(std::string(instance["level"].GetString()) == "low");
  CHECK(std::string(instance["details"]["kind"].GetString()) == "entry");
  CHECK(instance["sentiment_score"].GetDouble() == 0);  // a negative score, clamped to the minimum
}

TEST_CASE("Known values pick the matching enum member, whatever its spelling",
          "[providers][mock]") {
  const std::string schema = R"json({"type": "object", "required": ["sentiment", "highlights"],
    "properties": {
      "sentiment": {"type": "string", "enum": ["VERY_NEGATIVE", "NEGATIVE", "POSITIVE"]},
      "emotion": {"type": "string", "enum": ["joy", "sadness", "fear"]},
      "highlights": {"type": "array", "maxItems": 2, "items": {"type": "object",
        "properties": {"phrase": {"type": "string"}, "polarity": {"enum": ["Neg", "NEGATIVE"]},
                       "intensity": {"type": "number", "minimum": 0, "maximum": 1}}}}}})json";
  rapidjson::Document instance = instance_for(*mock(), kAnxious, schema);
  CHECK(std::string(instance["sentiment"].GetString()) == "NEGATIVE");
  CHECK(std::string(instance["emotion"].GetString()) == "fear");  // the family of "anxious"
  REQUIRE(instance["highlights"].Size() == 2);
  CHECK(std::string(instance["highlights"][0]["phrase"].GetString()) == "anxious");
  CHECK(std::string(instance["highlights"][0]["polarity"].GetString()) == "NEGATIVE");
  CHECK(instance["highlights"][0]["intensity"].GetDouble() == Approx(0.8));
}

TEST_CASE("A json_schema that is not a JSON object is refused as an invalid request",
          "[providers][mock]") {
  auto provider = mock();
  for (std::string schema : {"{not json", "[1, 2]"}) {
    sdk::Failure failure = refusal_of(provider->start(text_task(kHappy, schema)));
    CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
    CHECK(failure.message.find("json_schema") != std::string::npos);
  }
  sdk::TextTask no_user = text_task(kHappy);
  no_user.messages = {{"model", "Hello"}};
  CHECK(refusal_of(provider->start(no_user)).kind == sdk::FailureKind::kInvalidRequest);
}

TEST_CASE("A json_schema nested deeper than 64 levels is refused as an invalid request",
          "[providers][mock]") {
  auto provider = mock();
  for (const std::string& schema : {moodgate::testing::nested_objects(150'000),
                                    moodgate::testing::nested_arrays(150'000, false)}) {
    sdk::Failure failure = refusal_of(provider->start(text_task(kHappy, schema)));
    CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
    CHECK(failure.message == "mock: json_schema nests deeper than 64 levels");
  }
}

TEST_CASE("A json_schema asking for a huge or deeply nested instance is refused, quickly",
          "[providers][mock]") {
  // Findings of the mock_task fuzz target: each of these ran for minutes or ate gigabytes.
  auto provider = mock();
  const std::string deep_const = R"({"type": "object", "properties": {"a": {"const": )" +
                                 std::string(100000, '[') + std::string(100000, ']') +
                                 R"(}}, "required": ["a"]})";
  struct Case {
    std::string schema;
    std::string refusal;
  };
  const std::string too_large = "mock: json_schema asks for an instance larger than 262144 bytes";
  for (const auto& [schema, refusal] : {
           Case{R"({"type": "object", "properties": {"summary": {"type": "string",)"
                R"( "minLength": 1e9}}, "required": ["summary"]})",
                too_large},
           Case{R"({"type": "array", "minItems": 1000, "items": {"type": "array",)"
                R"( "minItems": 1000, "items": {"type": "array", "minItems": 1000}}})",
                too_large},
           Case{deep_const, "mock: json_schema nests deeper than 64 levels"},
       }) {
    const sdk::Failure failure = refusal_of(provider->start(text_task(kHappy, schema)));
    CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
    CHECK(failure.message == refusal);
  }
  // Large but within bounds still works.
  const std::string wide = text_of(provider->start(text_task(
      kHappy,
      R"({"type": "array", "minItems": 1000, "items": {"type": "string", "minLength": 100}})")));
  CHECK(parse(wide).Size() == 1000);
}

TEST_CASE("Without a schema the answer is the first sentence of the last user message",
          "[providers][mock]") {
  auto provider = mock();
  sdk::TextTask task = text_task("  I missed the bus this morning! Then it rained all day.");
  task.messages.insert(task.messages.begin(), {{"user", "Earlier."}, {"model", "Noted."}});
  CHECK(text_of(provider->start(task)) == "I missed the bus this morning! (mock summary)");

  std::string long_text(300, 'a');
  std::string answer = text_of(provider->start(text_task(long_text + ". Done.")));
  CHECK(answer == std::string(197, 'a') + "... (mock summary)");
}

TEST_CASE("Text usage counts about four bytes a token and the answer finishes with STOP",
          "[providers][mock]") {
  sdk::TextTask task = text_task("I feel calm.", kAnalysisSchema);  // 25 + 12 bytes of prompt
  sdk::Result result = result_of(mock()->start(task));
  const std::string& text = std::get<sdk::TextOutput>(result.output).text;
  CHECK(result.usage.input_tokens == 10);
  CHECK(result.usage.output_tokens == static_cast<long long>((text.size() + 3) / 4));
  CHECK(result.finish_reason == "STOP");
  CHECK(result.model == "mock-1");
}

}  // namespace moodgate
