// The connection facts both Gemini plugins share (model, API key, base URL), read and checked
// once from a provider's settings, and the generateContent request they send. Pure: no I/O.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "moodgate/provider.h"

namespace moodgate::providers::gemini_common {

inline constexpr std::string_view kDefaultBaseUrl = "https://generativelanguage.googleapis.com";

struct Endpoint {
  std::string plugin;    // the plugin's name, which prefixes its messages ("gemini")
  std::string model;     // e.g. "gemini-2.5-flash"
  std::string api_key;   // only ever sent in the x-goog-api-key header
  std::string base_url;  // http(s)://host[:port][/path], without a trailing '/'
};

// Reads `model` (required), `api_key` (required) and `base_url` (optional) from `settings`.
// Throws std::invalid_argument naming the setting; the message never quotes the key or the URL
// (which may carry credentials). Other settings are left to the caller.
Endpoint read_endpoint(std::string_view plugin, const sdk::Settings& settings);

// The exception for a setting the plugin cannot work with: "<plugin>: setting `<name>` <problem>".
std::invalid_argument setting_error(std::string_view plugin, std::string_view name,
                                    std::string_view problem);

// POST {base_url}/v1beta/models/{model}:generateContent with `body` and the key in a header.
sdk::HttpRequest generate_content_request(const Endpoint& endpoint, std::string body);

}  // namespace moodgate::providers::gemini_common
