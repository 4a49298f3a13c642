#include "core/store/visualization_status.h"

namespace moodgate::store {

const char* to_string(VisualizationStatus status) {
  switch (status) {
    case VisualizationStatus::kQueued:
      return "queued";
    case VisualizationStatus::kRunning:
      return "running";
    case VisualizationStatus::kSucceeded:
      return "succeeded";
    case VisualizationStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<VisualizationStatus> visualization_status_from_string(std::string_view name) {
  for (const VisualizationStatus status :
       {VisualizationStatus::kQueued, VisualizationStatus::kRunning,
        VisualizationStatus::kSucceeded, VisualizationStatus::kFailed}) {
    if (name == to_string(status)) return status;
  }
  return std::nullopt;
}

}  // namespace moodgate::store
