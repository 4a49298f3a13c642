// Process-wide logging setup: application logs on stderr (UTC timestamps, level, message);
// the access log (core/http/access_log.h) writes JSON lines to stdout on its own logger.
// Never log secrets, tokens, passwords or request bodies.
#pragma once

#include <string>

namespace moodgate {

// Sets the default logger's level ("trace".."off"); unknown names fall back to info.
void setup_logging(const std::string& level);

}  // namespace moodgate
