// The insights endpoints of API.md: GET /api/v1/insights?from&to (computed in SQL, no AI) and
// POST /api/v1/insights/summary {from?, to?} (the `summary` provider chain). A period is
// [from, to): dates (a `to` date includes that day) or RFC 3339 times; by default the last 30
// UTC days, today included. The summary takes an Idempotency-Key.
#pragma once

#include <chrono>

#include "core/common/worker_pool.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"
#include "core/services/idempotency_service.h"
#include "core/services/insights_service.h"

namespace moodgate::api {

struct InsightsApiDeps {
  WorkerPool* pool = nullptr;
  services::AuthService* auth = nullptr;
  services::InsightsService* insights = nullptr;
  services::IdempotencyService* idempotency = nullptr;
  std::chrono::milliseconds ai_deadline{60000};
};

void register_insights_api(http::Router& router, InsightsApiDeps deps);

}  // namespace moodgate::api
