// The HTTP/1.1 message handling of FakeGemini (internal to it): parsing a request head from the
// bytes received so far, and writing a reply. Pure functions, no sockets.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/fake_gemini.h"

namespace moodgate::testing::fake_gemini_http {

inline constexpr std::size_t kMaxHeadBytes = 64 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;

struct RequestHead {
  std::string method;
  std::string target;
  std::string version;                         // "HTTP/1.1" or "HTTP/1.0"
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined with ", "
  std::size_t size = 0;                        // bytes of the head, blank line included
};

enum class HeadResult { kIncomplete, kComplete, kMalformed, kTooLarge };

// Parses the head at the start of `data` into `head` once its blank line has arrived.
HeadResult parse_head(std::string_view data, RequestHead& head);

// The body's length from Content-Length (0 when absent); nullopt when the header is malformed.
std::optional<std::size_t> content_length(const RequestHead& head);

// A header's value ("" when absent); `name` lower-case.
std::string header(const RequestHead& head, const std::string& name);

// True when the comma-separated header value holds `token` (case-insensitive).
bool has_token(const std::string& value, const std::string& token);

// True when the connection must close after the answer (Connection: close, or HTTP/1.0 without
// keep-alive).
bool wants_close(const RequestHead& head);

// The percent-decoded value of `name` in a query string ("" when absent).
std::string query_param(const std::string& query, const std::string& name);

// The bytes of the answer: status line, the reply's headers, Content-Length, Connection and the
// body (only its first half when reply.truncate).
std::string serialize(const FakeGeminiReply& reply, bool close);

}  // namespace moodgate::testing::fake_gemini_http
