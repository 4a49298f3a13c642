#include "core/api/debug_ai_api.h"

#include <string>
#include <utility>

#include "core/ai/ai_error.h"
#include "core/api/json_body.h"
#include "core/common/json.h"
#include "core/config/config.h"
#include "core/http/exchange.h"

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

}  // namespace

void register_debug_ai_api(http::Router& router, DebugAiApiDeps deps) {
  router.add(http::Method::kPost, "/debug/ai/{capability}",
             [deps](const std::shared_ptr<http::Exchange>& ex) {
               const http::HttpRequest& request = ex->request();
               const std::string capability = request.path_params.at("capability");
               if (!known_capability(capability)) {
                 return ex->fail(Error::not_found("No such capability"));
               }
               auto body = JsonBody::parse(request);
               if (!body.ok()) return ex->fail(body.error());
               auto task = task_from(capability, *body);
               if (!task.ok()) return ex->fail(task.error());
               ai::AiCall call;
               call.capability = *config::capability_from_string(capability);
               call.task = std::move(task).value();
               call.request_id = request.request_id;
               call.deadline = std::chrono::steady_clock::now() + deps.deadline;
               auto run = [caller = deps.caller, ex, call = std::move(call)]() mutable {
                 caller->call(std::move(call), [ex](const ai::AiAnswer& answer) {
                   if (answer.ok()) {
                     ex->reply(http::HttpResponse::json(200, answer_json(answer)));
                   } else {
                     ex->fail(ai::error_for(answer));
                   }
                 });
               };
               if (capability != "image") return run();
               if (!deps.pool->try_submit(std::move(run))) {
                 ex->fail(Error::unavailable("Server is busy, try again shortly"));
               }
             });
}

}  // namespace moodgate::api
