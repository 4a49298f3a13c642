// Capability: what the app asks the AI for. Each is served by its own chain of provider
// instances, tried in order (providers.chains in the config). analysis, scenarios and summary
// are text tasks; image makes a picture.
//
// Inside the core a capability is this enum. Its name ("analysis", ...) appears only at the
// edges: the config file's chain keys, GET /api/v1/providers, POST /debug/ai/{capability}, the
// ai_usage table's capability column, and log lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moodgate::config {

enum class Capability { kAnalysis, kScenarios, kSummary, kImage };

// Every capability, in the order the API and messages list them.
inline constexpr Capability kCapabilities[] = {Capability::kAnalysis, Capability::kScenarios,
                                               Capability::kSummary, Capability::kImage};

// "analysis", "scenarios", "summary" or "image".
const char* to_string(Capability capability);
// The capability named `name` (exactly, lower case); nullopt for any other text.
std::optional<Capability> capability_from_string(std::string_view name);

// "analysis=[gemini,local]": how log lines show the instances serving a capability.
std::string describe_chain(Capability capability, const std::vector<std::string>& instances);

}  // namespace moodgate::config
