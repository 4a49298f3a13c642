#include "core/api/auth_json.h"

namespace moodgate::api {

void write_user(json::Writer& w, const services::User& user) {
  w.StartObject();
  json::key(w, "id");
  json::string(w, user.id);
  json::key(w, "email");
  json::string(w, user.email);
  json::key(w, "display_name");
  if (user.display_name) {
    json::string(w, *user.display_name);
  } else {
    w.Null();
  }
  json::key(w, "created_at");
  json::string(w, user.created_at);
  w.EndObject();
}

void write_tokens(json::Writer& w, const services::TokenPair& tokens) {
  w.StartObject();
  json::key(w, "access_token");
  json::string(w, tokens.access_token);
  json::key(w, "refresh_token");
  json::string(w, tokens.refresh_token);
  json::key(w, "token_type");
  w.String("Bearer");
  json::key(w, "expires_in");
  w.Int(tokens.expires_in);
  w.EndObject();
}

std::string signed_in_json(const services::SignedIn& signed_in) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "user");
    write_user(w, signed_in.user);
    json::key(w, "tokens");
    write_tokens(w, signed_in.tokens);
    w.EndObject();
  });
}

std::string tokens_json(const services::TokenPair& tokens) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "tokens");
    write_tokens(w, tokens);
    w.EndObject();
  });
}

std::string user_json(const services::User& user) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "user");
    write_user(w, user);
    w.EndObject();
  });
}

}  // namespace moodgate::api
