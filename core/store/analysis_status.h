// AnalysisStatus: where an entry's AI analysis stands.
//
// Inside the core a status is this enum. Its name ("pending", ...) appears only at the edges:
// the entries table's analysis_status column (whose CHECK admits exactly these names) and the
// entry JSON of API.md.
#pragma once

#include <optional>
#include <string_view>

namespace moodgate::store {

enum class AnalysisStatus {
  kPending,  // asked for; only the request that asked can store it, before its pending_until
  kReady,    // made: summary, sentiment, highlights and counts are set
  kFailed,   // the AI failed or the request was interrupted: error_code and error_message say so
  kSkipped,  // not asked for
};

// "pending", "ready", "failed" or "skipped".
const char* to_string(AnalysisStatus status);
// The status named `name` (exactly); nullopt for any other text.
std::optional<AnalysisStatus> analysis_status_from_string(std::string_view name);

}  // namespace moodgate::store
