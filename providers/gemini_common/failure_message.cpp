#include "gemini_common/failure_message.h"

#include <utility>

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

bool ends_url(char c) {
  return c == ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

bool in_scheme(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

// Every "scheme://..." up to the next space or quote, less the punctuation that ends a sentence.
void redact_urls(std::string& text) {
  for (auto at = text.find("://"); at != std::string::npos; at = text.find("://", at)) {
    std::size_t start = at;
    while (start > 0 && in_scheme(text[start - 1])) --start;
    std::size_t end = at + 3;
    while (end < text.size() && !ends_url(text[end])) ++end;
    while (end > at + 3 && std::string_view(".,;:!?)]}").find(text[end - 1]) != std::string::npos)
      --end;
    text.replace(start, end - start, kRedacted);
    at = start + kRedacted.size();
  }
}

// "host:port" and "host" of an absolute URL without user info ("" when it has no "://").
std::pair<std::string_view, std::string_view> host_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const auto colon = authority.rfind(':');
  const bool has_port =
      colon != std::string_view::npos && authority.find(']', colon) == authority.npos;
  return {authority, has_port ? authority.substr(0, colon) : authority};
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
  redact_urls(body);
  const auto [authority, host] = host_of(endpoint.base_url);
  // A one-label host ("gemini" in a container network) would also match inside plain words.
  for (const std::string_view name : {authority, host}) {
    if (name.find_first_of(".:") != std::string_view::npos) redact(body, name);
  }
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
