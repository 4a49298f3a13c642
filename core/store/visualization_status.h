// VisualizationStatus: where a visualization job stands (see the job protocol in
// visualizations_repository.h).
//
// Inside the core a status is this enum. Its name ("queued", ...) appears only at the edges: the
// visualizations table's status column (whose CHECK admits exactly these names, and which the
// job protocol's statements compare in SQL) and the visualization JSON of API.md.
#pragma once

#include <optional>
#include <string_view>

namespace moodgate::store {

enum class VisualizationStatus {
  kQueued,     // waiting for a worker: new, or back after a try that may succeed later
  kRunning,    // a worker holds its lease
  kSucceeded,  // its image is stored
  kFailed,     // given up for good: error_code and error_message say why
};

// "queued", "running", "succeeded" or "failed".
const char* to_string(VisualizationStatus status);
// The status named `name` (exactly); nullopt for any other text.
std::optional<VisualizationStatus> visualization_status_from_string(std::string_view name);

}  // namespace moodgate::store
