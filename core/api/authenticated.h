// Reading the access token of a request (routes.h verifies it for every token route).
#pragma once

#include <optional>
#include <string_view>

#include "core/http/http_types.h"

namespace moodgate::api {

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
std::optional<std::string_view> bearer_token(const http::HttpRequest& request);

}  // namespace moodgate::api
