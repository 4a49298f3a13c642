// Fuzz target: the mock plugin as shipped (mock.so through the gateway's plugin loader). It
// never reads an HTTP reply; what it parses is the task: a text task's JSON Schema (which it
// answers with an instance of it, providers/mock/schema_instance.cpp) and message (its lexicon
// analysis, UTF-8 handling), or an image task's prompt, aspect ratio and size.
//
// Input: <flags><payload>. `flags` bit 0 clear: a text task whose json_schema is the payload up
// to the first NUL byte and whose user message is the rest ("0{\"type\":\"object\"}\0I felt
// calm"). Bit 0 set: an image task of prompt, aspect_ratio and size, NUL-separated.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz/support/fuzz_check.h"
#include "fuzz/support/fuzz_input.h"
#include "fuzz/support/fuzz_plugin.h"
#include "moodgate/json.h"

namespace {

using namespace moodgate;

sdk::Task task_from(fuzz::FuzzInput& input) {
  if ((input.byte() & 1) == 0) {
    sdk::TextTask task;
    task.json_schema = std::string(input.until('\0'));
    task.messages = {{"user", std::string(input.rest())}};
    return task;
  }
  sdk::ImageTask task;
  task.prompt = std::string(input.until('\0'));
  task.aspect_ratio = std::string(input.until('\0'));
  task.size = std::string(input.rest());
  return task;
}

void check_result(const sdk::Task& task, const sdk::Result& result) {
  if (const auto* text = std::get_if<sdk::TextOutput>(&result.output)) {
    const auto& text_task = std::get<sdk::TextTask>(task);
    FUZZ_CHECK(!text->text.empty());
    if (!text_task.json_schema.empty()) {
      rapidjson::Document doc;
      FUZZ_CHECK(!sdk::parse_json(text->text, doc));
    }
    return;
  }
  const auto& image = std::get<sdk::ImageOutput>(result.output);
  FUZZ_CHECK(std::holds_alternative<sdk::ImageTask>(task));
  FUZZ_CHECK(image.mime_type == "image/png");
  FUZZ_CHECK(image.bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sdk::Provider& provider = fuzz::built_provider("mock", {});
  fuzz::FuzzInput input(data, size);
  const sdk::Task task = task_from(input);

  const sdk::Start start = provider.start(task);

  FUZZ_CHECK(!std::holds_alternative<sdk::HttpRequest>(start));  // the mock answers locally
  if (const auto* failure = std::get_if<sdk::Failure>(&start)) {
    FUZZ_CHECK(failure->message.rfind("mock: ", 0) == 0);
    return 0;
  }
  const auto& answer = std::get<sdk::LocalAnswer>(start);
  if (const auto* result = std::get_if<sdk::Result>(&answer.outcome)) check_result(task, *result);
  return 0;
}
