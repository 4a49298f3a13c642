// The rules of API.md for account fields, as pure functions the API layer validates with.
// Each returns the normalised value or an kInvalidInput Error naming `field`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace moodgate::services {

constexpr std::size_t kMaxEmailLength = 254;
constexpr std::size_t kMinPasswordChars = 8;
constexpr std::size_t kMaxPasswordChars = 128;
constexpr std::size_t kMaxDisplayNameChars = 100;

// Trimmed and lower-cased; local@domain with a dotted domain, no spaces or control characters,
// at most 254 bytes.
Result<std::string> normalize_email(std::string_view raw, std::string_view field = "email");

// 8..128 characters (code points of valid UTF-8) with at least one letter and one digit.
// Returned unchanged: passwords are never trimmed or normalised.
Result<std::string> check_password(std::string_view raw, std::string_view field = "password");

// Trimmed; empty becomes no name; at most 100 characters, no control characters.
Result<std::optional<std::string>> normalize_display_name(std::string_view raw,
                                                          std::string_view field = "display_name");

}  // namespace moodgate::services
