// The accounts endpoints of API.md: POST /api/v1/auth/register, login, refresh, logout and
// GET/PATCH/DELETE /api/v1/auth/me. Bodies are validated here into the service's plain inputs
// (400 naming the field); the meaning lives in services::AuthService.
#pragma once

#include <chrono>

#include "core/common/worker_pool.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"
#include "core/services/idempotency_service.h"

namespace moodgate::api {

struct AuthApiDeps {
  WorkerPool* pool = nullptr;           // general blocking work
  WorkerPool* password_pool = nullptr;  // requests that hash or verify a password
  services::AuthService* auth = nullptr;
  services::IdempotencyService* idempotency = nullptr;  // logout and PATCH /me take a key
  // A request that waited longer than this for password_pool is answered 503 unrun.
  std::chrono::milliseconds password_queue_timeout{5000};
};

// Registers the accounts routes on `router`.
void register_auth_api(http::Router& router, AuthApiDeps deps);

}  // namespace moodgate::api
