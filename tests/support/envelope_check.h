// Assertions about answers that the HTTP tests share.
#pragma once

#include <string>

#include "core/config/config.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace moodgate::testing {

// REQUIREs `r` to be API.md's error envelope with `status` and `code`: JSON, a message, a
// details object, and a request_id matching the X-Request-ID header.
void check_envelope(const HttpReply& r, int status, const std::string& code);

// "GET <target> HTTP/1.1" with a Host and `extra` header lines ("Name: value\r\n"...).
std::string get_request(const std::string& target, const std::string& extra = "");

// A test_config() on a SQLite file in its own temp dir.
struct SqliteServerFixture {
  TempDir dir;
  config::Config config;
  SqliteServerFixture();
};

}  // namespace moodgate::testing
