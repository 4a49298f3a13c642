// The bytes of an HTTP/1.x answer: status line, headers, body. Written by hand rather than by
// Pistache's ResponseWriter, so the server decides itself about Connection and writes answers
// straight to the socket (see connection.h).
#pragma once

#include <string>

#include "core/http/http_types.h"

namespace moodgate::http {

// The reason phrase of a status code ("Not Found"); "Unknown" for codes we never send.
const char* reason_phrase(int status);

// Serializes `response` for a client speaking HTTP/1.<version_minor>. Repeated header names
// are joined into one comma-separated field; a Connection header among them only decides
// `close` (with the value "close"), and the answer then says `Connection: close` (or
// `keep-alive` otherwise). Content-Length is always written, except for 1xx, 204 and 304.
// Header values lose any CR or LF, so no value can split the head.
std::string serialize_response(const HttpResponse& response, int version_minor, bool& close);

}  // namespace moodgate::http
