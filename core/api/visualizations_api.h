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

#include "core/api/routes.h"
#include "core/services/visualization_service.h"

namespace moodgate::api {

struct VisualizationsApiDeps {
  services::VisualizationService* visualizations = nullptr;
};

void register_visualizations_api(Routes& routes, VisualizationsApiDeps deps);

}  // namespace moodgate::api
