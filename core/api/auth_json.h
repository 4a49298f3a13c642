// JSON for the accounts endpoints: `user`, `tokens` and the bodies built from them (API.md).
#pragma once

#include <string>

#include "core/common/json.h"
#include "core/services/auth_types.h"

namespace moodgate::api {

// {"id", "email", "display_name", "created_at"}: never a hash, never a token id.
void write_user(json::Writer& w, const services::User& user);
// {"access_token", "refresh_token", "token_type": "Bearer", "expires_in"}.
void write_tokens(json::Writer& w, const services::TokenPair& tokens);

// {"user": ..., "tokens": ...}
std::string signed_in_json(const services::SignedIn& signed_in);
// {"tokens": ...}
std::string tokens_json(const services::TokenPair& tokens);
// {"user": ...}
std::string user_json(const services::User& user);

}  // namespace moodgate::api
