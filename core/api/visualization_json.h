// JSON for the visualizations endpoints (API.md's `visualization`, and a page of them).
#pragma once

#include <string>

#include "core/common/json.h"
#include "core/services/visualization_service.h"

namespace moodgate::api {

// The path a visualization's image is served at.
std::string visualization_image_path(const std::string& id);

// {"id", "entry_id", "style", "aspect_ratio", "status", "image_url", "mime_type", "width",
//  "height", "provider", "model", "error", "attempts", "created_at", "completed_at"}:
// image_url only once succeeded, error ({code, message}) only once failed, the rest null until
// known.
void write_visualization(json::Writer& w, const services::Visualization& v);
std::string visualization_json(const services::Visualization& v);
// {"items": [...], "next_cursor": "..." | null}
std::string visualization_page_json(const services::VisualizationPage& page);

}  // namespace moodgate::api
