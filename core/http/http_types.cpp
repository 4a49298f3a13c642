#include "core/http/http_types.h"

#include <strings.h>

#include <array>

namespace moodgate::http {
namespace {
constexpr std::array<std::pair<Method, const char*>, 7> kMethods{{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kOptions, "OPTIONS"},
}};
}  // namespace

const char* method_name(Method m) {
  for (const auto& [method, name] : kMethods) {
    if (method == m) return name;
  }
  return "OTHER";
}

Method parse_method(std::string_view token) {
  for (const auto& [method, name] : kMethods) {
    if (token == name) return method;
  }
  return Method::kOther;
}

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::optional<std::string> HttpRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

}  // namespace moodgate::http
