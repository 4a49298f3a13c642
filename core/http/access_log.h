// The access log: one JSON line per answered request on stdout.
//
// Fields: time, request_id, method, route (the matched pattern, so ids in paths do not land in
// logs), client (address, after trusted proxies), status, duration_ms, bytes. Never bodies,
// headers, query strings or tokens.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/http/http_types.h"

namespace moodgate::http {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string route;
  std::string client;
  int status = 0;
  double duration_ms = 0;
  std::size_t bytes = 0;
};

// The JSON line for one request (no trailing newline).
std::string access_log_line(const AccessRecord& record);

// Writes the line to the "access" logger (stdout), if access logging is on.
void write_access_log(const AccessRecord& record);

// Turns access logging on or off (from config: logging.access_log).
void set_access_log_enabled(bool enabled);

}  // namespace moodgate::http
