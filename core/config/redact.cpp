#include "core/config/redact.h"

#include <cctype>
#include <cstddef>
#include <string_view>

namespace moodgate::config {
namespace {

constexpr std::string_view kMask = "***";

// Replaces the password of `scheme://user:password@host...`. The user-info ends at the *last* '@'
// before the query, because an unencoded '@' inside a password is a common mistake and the part
// before the last '@' is then still secret.
std::string redact_user_info(std::string url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t query_begin = url.find_first_of("?#", authority_begin);
  const std::size_t authority_end = query_begin == std::string::npos ? url.size() : query_begin;
  const std::string_view authority(url.data() + authority_begin, authority_end - authority_begin);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return url;
  const std::size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return url;  // a user name alone is not a secret
  url.replace(authority_begin + colon + 1, at - colon - 1, kMask);
  return url;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Replaces the value of every `password=` parameter, whether it follows '?', '&', a space
// (libpq key=value form) or starts the text.
std::string redact_password_parameters(std::string text) {
  constexpr std::string_view kKey = "password=";
  for (std::size_t i = 0; i + kKey.size() <= text.size(); ++i) {
    const bool at_boundary = i == 0 || text[i - 1] == '?' || text[i - 1] == '&' ||
                             text[i - 1] == ';' || text[i - 1] == ' ';
    if (!at_boundary ||
        !equals_ignoring_case(std::string_view(text).substr(i, kKey.size()), kKey)) {
      continue;
    }
    const std::size_t value_begin = i + kKey.size();
    // libpq quotes a value holding spaces: password='a b'.
    const bool quoted = value_begin < text.size() && text[value_begin] == '\'';
    std::size_t value_end =
        quoted ? text.find('\'', value_begin + 1) : text.find_first_of("&#; ", value_begin);
    value_end = value_end == std::string::npos ? text.size() : value_end + (quoted ? 1 : 0);
    text.replace(value_begin, value_end - value_begin, kMask);
    i = value_begin + kMask.size() - 1;
  }
  return text;
}

}  // namespace

std::string redact_url(const std::string& url) {
  return redact_password_parameters(redact_user_info(url));
}

}  // namespace moodgate::config
