#include "core/http/request_id.h"

#include <algorithm>
#include <cctype>

#include "core/common/uuid.h"

namespace moodgate::http {

bool is_sane_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

std::string choose_request_id(const std::optional<std::string>& from_client) {
  if (from_client && is_sane_request_id(*from_client)) return *from_client;
  return new_uuid();
}

}  // namespace moodgate::http
