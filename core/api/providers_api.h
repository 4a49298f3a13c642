// GET /api/v1/providers (authenticated): which provider instances serve each capability now,
// in the order they are tried, with their plugin and model. Never a setting or a key.
#pragma once

#include "core/ai/provider_registry.h"
#include "core/api/routes.h"

namespace moodgate::api {

struct ProvidersApiDeps {
  const ai::ProviderRegistry* providers = nullptr;
};

void register_providers_api(Routes& routes, ProvidersApiDeps deps);

}  // namespace moodgate::api
