// The `providers:` section: named provider instances and, per capability, the chain of
// instances that serves it. Read through option tables like every section: one table for the
// section, and one that each instance is read by (its plugin, settings, timeouts, retries,
// breaker and prices). Once read, every chain must name only instances that exist, and every
// capability must have one.
#pragma once

#include "core/config/option_schema.h"

namespace moodgate::config {

// The section's spec, for config_sections(). Its log line shows instances as name(plugin) and
// never their settings, which may hold keys.
SectionSpec providers_section();

}  // namespace moodgate::config
