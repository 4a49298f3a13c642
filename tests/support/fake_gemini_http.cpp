#include "tests/support/fake_gemini_http.h"

#include <strings.h>

#include <cctype>

namespace moodgate::testing::fake_gemini_http {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool parse_request_line(std::string_view line, RequestHead& head) {
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  head.method = line.substr(0, sp1);
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head.version = line.substr(sp2 + 1);
  for (char c : head.method) {
    if (!is_token_char(c)) return false;
  }
  return head.target.front() == '/' && (head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

HeadResult parse_head(std::string_view data, RequestHead& head) {
  const auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return data.size() > kMaxHeadBytes ? HeadResult::kTooLarge : HeadResult::kIncomplete;
  }
  if (end + 4 > kMaxHeadBytes) return HeadResult::kTooLarge;
  head = RequestHead{};
  head.size = end + 4;
  const auto first_eol = data.find("\r\n");
  if (!parse_request_line(data.substr(0, first_eol), head)) return HeadResult::kMalformed;
  std::size_t pos = first_eol + 2;
  while (pos < end) {
    const auto eol = data.find("\r\n", pos);
    const std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return HeadResult::kMalformed;
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!is_token_char(c)) return HeadResult::kMalformed;  // also refuses obsolete folding
    }
    const std::string key = lower(std::string(name));
    const std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = head.headers.emplace(key, value);
    if (!inserted) it->second += ", " + value;
  }
  return HeadResult::kComplete;
}

std::optional<std::size_t> content_length(const RequestHead& head) {
  const auto it = head.headers.find("content-length");
  if (it == head.headers.end()) return std::size_t{0};
  const std::string& v = it->second;
  if (v.empty() || v.size() > 18) return std::nullopt;
  std::size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

std::string header(const RequestHead& head, const std::string& name) {
  const auto it = head.headers.find(name);
  return it == head.headers.end() ? "" : it->second;
}

bool has_token(const std::string& value, const std::string& token) {
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    const std::string_view item = trim(std::string_view(value).substr(start, comma - start));
    if (item.size() == token.size() && strncasecmp(item.data(), token.data(), token.size()) == 0) {
      return true;
    }
    start = comma + 1;
  }
  return false;
}

bool wants_close(const RequestHead& head) {
  const std::string connection = header(head, "connection");
  if (has_token(connection, "close")) return true;
  return head.version == "HTTP/1.0" && !has_token(connection, "keep-alive");
}

std::string query_param(const std::string& query, const std::string& name) {
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    const std::string_view pair = std::string_view(query).substr(start, amp - start);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    }
    start = amp + 1;
  }
  return "";
}

std::string serialize(const FakeGeminiReply& reply, bool close) {
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) {
    if (strcasecmp(name.c_str(), "content-length") == 0 ||
        strcasecmp(name.c_str(), "connection") == 0) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  out += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
  out += "\r\n";
  out += reply.truncate ? reply.body.substr(0, reply.body.size() / 2) : reply.body;
  return out;
}

}  // namespace moodgate::testing::fake_gemini_http
