// X-Request-ID: echo the client's id when it is sane, otherwise make a new one.
#pragma once

#include <optional>
#include <string>

namespace moodgate::http {

// True for 1..128 characters of [A-Za-z0-9._:-] — safe to echo into headers and logs.
bool is_sane_request_id(const std::string& id);

// The client's id if sane, else a fresh UUID v4.
std::string choose_request_id(const std::optional<std::string>& from_client);

}  // namespace moodgate::http
