#include "core/http/response_bytes.h"

#include <strings.h>

#include <algorithm>

namespace moodgate::http {

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
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
      return "Unknown";
  }
}

namespace {

void append_clean(std::string& out, const std::string& text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

}  // namespace

std::string serialize_response(const HttpResponse& response, int version_minor, bool& close) {
  // Repeated names (Vary from two middlewares) become one list-valued field, in first-seen order.
  std::vector<std::pair<const std::string*, std::string>> fields;
  fields.reserve(response.headers.size());
  for (const auto& [name, value] : response.headers) {
    if (strcasecmp(name.c_str(), "Connection") == 0) {
      close = close || strcasecmp(value.c_str(), "close") == 0;
      continue;
    }
    auto same = std::find_if(fields.begin(), fields.end(), [&](const auto& f) {
      return strcasecmp(f.first->c_str(), name.c_str()) == 0;
    });
    if (same == fields.end()) {
      fields.emplace_back(&name, value);
    } else if (same->second != value) {
      same->second += ", " + value;
    }
  }

  std::string out;
  out.reserve(256 + response.body.size());
  out += version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\n";
  auto line = [&out](const std::string& name, const std::string& value) {
    append_clean(out, name);
    out += ": ";
    append_clean(out, value);
    out += "\r\n";
  };
  if (!response.content_type.empty()) line("Content-Type", response.content_type);
  for (const auto& [name, value] : fields) line(*name, value);
  out += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodiless) out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "\r\n";
  if (!bodiless) out += response.body;
  return out;
}

}  // namespace moodgate::http
