// The visualizations endpoints (API.md, "Visualizations"), all authenticated:
//   POST   /api/v1/entries/{id}/visualizations  {style?, aspect_ratio?} (body optional)
//          -> 202 visualization (queued), Location: /api/v1/visualizations/{id}
//   GET    /api/v1/visualizations?entry_id&limit&cursor -> 200 {"items", "next_cursor"}
//   GET    /api/v1/visualizations/{id}          -> 200 visualization
//   DELETE /api/v1/visualizations/{id}          -> 204
//   GET    /api/v1/visualizations/{id}/image    -> 200 the bytes with Content-Type, ETag (the
//          SHA-256) and Cache-Control: private, max-age=31536000, immutable; 304 when
//          If-None-Match names that ETag; 404 until the job succeeded.
// Another user's ids answer 404. The work runs on the worker pool (authenticated()).
#pragma once

#include "core/common/worker_pool.h"
#include "core/http/router.h"
#include "core/services/auth_service.h"
#include "core/services/idempotency_service.h"
#include "core/services/visualization_service.h"

namespace moodgate::api {

struct VisualizationsApiDeps {
  WorkerPool* pool = nullptr;
  services::AuthService* auth = nullptr;
  services::VisualizationService* visualizations = nullptr;
  services::IdempotencyService* idempotency = nullptr;  // POST takes an Idempotency-Key
};

void register_visualizations_api(http::Router& router, VisualizationsApiDeps deps);

}  // namespace moodgate::api
