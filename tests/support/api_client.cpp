#include "tests/support/api_client.h"

#include <catch2/catch.hpp>

#include "core/common/json.h"

namespace moodgate::testing {
namespace {

std::string member_string(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject() || !v.HasMember(name) || !v[name].IsString()) return "";
  return v[name].GetString();
}

Account account_from(const HttpReply& reply, const std::string& email,
                     const std::string& password) {
  const auto doc = reply.json();
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("user"));
  REQUIRE(doc.HasMember("tokens"));
  Account a;
  a.id = member_string(doc["user"], "id");
  a.email = email;
  a.password = password;
  a.access_token = member_string(doc["tokens"], "access_token");
  a.refresh_token = member_string(doc["tokens"], "refresh_token");
  REQUIRE_FALSE(a.id.empty());
  REQUIRE_FALSE(a.access_token.empty());
  REQUIRE_FALSE(a.refresh_token.empty());
  return a;
}

}  // namespace

HttpReply api_call(std::uint16_t port, const std::string& method, const std::string& path,
                   const std::string& json_body, const std::string& token, const Headers& extra) {
  Headers headers = extra;
  if (!json_body.empty()) headers.emplace_back("Content-Type", "application/json");
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return http_request(port, method, path, json_body, headers);
}

std::string credentials_json(const std::string& email, const std::string& password) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "email");
    json::string(w, email);
    json::key(w, "password");
    json::string(w, password);
    w.EndObject();
  });
}

Account register_account(std::uint16_t port, const std::string& email,
                         const std::string& password) {
  const HttpReply reply =
      api_call(port, "POST", "/api/v1/auth/register", credentials_json(email, password));
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return account_from(reply, email, password);
}

Account login_account(std::uint16_t port, const std::string& email, const std::string& password) {
  const HttpReply reply =
      api_call(port, "POST", "/api/v1/auth/login", credentials_json(email, password));
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return account_from(reply, email, password);
}

std::string error_code(const HttpReply& reply) {
  try {
    const auto doc = reply.json();
    if (!doc.IsObject() || !doc.HasMember("error")) return "";
    return member_string(doc["error"], "code");
  } catch (...) {
    return "";
  }
}

std::string error_field(const HttpReply& reply) {
  try {
    const auto doc = reply.json();
    if (!doc.IsObject() || !doc.HasMember("error") || !doc["error"].HasMember("details")) {
      return "";
    }
    return member_string(doc["error"]["details"], "field");
  } catch (...) {
    return "";
  }
}

std::string error_message(const HttpReply& reply) {
  try {
    const auto doc = reply.json();
    if (!doc.IsObject() || !doc.HasMember("error")) return "";
    return member_string(doc["error"], "message");
  } catch (...) {
    return "";
  }
}

}  // namespace moodgate::testing
