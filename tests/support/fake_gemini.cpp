// FakeGemini's Gemini behaviour: the key check, the routing, the body check and the script.
// The HTTP transport is fake_gemini_server.h.
#include "tests/support/fake_gemini.h"

#include <rapidjson/document.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <optional>

#include "tests/support/fake_gemini_http.h"
#include "tests/support/fake_gemini_server.h"

namespace moodgate::testing {
namespace {

constexpr const char* kModelsPrefix = "/v1beta/models/";

FakeGeminiReply invalid_key_reply() {
  FakeGeminiReply reply = error_reply(400, "INVALID_ARGUMENT", "");
  reply.body =
      "{\n  \"error\": {\n    \"code\": 400,\n"
      "    \"message\": \"API key not valid. Please pass a valid API key.\",\n"
      "    \"status\": \"INVALID_ARGUMENT\",\n    \"details\": [\n      {\n"
      "        \"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\",\n"
      "        \"reason\": \"API_KEY_INVALID\",\n        \"domain\": \"googleapis.com\",\n"
      "        \"metadata\": {\n          \"service\": \"generativelanguage.googleapis.com\"\n"
      "        }\n      }\n    ]\n  }\n}\n";
  return reply;
}

// Checks the body as Google does before generating: a JSON object with a non-empty `contents`.
std::optional<FakeGeminiReply> check_body(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return error_reply(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.");
  }
  const auto contents = doc.FindMember("contents");
  if (contents == doc.MemberEnd() || !contents->value.IsArray() || contents->value.Empty()) {
    return error_reply(400, "INVALID_ARGUMENT",
                       "* GenerateContentRequest.contents: contents is not specified\n");
  }
  return std::nullopt;
}

}  // namespace

struct FakeGemini::State {
  const std::string api_key;
  mutable std::mutex mutex;
  std::deque<FakeGeminiReply> queue;
  std::function<FakeGeminiReply(const FakeGeminiRequest&)> fallback;
  std::vector<FakeGeminiRequest> received;
  // Last, so that it stops (and stops calling answer()) before the rest goes.
  std::unique_ptr<fake_gemini_http::Server> server;

  explicit State(std::string key) : api_key(std::move(key)) {}
  FakeGeminiReply answer(FakeGeminiRequest request);
};

FakeGeminiReply FakeGemini::State::answer(FakeGeminiRequest request) {
  std::string method_name;
  if (request.path.rfind(kModelsPrefix, 0) == 0) {
    const std::string rest = request.path.substr(std::strlen(kModelsPrefix));
    const auto colon = rest.find(':');
    if (colon != std::string::npos && colon > 0 && rest.find('/') == std::string::npos) {
      request.model = rest.substr(0, colon);
      method_name = rest.substr(colon + 1);
    }
  }
  const auto key_header = request.headers.find("x-goog-api-key");
  request.api_key = key_header != request.headers.end() && !key_header->second.empty()
                        ? key_header->second
                        : fake_gemini_http::query_param(request.query, "key");
  {
    std::lock_guard lock(mutex);
    received.push_back(request);
  }

  if (request.api_key.empty()) {
    return error_reply(403, "PERMISSION_DENIED",
                       "Method doesn't allow unregistered callers (callers without established "
                       "identity). Please use API Key or other form of API consumer identity to "
                       "call this API.");
  }
  if (request.api_key != api_key) return invalid_key_reply();
  if (request.method != "POST" || method_name != "generateContent") {
    return error_reply(404, "NOT_FOUND",
                       method_name == "streamGenerateContent"
                           ? "streamGenerateContent is not supported by the fake."
                           : "The requested URL " + request.path + " was not found.");
  }
  if (auto refusal = check_body(request.body)) return std::move(*refusal);

  std::function<FakeGeminiReply(const FakeGeminiRequest&)> fallback_copy;
  {
    std::lock_guard lock(mutex);
    if (!queue.empty()) {
      FakeGeminiReply reply = std::move(queue.front());
      queue.pop_front();
      return reply;
    }
    fallback_copy = fallback;
  }
  if (!fallback_copy) return error_reply(500, "INTERNAL", "FakeGemini: the fallback is empty.");
  return fallback_copy(request);
}

FakeGemini::FakeGemini(std::string api_key) : state_(std::make_unique<State>(std::move(api_key))) {
  state_->fallback = [](const FakeGeminiRequest& request) {
    return text_reply("Hello from the fake Gemini.", 10, 20, 0, request.model);
  };
  state_->server =
      std::make_unique<fake_gemini_http::Server>([state = state_.get()](FakeGeminiRequest request) {
        return state->answer(std::move(request));
      });
}

FakeGemini::~FakeGemini() {
  state_->server.reset();
}

std::uint16_t FakeGemini::port() const {
  return state_->server->port();
}

std::string FakeGemini::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeGemini::enqueue(FakeGeminiReply reply) {
  std::lock_guard lock(state_->mutex);
  state_->queue.push_back(std::move(reply));
}

void FakeGemini::set_fallback(std::function<FakeGeminiReply(const FakeGeminiRequest&)> fallback) {
  std::lock_guard lock(state_->mutex);
  state_->fallback = std::move(fallback);
}

std::vector<FakeGeminiRequest> FakeGemini::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

std::size_t FakeGemini::request_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->received.size();
}

int FakeGemini::max_concurrent_connections() const {
  return state_->server->max_concurrent_connections();
}
int FakeGemini::open_connections() const {
  return state_->server->open_connections();
}
int FakeGemini::connections_accepted() const {
  return state_->server->connections_accepted();
}

}  // namespace moodgate::testing
