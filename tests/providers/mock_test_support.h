// Helpers shared by the mock provider's tests: loading the built plugin and unwrapping its
// answers (REQUIRE-ing the expected shape on the way).
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include "moodgate/provider.h"
#include "tests/support/provider_plugin.h"

namespace moodgate::testing::mock_support {

inline std::shared_ptr<sdk::Provider> mock(const sdk::Settings& settings = {}) {
  return load_built_provider("mock", settings);
}

inline sdk::TextTask text_task(const std::string& text, const std::string& schema = "") {
  sdk::TextTask task;
  task.system_prompt = "You read journal entries.";
  task.messages = {{"user", text}};
  task.json_schema = schema;
  return task;
}

inline sdk::ImageTask image_task(const std::string& prompt, const std::string& ratio = "1:1",
                                 const std::string& size = "") {
  sdk::ImageTask task;
  task.prompt = prompt;
  task.aspect_ratio = ratio;
  task.size = size;
  return task;
}

inline sdk::LocalAnswer local_answer(const sdk::Start& start) {
  REQUIRE(std::holds_alternative<sdk::LocalAnswer>(start));
  return std::get<sdk::LocalAnswer>(start);
}

inline sdk::Result result_of(const sdk::Start& start) {
  sdk::LocalAnswer answer = local_answer(start);
  if (const auto* failure = std::get_if<sdk::Failure>(&answer.outcome)) FAIL(failure->message);
  return std::get<sdk::Result>(answer.outcome);
}

inline std::string text_of(const sdk::Start& start) {
  sdk::Result result = result_of(start);
  REQUIRE(std::holds_alternative<sdk::TextOutput>(result.output));
  return std::get<sdk::TextOutput>(result.output).text;
}

inline std::string png_of(const sdk::Start& start) {
  sdk::Result result = result_of(start);
  REQUIRE(std::holds_alternative<sdk::ImageOutput>(result.output));
  CHECK(std::get<sdk::ImageOutput>(result.output).mime_type == "image/png");
  return std::get<sdk::ImageOutput>(result.output).bytes;
}

inline sdk::Failure refusal_of(const sdk::Start& start) {
  REQUIRE(std::holds_alternative<sdk::Failure>(start));
  return std::get<sdk::Failure>(start);
}

inline rapidjson::Document parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  INFO(json);
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

}  // namespace moodgate::testing::mock_support
