// A template provider: copy this folder, rename "echo", and replace the translation.
//
// It calls a JSON-over-HTTP service at settings["base_url"] + "/v1/complete" with
// {"prompt": ...} and expects {"text": ..., "input_tokens": n, "output_tokens": n}. That is the
// whole job of a provider: build the request in start(), read the reply in finish(). No I/O,
// no threads, no global state; never put settings["api_key"] in a message.
#include <moodgate/provider.h>

#include <stdexcept>
#include <string>

namespace {

using namespace moodgate::sdk;

// Minimal JSON string escaping for the request body (use a JSON library for real work).
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The value of "key": "..." or "key": 123 in a flat JSON object ("" when absent).
std::string json_field(const std::string& body, const std::string& key) {
  const auto at = body.find("\"" + key + "\"");
  if (at == std::string::npos) return "";
  auto pos = body.find(':', at) + 1;
  while (pos < body.size() && body[pos] == ' ') ++pos;
  if (pos < body.size() && body[pos] == '"') {
    const auto end = body.find('"', pos + 1);
    return end == std::string::npos ? "" : body.substr(pos + 1, end - pos - 1);
  }
  const auto end = body.find_first_of(",}", pos);
  return end == std::string::npos ? "" : body.substr(pos, end - pos);
}

class EchoProvider final : public Provider {
 public:
  explicit EchoProvider(const Settings& settings) {
    const auto url = settings.find("base_url");
    if (url == settings.end() || url->second.rfind("http", 0) != 0) {
      throw std::invalid_argument("echo: setting `base_url` must be an http(s) URL");
    }
    base_url_ = url->second;
    const auto key = settings.find("api_key");
    if (key != settings.end()) api_key_ = key->second;
  }

  std::vector<Capability> capabilities() const override { return {Capability::kText}; }
  std::string model() const override { return "echo-1"; }

  Start start(const Task& task) const override {
    const auto* text = std::get_if<TextTask>(&task);
    if (text == nullptr || text->messages.empty()) {
      return Failure{FailureKind::kInvalidRequest, "echo: only text tasks with a message", {}};
    }
    HttpRequest request;
    request.url = base_url_ + "/v1/complete";
    request.headers = {{"content-type", "application/json"}};
    if (!api_key_.empty()) request.headers.emplace_back("authorization", "Bearer " + api_key_);
    request.body = "{\"prompt\":" + json_string(text->messages.back().text) + "}";
    return request;
  }

  Next finish(const Task&, const HttpRequest&, const HttpReply& reply) const override {
    if (reply.status == 429) return Failure{FailureKind::kRateLimited, "echo: rate limited", {}};
    if (reply.status == 401 || reply.status == 403) {
      return Failure{FailureKind::kAuth, "echo: credentials refused", {}};
    }
    if (reply.status >= 500) return Failure{FailureKind::kUnavailable, "echo: server error", {}};
    if (reply.status != 200) return Failure{FailureKind::kInvalidRequest, "echo: refused", {}};
    const std::string text = json_field(reply.body, "text");
    if (text.empty()) return Failure{FailureKind::kBadResponse, "echo: no text in the reply", {}};
    Result result{TextOutput{text}, {}, "echo-1", "STOP"};
    try {
      result.usage.input_tokens = std::stoll(json_field(reply.body, "input_tokens"));
      result.usage.output_tokens = std::stoll(json_field(reply.body, "output_tokens"));
    } catch (const std::exception&) {
      // usage is optional in this service's replies
    }
    return result;
  }

 private:
  std::string base_url_;
  std::string api_key_;
};

std::unique_ptr<Provider> create(const Settings& settings) {
  return std::make_unique<EchoProvider>(settings);
}

}  // namespace

MOODGATE_EXPORT_PROVIDER(create);
MOODGATE_PROVIDER_VERSION("0.1.0");
