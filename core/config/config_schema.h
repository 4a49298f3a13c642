// The schema of config/moodgate.yaml: every section and option the gateway understands, with
// its meaning, validation and log rendering (see option_schema.h for the row format).
//
// With providers_schema.h (the `providers:` section has a file of its own), this is the one place
// that says which options exist. To add a top-level section, write a function returning its
// SectionSpec and list it in config_sections(); document it in config/moodgate.yaml.
#pragma once

#include <vector>

#include "core/config/option_schema.h"

namespace moodgate::config {

// The top-level sections, in the order they are documented and logged. Built once; thread-safe.
const std::vector<SectionSpec>& config_sections();

}  // namespace moodgate::config
