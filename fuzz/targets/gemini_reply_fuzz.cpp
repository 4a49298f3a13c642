// Fuzz target: the gemini plugin as shipped (gemini.so through the gateway's plugin loader)
// reading a generateContent reply to a text task: providers/gemini/gemini_reply.cpp,
// gemini_common's generate_content_reply.cpp, error_reply.cpp (error bodies, RetryInfo,
// Retry-After) and failure_message.cpp.
//
// Input: <status><flags><payload>. `status` picks the HTTP status (fuzz_plugin.h), `flags` bit 0
// asks for structured JSON (a task with json_schema), bit 1 takes the payload's first line as a
// Retry-After header; the rest is the body. "01{...}" is a 200 to a structured task.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "fuzz/support/fuzz_check.h"
#include "fuzz/support/fuzz_input.h"
#include "fuzz/support/fuzz_plugin.h"
#include "moodgate/json.h"

namespace {

using namespace moodgate;

sdk::TextTask text_task(std::string json_schema) {
  sdk::TextTask task;
  task.system_prompt = "You read journal entries.";
  task.messages = {{"user", "I felt calm by the sea."}};
  task.json_schema = std::move(json_schema);
  return task;
}

struct Setup {
  const sdk::Provider& provider =
      fuzz::built_provider("gemini", fuzz::gemini_settings("gemini-2.5-flash"));
  const sdk::Task plain = text_task("");
  const sdk::Task structured =
      text_task(R"({"type": "object", "properties": {"summary": {"type": "string"}}})");
  const sdk::HttpRequest sent = std::get<sdk::HttpRequest>(provider.start(plain));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Setup setup;
  fuzz::FuzzInput input(data, size);
  const std::uint8_t status = input.byte();
  const std::uint8_t flags = input.byte();
  const bool structured = (flags & 1) != 0;
  const sdk::HttpReply reply = fuzz::reply_from(status, input, (flags & 2) != 0);

  const std::optional<sdk::Result> result = fuzz::finish_checked(
      setup.provider, structured ? setup.structured : setup.plain, setup.sent, reply);
  if (!result) return 0;
  const auto* text = std::get_if<sdk::TextOutput>(&result->output);
  FUZZ_CHECK(text != nullptr && !text->text.empty());
  if (structured) {
    rapidjson::Document doc;
    FUZZ_CHECK(!sdk::parse_json(text->text, doc));
  }
  FUZZ_CHECK(!result->model.empty());
  return 0;
}
