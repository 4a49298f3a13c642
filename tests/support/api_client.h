// Helpers for talking to the /api/v1 endpoints in tests: JSON requests with or without a
// bearer token, a registered account in one call, and the error envelope's parts.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/http_client.h"

namespace moodgate::testing {

// A request with a JSON body (Content-Type: application/json) and, if `token` is not empty,
// `Authorization: Bearer <token>`.
HttpReply api_call(std::uint16_t port, const std::string& method, const std::string& path,
                   const std::string& json_body = "", const std::string& token = "",
                   const Headers& extra = {});

struct Account {
  std::string id;
  std::string email;
  std::string password;
  std::string access_token;
  std::string refresh_token;
};

// Registers `email` with `password` and REQUIREs a 201.
Account register_account(std::uint16_t port, const std::string& email,
                         const std::string& password = "correct horse 1");
// Logs in and REQUIREs a 200.
Account login_account(std::uint16_t port, const std::string& email,
                      const std::string& password = "correct horse 1");

// {"email": ..., "password": ...}
std::string credentials_json(const std::string& email, const std::string& password);

// The envelope's error.code ("" when the body is not an envelope).
std::string error_code(const HttpReply& reply);
// The envelope's error.details.field ("" when absent).
std::string error_field(const HttpReply& reply);
// The envelope's error.message.
std::string error_message(const HttpReply& reply);

}  // namespace moodgate::testing
