#include "gemini_common/endpoint.h"

#include <algorithm>

namespace moodgate::providers::gemini_common {
namespace {

std::string setting(const sdk::Settings& settings, const char* name) {
  auto it = settings.find(name);
  return it == settings.end() ? std::string() : it->second;
}

bool is_control_or_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

// Model ids go into the URL path unescaped, so they are kept to the characters ids use.
bool is_model_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::string checked_base_url(std::string_view plugin, std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = std::string_view(url).substr(8);
  } else if (url.starts_with("http://")) {
    rest = std::string_view(url).substr(7);
  } else {
    throw setting_error(plugin, "base_url", "must start with http:// or https://");
  }
  if (rest.empty() || rest.front() == '/') throw setting_error(plugin, "base_url", "has no host");
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return is_control_or_space(c) || c == '?' || c == '#'; })) {
    throw setting_error(plugin, "base_url",
                        "must not contain whitespace, control characters, '?' or '#'");
  }
  return url;
}

}  // namespace

std::invalid_argument setting_error(std::string_view plugin, std::string_view name,
                                    std::string_view problem) {
  std::string message(plugin);
  message.append(": setting `").append(name).append("` ").append(problem);
  return std::invalid_argument(message);
}

Endpoint read_endpoint(std::string_view plugin, const sdk::Settings& settings) {
  Endpoint endpoint;
  endpoint.plugin = std::string(plugin);

  endpoint.model = setting(settings, "model");
  if (endpoint.model.empty()) throw setting_error(plugin, "model", "is required");
  if (!std::all_of(endpoint.model.begin(), endpoint.model.end(), is_model_char)) {
    throw setting_error(plugin, "model", "may contain only letters, digits, '.', '-' and '_'");
  }

  endpoint.api_key = setting(settings, "api_key");
  if (endpoint.api_key.empty()) throw setting_error(plugin, "api_key", "is required");
  // It becomes a header value: a line break in it would forge headers.
  if (std::any_of(endpoint.api_key.begin(), endpoint.api_key.end(), is_control_or_space)) {
    throw setting_error(plugin, "api_key", "must not contain whitespace or control characters");
  }

  auto base_url = settings.find("base_url");
  endpoint.base_url = checked_base_url(
      plugin, base_url == settings.end() ? std::string(kDefaultBaseUrl) : base_url->second);
  return endpoint;
}

sdk::HttpRequest generate_content_request(const Endpoint& endpoint, std::string body) {
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = endpoint.base_url + "/v1beta/models/" + endpoint.model + ":generateContent";
  request.headers = {{"content-type", "application/json"}, {"x-goog-api-key", endpoint.api_key}};
  request.body = std::move(body);
  return request;
}

}  // namespace moodgate::providers::gemini_common
