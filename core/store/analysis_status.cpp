#include "core/store/analysis_status.h"

namespace moodgate::store {

const char* to_string(AnalysisStatus status) {
  switch (status) {
    case AnalysisStatus::kPending:
      return "pending";
    case AnalysisStatus::kReady:
      return "ready";
    case AnalysisStatus::kFailed:
      return "failed";
    case AnalysisStatus::kSkipped:
      return "skipped";
  }
  return "unknown";
}

std::optional<AnalysisStatus> analysis_status_from_string(std::string_view name) {
  for (const AnalysisStatus status : {AnalysisStatus::kPending, AnalysisStatus::kReady,
                                      AnalysisStatus::kFailed, AnalysisStatus::kSkipped}) {
    if (name == to_string(status)) return status;
  }
  return std::nullopt;
}

}  // namespace moodgate::store
