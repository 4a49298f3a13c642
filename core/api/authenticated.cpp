#include "core/api/authenticated.h"

#include <strings.h>

namespace moodgate::api {

std::optional<std::string_view> bearer_token(const http::HttpRequest& request) {
  const auto it = request.headers.find("Authorization");
  if (it == request.headers.end()) return std::nullopt;
  std::string_view value = it->second;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      strncasecmp(value.data(), kScheme.data(), kScheme.size()) != 0) {
    return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace moodgate::api
