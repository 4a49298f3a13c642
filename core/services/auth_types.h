// The plain values the accounts service takes and gives. JSON lives in api/auth_json.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace moodgate::services {

// A user as the API shows it: never a hash, never a token id.
struct User {
  std::string id;
  std::string email;
  std::optional<std::string> display_name;
  std::string created_at;  // RFC 3339 ms
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int expires_in = 0;  // seconds the access token is valid
};

struct SignedIn {
  User user;
  TokenPair tokens;
};

// Who is calling: made by AuthService::verify_token() from a valid access token, and trusted
// once AuthService::check_live() has found its session and token unrevoked.
struct Principal {
  std::string user_id;
  std::string session_id;
  std::string token_id;
  std::int64_t expires_at = 0;  // Unix seconds
};

// Validated inputs (api/ enforces API.md's field rules before these exist).
struct RegisterInput {
  std::string email;  // normalised
  std::string password;
  std::optional<std::string> display_name;
};

struct LoginInput {
  std::string email;  // normalised
  std::string password;
};

struct ProfileChange {
  bool set_display_name = false;
  std::optional<std::string> display_name;  // with set_display_name: nullopt clears it
  std::optional<std::string> new_password;
  std::optional<std::string> current_password;
};

// The tightest rate limit a request counted against, for X-RateLimit-* headers on success.
struct RateLimitInfo {
  int limit = 0;  // 0 = no limit applied
  int remaining = 0;
  int reset_after_s = 0;
};

}  // namespace moodgate::services
