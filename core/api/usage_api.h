// GET /api/v1/usage (authenticated): the caller's own AI quotas as they stand now -- for each
// capability and for the spend cap, what the current window counted, the limit, what is left and
// when the window ends (API.md "Quotas and usage"), so the app can say "17 of 20 pictures left
// today". `limit`, `remaining` and `resets_at` are null for a limit that is off (or with quotas
// off); spend is in USD. Reads the database: runs on the pool.
#pragma once

#include "core/api/routes.h"
#include "core/services/quota_service.h"

namespace moodgate::api {

struct UsageApiDeps {
  services::QuotaService* quotas = nullptr;
};

void register_usage_api(Routes& routes, UsageApiDeps deps);

}  // namespace moodgate::api
