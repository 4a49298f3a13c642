// Assertions about answers that the HTTP tests share.
#pragma once

#include <string>

#include "tests/support/http_client.h"

namespace moodgate::testing {

// REQUIREs `r` to be API.md's error envelope with `status` and `code`: JSON, a message, a
// details object, and a request_id matching the X-Request-ID header.
void check_envelope(const HttpReply& r, int status, const std::string& code);

}  // namespace moodgate::testing
