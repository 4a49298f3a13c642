// UUID v4 text ids (API.md: ids are opaque UUID v4 strings). Thread-safe.
#pragma once

#include <string>

namespace moodgate {

// A new random UUID v4 in canonical lower-case text form.
std::string new_uuid();

}  // namespace moodgate
