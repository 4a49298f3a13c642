// The mock provider's follow-up scenarios: "what if ..." situations for the user to reflect on,
// chosen by the entry's dominant emotion. Deterministic; any number can be asked for.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "lexicon.h"

namespace moodgate::mock {

struct Scenario {
  std::string title;   // a few words
  std::string prompt;  // one or two sentences addressed to the user
};

// The `index`-th scenario for an entry whose heaviest emotion is `dominant` (none: neutral).
// Distinct indexes give distinct scenarios.
Scenario scenario_for(std::optional<Emotion> dominant, std::size_t index);

}  // namespace moodgate::mock
