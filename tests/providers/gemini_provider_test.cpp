// The gemini plugin's settings and requests: what it refuses at construction, and how a text
// task becomes a generateContent call (URL, key header, body shape, responseSchema conversion).
#include <catch2/catch.hpp>

#include <string>

#include "tests/providers/gemini_test_support.h"
#include "tests/support/deep_json.h"
#include "tests/support/provider_plugin.h"

using namespace moodgate;
using namespace moodgate::testing::gemini_test_support;
using moodgate::testing::load_built_provider;

namespace {

// The responseSchema the plugin sends for `json_schema`.
rapidjson::Document response_schema_for(const std::string& json_schema) {
  auto provider = load_built_provider("gemini", kTextSettings);
  sdk::TextTask task = simple_task();
  task.json_schema = json_schema;
  const sdk::HttpRequest request = request_of(provider->start(task));
  rapidjson::Document body = parse_body(request.body);
  const auto& config = body["generationConfig"];
  CHECK(std::string(config["responseMimeType"].GetString()) == "application/json");
  CHECK_FALSE(config.HasMember("responseJsonSchema"));
  rapidjson::Document schema;
  schema.CopyFrom(config["responseSchema"], schema.GetAllocator());
  return schema;
}

std::string factory_refusal(const sdk::Settings& settings) {
  try {
    load_built_provider("gemini", settings);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("the factory accepted the settings");
  return "";
}

}  // namespace

TEST_CASE("a text task is a POST to generateContent with the key in a header, never in the URL",
          "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  CHECK(provider->model() == "gemini-2.5-flash");
  CHECK(provider->capabilities() == std::vector<sdk::Capability>{sdk::Capability::kText});

  const sdk::HttpRequest request = request_of(provider->start(simple_task()));
  CHECK(request.method == "POST");
  CHECK(request.url == "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(request.url.find("test-key") == std::string::npos);
  CHECK(header_value(request, "x-goog-api-key") == "test-key");
  CHECK(header_value(request, "content-type") == "application/json");
  CHECK(request.body.find("test-key") == std::string::npos);
}

TEST_CASE("the body carries the system instruction, the conversation, options and safety settings",
          "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  sdk::TextTask task;
  task.system_prompt = "You are a supportive journaling assistant.";
  task.messages = {{"user", "Hi"}, {"model", "Hello!"}, {"user", "Summarise \"today\""}};
  task.temperature = 0.7;
  task.max_output_tokens = 1024;
  rapidjson::Document body = parse_body(request_of(provider->start(task)).body);

  CHECK(std::string(body["systemInstruction"]["parts"][0]["text"].GetString()) ==
        task.system_prompt);
  const auto& contents = body["contents"];
  REQUIRE(contents.Size() == 3);
  CHECK(std::string(contents[1]["role"].GetString()) == "model");
  CHECK(std::string(contents[1]["parts"][0]["text"].GetString()) == "Hello!");
  CHECK(std::string(contents[2]["role"].GetString()) == "user");
  CHECK(std::string(contents[2]["parts"][0]["text"].GetString()) == "Summarise \"today\"");
  CHECK(body["generationConfig"]["temperature"].GetDouble() == Approx(0.7));
  CHECK(body["generationConfig"]["maxOutputTokens"].GetInt() == 1024);
  CHECK_FALSE(body["generationConfig"].HasMember("responseMimeType"));

  const auto& safety = body["safetySettings"];
  REQUIRE(safety.Size() == 4);
  std::vector<std::string> categories;
  for (const auto& setting : safety.GetArray()) {
    categories.emplace_back(setting["category"].GetString());
    CHECK(std::string(setting["threshold"].GetString()) == "BLOCK_ONLY_HIGH");
  }
  CHECK(categories == std::vector<std::string>{
                          "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH",
                          "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT"});
}

TEST_CASE("a task without system prompt or options sends neither systemInstruction nor config",
          "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  rapidjson::Document body = parse_body(request_of(provider->start(simple_task())).body);
  CHECK_FALSE(body.HasMember("systemInstruction"));
  CHECK_FALSE(body.HasMember("generationConfig"));
  CHECK(body["contents"].Size() == 1);
}

TEST_CASE("the safety_threshold setting applies to every harm category", "[providers]") {
  sdk::Settings settings = kTextSettings;
  settings["safety_threshold"] = "BLOCK_LOW_AND_ABOVE";
  auto provider = load_built_provider("gemini", settings);
  rapidjson::Document body = parse_body(request_of(provider->start(simple_task())).body);
  for (const auto& setting : body["safetySettings"].GetArray()) {
    CHECK(std::string(setting["threshold"].GetString()) == "BLOCK_LOW_AND_ABOVE");
  }
}

TEST_CASE("a JSON schema becomes responseSchema with capitalised types and only Gemini's keywords",
          "[providers]") {
  rapidjson::Document schema = response_schema_for(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Analysis",
    "type": "object", "additionalProperties": false, "description": "An entry's analysis",
    "properties": {
      "summary": {"type": "string", "description": "One line", "format": "text"},
      "mood": {"type": "string", "enum": ["calm", "tense"]},
      "score": {"type": "number", "minimum": 0, "maximum": 1.5},
      "count": {"type": "integer", "nullable": true},
      "hopeful": {"type": "boolean"},
      "tags": {"type": "array", "items": {"type": "string", "title": "Tag"},
               "minItems": 1, "maxItems": 5}},
    "required": ["summary", "mood"], "propertyOrdering": ["summary", "mood"]})");

  CHECK(std::string(schema["type"].GetString()) == "OBJECT");
  CHECK(std::string(schema["description"].GetString()) == "An entry's analysis");
  for (const char* dropped : {"$schema", "title", "additionalProperties"}) {
    CHECK_FALSE(schema.HasMember(dropped));
  }
  const auto& properties = schema["properties"];
  CHECK(std::string(properties["summary"]["type"].GetString()) == "STRING");
  CHECK_FALSE(properties["summary"].HasMember("format"));
  CHECK(std::string(properties["mood"]["enum"][1].GetString()) == "tense");
  CHECK(std::string(properties["score"]["type"].GetString()) == "NUMBER");
  CHECK(properties["score"]["minimum"].GetInt() == 0);
  CHECK(properties["score"]["maximum"].GetDouble() == 1.5);
  CHECK(std::string(properties["count"]["type"].GetString()) == "INTEGER");
  CHECK(properties["count"]["nullable"].GetBool());
  CHECK(std::string(properties["hopeful"]["type"].GetString()) == "BOOLEAN");
  const auto& tags = properties["tags"];
  CHECK(std::string(tags["type"].GetString()) == "ARRAY");
  CHECK(std::string(tags["items"]["type"].GetString()) == "STRING");
  CHECK_FALSE(tags["items"].HasMember("title"));
  CHECK(tags["minItems"].GetInt() == 1);
  CHECK(tags["maxItems"].GetInt() == 5);
  CHECK(schema["required"].Size() == 2);
  CHECK(std::string(schema["propertyOrdering"][0].GetString()) == "summary");
}

TEST_CASE("a type list with null becomes nullable and a missing type is inferred", "[providers]") {
  rapidjson::Document schema = response_schema_for(R"({"properties": {
      "note": {"type": ["string", "null"]}, "items": {"items": {"enum": ["a"]}}}})");
  CHECK(std::string(schema["type"].GetString()) == "OBJECT");
  const auto& note = schema["properties"]["note"];
  CHECK(std::string(note["type"].GetString()) == "STRING");
  CHECK(note["nullable"].GetBool());
  const auto& items = schema["properties"]["items"];
  CHECK(std::string(items["type"].GetString()) == "ARRAY");
  CHECK(std::string(items["items"]["type"].GetString()) == "STRING");
}

