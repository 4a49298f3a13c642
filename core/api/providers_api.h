// GET /api/v1/providers (authenticated): which provider instances serve each capability now,
// in the order they are tried, with their plugin, model, breaker state and spend budget (null
// without one; else the window's limit and settled spend in USD, when it resets, and whether
// it is spent, in which case the chain skips the instance). Never a setting or a key.
#pragma once

#include "core/ai/provider_budgets.h"
#include "core/ai/provider_registry.h"
#include "core/api/routes.h"

namespace moodgate::api {

struct ProvidersApiDeps {
  const ai::ProviderRegistry* providers = nullptr;
  const ai::ProviderBudgets* budgets = nullptr;  // null: no instance shows a budget
};

void register_providers_api(Routes& routes, ProvidersApiDeps deps);

}  // namespace moodgate::api
