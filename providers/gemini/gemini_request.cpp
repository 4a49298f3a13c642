#include "gemini_request.h"

#include <cmath>
#include <optional>
#include <string>

#include "gemini_common/failure_message.h"
#include "gemini_common/json_text.h"
#include "schema_conversion.h"

namespace moodgate::providers::gemini {
namespace {

using gemini_common::make_failure;
using gemini_common::write_key;
using gemini_common::write_string;
using gemini_common::Writer;
using sdk::FailureKind;

// Why the task cannot be sent as it is; nullopt when it can.
std::optional<std::string> task_problem(const sdk::TextTask& task) {
  if (task.messages.empty()) return "a text task needs at least one message";
  for (std::size_t i = 0; i < task.messages.size(); ++i) {
    const std::string& role = task.messages[i].role;
    if (role != "user" && role != "model") {
      return "message " + std::to_string(i) + " has role `" + role +
             "`; Gemini takes `user` or `model`";
    }
  }
  if (task.temperature &&
      !(std::isfinite(*task.temperature) && *task.temperature >= 0 && *task.temperature <= 2)) {
    return "temperature must be between 0 and 2";
  }
  if (task.max_output_tokens && *task.max_output_tokens <= 0) {
    return "max_output_tokens must be positive";
  }
  return std::nullopt;
}

void write_text_parts(Writer& w, std::string_view text) {
  write_key(w, "parts");
  w.StartArray();
  w.StartObject();
  write_key(w, "text");
  write_string(w, text);
  w.EndObject();
  w.EndArray();
}

void write_generation_config(Writer& w, const sdk::TextTask& task,
                             const std::string& response_schema) {
  if (!task.temperature && !task.max_output_tokens && response_schema.empty()) return;
  write_key(w, "generationConfig");
  w.StartObject();
  if (task.temperature) {
    write_key(w, "temperature");
    w.Double(*task.temperature);
  }
  if (task.max_output_tokens) {
    write_key(w, "maxOutputTokens");
    w.Int(*task.max_output_tokens);
  }
  if (!response_schema.empty()) {
    write_key(w, "responseMimeType");
    write_string(w, "application/json");
    write_key(w, "responseSchema");
    w.RawValue(response_schema.data(), response_schema.size(), rapidjson::kObjectType);
  }
  w.EndObject();
}

void write_safety_settings(Writer& w, std::string_view threshold) {
  write_key(w, "safetySettings");
  w.StartArray();
  for (std::string_view category : kHarmCategories) {
    w.StartObject();
    write_key(w, "category");
    write_string(w, category);
    write_key(w, "threshold");
    write_string(w, threshold);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

sdk::Start text_request(const gemini_common::Endpoint& endpoint, std::string_view safety_threshold,
                        const sdk::TextTask& task) {
  if (auto problem = task_problem(task)) {
    return make_failure(endpoint, FailureKind::kInvalidRequest, *problem);
  }
  std::string response_schema;
  if (!task.json_schema.empty()) {
    auto converted = to_response_schema(task.json_schema);
    if (auto* error = std::get_if<SchemaError>(&converted)) {
      return make_failure(endpoint, FailureKind::kInvalidRequest,
                          "json_schema cannot be used: " + error->reason);
    }
    response_schema = std::move(std::get<std::string>(converted));
  }

  std::string body = gemini_common::build_json([&](Writer& w) {
    w.StartObject();
    if (!task.system_prompt.empty()) {
      write_key(w, "systemInstruction");
      w.StartObject();
      write_text_parts(w, task.system_prompt);
      w.EndObject();
    }
    write_key(w, "contents");
    w.StartArray();
    for (const sdk::Message& message : task.messages) {
      w.StartObject();
      write_key(w, "role");
      write_string(w, message.role);
      write_text_parts(w, message.text);
      w.EndObject();
    }
    w.EndArray();
    write_generation_config(w, task, response_schema);
    write_safety_settings(w, safety_threshold);
    w.EndObject();
  });
  return gemini_common::generate_content_request(endpoint, std::move(body));
}

}  // namespace moodgate::providers::gemini