TEST_CASE("a schema Gemini cannot take is refused as an invalid request", "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  const std::string json_schema = GENERATE(
      std::string(R"({"type": "object")"),        // truncated
      std::string(R"(["not", "an", "object"])"),  // not a schema
      std::string(R"({"type": "date"})"),         // no such type
      std::string(R"({"type": ["string", "integer"]})"),
      std::string(R"({"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}})"),
      std::string(R"({"anyOf": [{"type": "string"}]})"),
      std::string(R"({"type": "object", "properties": []})"),
      std::string(R"({"type": "object", "properties": {"a": {"description": "no type"}}})"),
      std::string(R"({"type": "object", "required": "a"})"));
  INFO(json_schema);
  sdk::TextTask task = simple_task();
  task.json_schema = json_schema;
  const sdk::Failure failure = failure_of(provider->start(task));
  CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
  CHECK(failure.message.starts_with("gemini: json_schema cannot be used: "));
}

TEST_CASE("a schema nested deeper than 64 levels is refused as an invalid request, never a crash",
          "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  sdk::TextTask task = simple_task();
  task.json_schema = moodgate::testing::nested_objects(150'000);
  const sdk::Failure failure = failure_of(provider->start(task));
  CHECK(failure.kind == sdk::FailureKind::kInvalidRequest);
  CHECK(failure.message == "gemini: json_schema cannot be used: it nests deeper than 64 levels");
}

TEST_CASE("a task Gemini text models cannot serve is refused before anything is sent",
          "[providers]") {
  auto provider = load_built_provider("gemini", kTextSettings);
  const sdk::Failure image = failure_of(provider->start(sdk::ImageTask{"a sunrise", "1:1", ""}));
  CHECK(image.kind == sdk::FailureKind::kInvalidRequest);
  CHECK(image.message == "gemini: gemini text models cannot make images");

  sdk::TextTask no_messages;
  CHECK(failure_of(provider->start(no_messages)).kind == sdk::FailureKind::kInvalidRequest);
  sdk::TextTask bad_role = simple_task();
  bad_role.messages[0].role = "assistant";
  CHECK(failure_of(provider->start(bad_role)).kind == sdk::FailureKind::kInvalidRequest);
  sdk::TextTask too_hot = simple_task();
  too_hot.temperature = 2.5;
  CHECK(failure_of(provider->start(too_hot)).kind == sdk::FailureKind::kInvalidRequest);
}

TEST_CASE("the factory refuses missing or bad settings, naming the setting but never the key",
          "[providers]") {
  auto without = [](const std::string& name) {
    sdk::Settings settings = kTextSettings;
    settings.erase(name);
    return settings;
  };
  auto with = [](const std::string& name, const std::string& value) {
    sdk::Settings settings = kTextSettings;
    settings[name] = value;
    return settings;
  };
  CHECK(factory_refusal(without("model")) == "gemini: setting `model` is required");
  CHECK(factory_refusal(without("api_key")) == "gemini: setting `api_key` is required");
  CHECK(factory_refusal(with("api_key", "")) == "gemini: setting `api_key` is required");
  CHECK(factory_refusal(with("model", "../x?key=1")).starts_with("gemini: setting `model`"));

  const std::string secret = "AIzaSECRET";
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"base_url", "ftp://host"},
                                                        {"base_url", ""},
                                                        {"base_url", "https://"},
                                                        {"base_url", "https://host/?key=" + secret},
                                                        {"safety_threshold", "BLOCK_SOME"},
                                                        {"api_key", secret + "\r\nx-evil: 1"}}) {
    INFO(name << " = " << value);
    sdk::Settings settings = with(name, value);
    settings["api_key"] = name == "api_key" ? value : secret;
    const std::string message = factory_refusal(settings);
    CHECK(message.starts_with("gemini: setting `" + name + "`"));
    CHECK(message.find(secret) == std::string::npos);
  }
}

TEST_CASE("base_url loses its trailing slashes and defaults to Google's endpoint", "[providers]") {
  sdk::Settings settings = kTextSettings;
  settings["base_url"] = "https://proxy.example/gemini//";
  CHECK(request_of(load_built_provider("gemini", settings)->start(simple_task())).url ==
        "https://proxy.example/gemini/v1beta/models/gemini-2.5-flash:generateContent");
  settings.erase("base_url");
  CHECK(request_of(load_built_provider("gemini", settings)->start(simple_task())).url ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
}
