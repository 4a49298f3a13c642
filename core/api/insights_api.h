// The insights endpoints of API.md: GET /api/v1/insights?from&to (computed in SQL, no AI) and
// POST /api/v1/insights/summary {from?, to?} (the `summary` provider chain). A period is
// [from, to): dates (a `to` date includes that day) or RFC 3339 times; by default the last 30
// UTC days, today included. The summary takes an Idempotency-Key.
#pragma once

#include <chrono>

#include "core/api/routes.h"
#include "core/services/insights_service.h"

namespace moodgate::api {

struct InsightsApiDeps {
  services::InsightsService* insights = nullptr;
  std::chrono::milliseconds ai_deadline{60000};
};

void register_insights_api(Routes& routes, InsightsApiDeps deps);

}  // namespace moodgate::api
