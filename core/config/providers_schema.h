// The `providers:` section: named provider instances and, per capability, the chain of
// instances that serves it. Its shape (a map of named instances with free-form settings) does
// not fit the flat option tables, so it reads itself; its leaves reuse option_schema's readers.
#pragma once

#include "core/config/option_schema.h"

namespace moodgate::config {

SectionSpec providers_section();

}  // namespace moodgate::config
