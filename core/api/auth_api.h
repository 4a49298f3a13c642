// The accounts endpoints of API.md: POST /api/v1/auth/register, login, refresh, logout and
// GET/PATCH/DELETE /api/v1/auth/me. Bodies are validated here into the service's plain inputs
// (400 naming the field); the meaning lives in services::AuthService.
#pragma once

#include <chrono>

#include "core/api/routes.h"
#include "core/services/auth_service.h"

namespace moodgate::api {

struct AuthApiDeps {
  services::AuthService* auth = nullptr;
  // A request that waited longer than this for the sign-in pool is answered 503 unrun.
  std::chrono::milliseconds password_queue_timeout{5000};
};

// Registers the accounts routes on `router`.
void register_auth_api(Routes& routes, AuthApiDeps deps);

}  // namespace moodgate::api
