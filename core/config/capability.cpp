#include "core/config/capability.h"

#include <cstddef>

namespace moodgate::config {

const char* to_string(Capability capability) {
  switch (capability) {
    case Capability::kAnalysis:
      return "analysis";
    case Capability::kScenarios:
      return "scenarios";
    case Capability::kSummary:
      return "summary";
    case Capability::kImage:
      return "image";
  }
  return "unknown";
}

std::optional<Capability> capability_from_string(std::string_view name) {
  for (const Capability capability : kCapabilities) {
    if (name == to_string(capability)) return capability;
  }
  return std::nullopt;
}

std::string describe_chain(Capability capability, const std::vector<std::string>& instances) {
  std::string out = to_string(capability);
  out += "=[";
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (i > 0) out += ',';
    out += instances[i];
  }
  out += ']';
  return out;
}

}  // namespace moodgate::config
