#include "core/api/debug_ai_api.h"

#include <string>
#include <utility>

#include "core/ai/ai_await.h"
#include "core/ai/ai_error.h"
#include "core/api/json_body.h"
#include "core/common/json.h"
#include "core/config/config.h"

namespace moodgate::api {
namespace {

bool known_capability(const std::string& capability) {
  return config::capability_from_string(capability).has_value();
}

Result<sdk::Task> task_from(const std::string& capability, const JsonBody& body) {
  if (capability == "image") {
    auto prompt = body.required_string("prompt");
    if (!prompt.ok()) return std::move(prompt).error();
    auto ratio = body.optional_string("aspect_ratio");
    if (!ratio.ok()) return std::move(ratio).error();
    sdk::ImageTask task;
    task.prompt = std::move(prompt).value();
    if (*ratio) task.aspect_ratio = **ratio;
    return sdk::Task(std::move(task));
  }
  auto text = body.required_string("text");
  if (!text.ok()) return std::move(text).error();
  auto system = body.optional_string("system_prompt");
  if (!system.ok()) return std::move(system).error();
  auto schema = body.optional_string("json_schema");
  if (!schema.ok()) return std::move(schema).error();
  sdk::TextTask task;
  task.messages = {{"user", std::move(text).value()}};
  if (*system) task.system_prompt = **system;
  if (*schema) task.json_schema = **schema;
  return sdk::Task(std::move(task));
}

std::string answer_json(const ai::AiAnswer& answer) {
  const sdk::Result& result = answer.result();
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "provider");
    json::string(w, answer.provider);
    json::key(w, "model");
    json::string(w, answer.model);
    json::key(w, "attempts");
    w.Int(answer.attempts);
    json::key(w, "latency_ms");
    w.Int64(answer.latency.count());
    json::key(w, "finish_reason");
    json::string(w, result.finish_reason);
    json::key(w, "input_tokens");
    w.Int64(result.usage.input_tokens);
    json::key(w, "output_tokens");
    w.Int64(result.usage.output_tokens);
    if (const auto* text = std::get_if<sdk::TextOutput>(&result.output)) {
      json::key(w, "text");
      json::string(w, text->text);
    } else {
      const auto& image = std::get<sdk::ImageOutput>(result.output);
      json::key(w, "image");
      w.StartObject();
      json::key(w, "mime_type");
      json::string(w, image.mime_type);
      json::key(w, "bytes");
      w.Uint64(image.bytes.size());
      w.EndObject();
    }
    w.EndObject();
  });
}

// The call a request asks for. Not in the coroutine: the parsed body goes before the call is
// awaited instead of living in the coroutine's frame while the provider answers.
Result<ai::AiCall> call_from(const std::string& capability, const http::HttpRequest& request,
                             std::chrono::milliseconds deadline) {
  if (!known_capability(capability)) return Error::not_found("No such capability");
  auto body = JsonBody::parse(request);
  if (!body.ok()) return body.error();
  auto task = task_from(capability, *body);
  if (!task.ok()) return task.error();
  ai::AiCall ai_call;
  ai_call.capability = *config::capability_from_string(capability);
  ai_call.task = std::move(task).value();
  ai_call.request_id = request.request_id;
  ai_call.deadline = std::chrono::steady_clock::now() + deadline;
  return ai_call;
}

// A text call does what the gateway's own AI work does, minus the database: parse, call,
// format. It runs with no pool (Runs::kInline): parsed on the event loop, answered from the AI
// client's I/O thread, so what bench/ai_calls.sh measures is the AI path itself. An image call
// runs on the pool, since the mock paints its PNG as the task is translated.
async::Task<Result<http::HttpResponse>> call_capability(ai::AiCalls& ai,
                                                        std::chrono::milliseconds deadline,
                                                        std::string capability, const Call& call) {
  auto ai_call = call_from(capability, call.request, deadline);
  if (!ai_call.ok()) co_return ai_call.error();
  const ai::AiAnswer answer = co_await ai::ask(ai, std::move(ai_call).value());
  if (!answer.ok()) co_return ai::error_for(answer);
  co_return http::HttpResponse::json(200, answer_json(answer));
}

}  // namespace

void register_debug_ai_api(Routes& routes, DebugAiApiDeps deps) {
  routes.add(
      http::Method::kPost, "/debug/ai/image", {.access = Access::kPublic},
      [deps](const Call& c) { return call_capability(*deps.caller, deps.deadline, "image", c); });
  routes.add(http::Method::kPost, "/debug/ai/{capability}",
             {.access = Access::kPublic, .runs = Runs::kInline}, [deps](const Call& c) {
               return call_capability(*deps.caller, deps.deadline, c.path_param("capability"), c);
             });
}

}  // namespace moodgate::api
