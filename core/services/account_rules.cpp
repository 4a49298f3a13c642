#include "core/services/account_rules.h"

#include <algorithm>
#include <cctype>

#include "core/common/text.h"

namespace moodgate::services {
namespace {

using text::has_control;
using text::trim;
using text::utf8_length;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t dot = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    start = dot + 1;
  }
  return true;
}

}  // namespace

Result<std::string> normalize_email(std::string_view raw, std::string_view field) {
  const std::string_view trimmed = trim(raw);
  const std::string f(field);
  if (trimmed.empty()) return Error::invalid_input("Email is required", f);
  if (trimmed.size() > kMaxEmailLength) {
    return Error::invalid_input("Email must be at most 254 characters", f);
  }
  std::string email(trimmed);
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t at = email.find('@');
  const bool one_at = at != std::string::npos && email.find('@', at + 1) == std::string::npos;
  const bool shaped =
      one_at && at > 0 && at <= 64 && valid_domain(std::string_view(email).substr(at + 1)) &&
      !has_control(email) &&
      std::none_of(email.begin(), email.end(), [](char c) { return is_space(c); }) &&
      utf8_length(email).has_value();
  if (!shaped) return Error::invalid_input("Email must look like name@example.com", f);
  return email;
}

Result<std::string> check_password(std::string_view raw, std::string_view field) {
  const std::string f(field);
  const std::optional<std::size_t> chars = utf8_length(raw);
  if (!chars) return Error::invalid_input("Password must be valid UTF-8", f);
  if (*chars < kMinPasswordChars || *chars > kMaxPasswordChars) {
    return Error::invalid_input("Password must be 8 to 128 characters long", f);
  }
  // Any non-ASCII character counts as a letter: passphrases in every script are welcome.
  const bool letter = std::any_of(raw.begin(), raw.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalpha(u) || u >= 0x80;
  });
  const bool digit =
      std::any_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!letter || !digit) {
    return Error::invalid_input("Password must contain at least one letter and one digit", f);
  }
  return std::string(raw);
}

Result<std::optional<std::string>> normalize_display_name(std::string_view raw,
                                                          std::string_view field) {
  const std::string f(field);
  const std::string_view trimmed = trim(raw);
  if (trimmed.empty()) return std::optional<std::string>();
  const std::optional<std::size_t> chars = utf8_length(trimmed);
  if (!chars) return Error::invalid_input("Display name must be valid UTF-8", f);
  if (*chars > kMaxDisplayNameChars) {
    return Error::invalid_input("Display name must be at most 100 characters", f);
  }
  if (has_control(trimmed)) {
    return Error::invalid_input("Display name must not contain control characters", f);
  }
  return std::optional<std::string>(std::string(trimmed));
}

}  // namespace moodgate::services
