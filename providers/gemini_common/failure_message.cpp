#include "gemini_common/failure_message.h"

namespace moodgate::providers::gemini_common {
namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr std::string_view kEllipsis = "...";

void redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::string failure_message(const Endpoint& endpoint, std::string_view text) {
  std::string body(text);
  for (char& c : body) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  redact(body, endpoint.api_key);
  std::string message = endpoint.plugin + ": " + body;
  if (message.size() > kMaxMessageBytes) {
    std::size_t cut = kMaxMessageBytes - kEllipsis.size();
    while (cut > 0 && is_utf8_continuation(message[cut])) --cut;
    message.resize(cut);
    message.append(kEllipsis);
  }
  return message;
}

sdk::Failure make_failure(const Endpoint& endpoint, sdk::FailureKind kind, std::string_view text) {
  return sdk::Failure{kind, failure_message(endpoint, text), std::nullopt};
}

}  // namespace moodgate::providers::gemini_common
