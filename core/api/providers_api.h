// GET /api/v1/providers (authenticated): which provider instances serve each capability now,
// in the order they are tried, with their plugin and model. Never a setting or a key.
#pragma once

#include "core/ai/provider_registry.h"
#include "core/common/worker_pool.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"

namespace moodgate::api {

struct ProvidersApiDeps {
  WorkerPool* pool = nullptr;
  services::AuthService* auth = nullptr;
  const ai::ProviderRegistry* providers = nullptr;
};

void register_providers_api(http::Router& router, ProvidersApiDeps deps);

}  // namespace moodgate::api
