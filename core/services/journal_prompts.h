// What the journal asks the text providers, and how their answers are checked.
//
// Each task is a system prompt, the entry (or entries) as the user message, and a JSON Schema
// the answer must be an instance of (providers turn it into their structured-output form, e.g.
// Gemini's responseSchema). The parse_* functions check an answer against that same schema and
// a few limits of our own before anything is stored: an answer that does not fit is a failure
// (kUpstreamError naming what is wrong), never data. The entry's own words are passed as
// data, and the system prompt tells the model never to follow instructions found in them.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/entries_repository.h"
#include "moodgate/provider.h"

namespace moodgate::services {

// The content of an entry the prompts are made from.
struct EntryText {
  std::string situation;
  std::string thoughts;
  std::vector<store::Emotion> emotions;
};

// The `analysis` task: summary, sentiment, score, highlights, counts.
sdk::TextTask analysis_task(const EntryText& entry);
// The ready Analysis in `answer` (provider and model left empty for the caller).
Result<store::Analysis> parse_analysis(const std::string& answer);

// The `scenarios` task: `count` follow-up situations to reflect on.
sdk::TextTask scenarios_task(const EntryText& entry, int count);
// 1..count scenarios from `answer` (ids left empty for the caller).
Result<std::vector<store::Scenario>> parse_scenarios(const std::string& answer, int count);

// The `summary` task over a period's entries (newest first, as given).
struct PeriodSummary {
  std::string summary;
  std::vector<std::string> highlights;
};
sdk::TextTask summary_task(const std::vector<EntryText>& entries, const std::string& from,
                           const std::string& to);
Result<PeriodSummary> parse_summary(const std::string& answer);

// A hex SHA-256 naming a text task exactly (system prompt, messages, schema), for caches.
std::string task_digest(const sdk::TextTask& task);

}  // namespace moodgate::services
