// RequestFramer: the strict front door. Reads one HTTP/1.x request at a time out of a
// connection's byte stream, incrementally, in time linear in the bytes fed, and refuses what
// a lenient parser would guess at.
//
// It wraps Node.js's http_parser (Debian's libhttp-parser-dev, 2.9: strict by default, no
// allocation, no recursion) and adds the rules that parser leaves to its caller:
//   - limits: request target over `max_url_bytes` → 414; request line plus headers over
//     `max_header_bytes` or more than `max_header_count` fields → 431; a body over
//     `max_body_bytes` → 413, refused as soon as Content-Length announces it;
//   - framing: http_parser already refuses two Content-Length headers, Content-Length with
//     Transfer-Encoding, a length that is not digits, and a Transfer-Encoding that does not
//     end in chunked; on top, a field name must be an RFC 9110 token (so `Transfer-Encoding :`
//     is refused rather than half-understood), HTTP/1.1 needs exactly one Host, and only
//     HTTP/1.0 and 1.1 are spoken. Every refusal is 400 unless a limit above applies.
// Trailer fields of a chunked body are read and dropped, never merged into the headers.
//
// Use: feed() bytes as they arrive; it stops at the end of one request (kRequest, take it
// with take_request(), then feed the unconsumed rest for the next one), or at the first
// error (kFailed, failure() says what to answer; the connection must then be closed).
// Not thread-safe: one framer per connection, fed by one thread at a time.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/error.h"

namespace moodgate::http {

struct FramingLimits {
  std::size_t max_url_bytes = 8192;
  std::size_t max_header_bytes = 16384;
  std::size_t max_header_count = 100;
  std::size_t max_body_bytes = 1048576;
};

// One complete request, as it came off the wire.
struct ParsedRequest {
  std::string method;     // "GET", "POST", ... as sent
  std::string target;     // the request target, e.g. "/api/v1/entries?limit=20"
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // in order, values trimmed
  std::string body;                                          // de-chunked
  bool keep_alive = true;         // the client allows another request on this connection
  bool expects_continue = false;  // `Expect: 100-continue` was sent
};

class RequestFramer {
 public:
  enum class State { kNeedMore, kRequest, kFailed };

  explicit RequestFramer(FramingLimits limits);
  RequestFramer(const RequestFramer&) = delete;
  RequestFramer& operator=(const RequestFramer&) = delete;

  // Parses from `bytes` up to the end of the current request. Returns how many bytes it
  // consumed: all of them while kNeedMore; up to the request's last byte on kRequest (the
  // rest belongs to the next request); on kFailed the stream is not to be trusted any more.
  std::size_t feed(std::string_view bytes);
  State state() const { return state_; }

  // Whether bytes of a request have been fed since the last request ended.
  bool in_request() const { return bytes_in_message_ > 0; }
  // True once the current request's headers are complete and its body is still to come.
  bool awaiting_body() const { return headers_done_ && state_ == State::kNeedMore; }
  // What the current request has shown so far (set once its headers are complete).
  const ParsedRequest& current() const { return request_; }

  // The request completed by the last feed() (state kRequest); the framer is then ready for
  // the next request.
  ParsedRequest take_request();
  // Why the stream was refused (state kFailed): the error to answer with.
  const Error& failure() const { return failure_; }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t len);
  static int on_header_field(http_parser* p, const char* at, std::size_t len);
  static int on_header_value(http_parser* p, const char* at, std::size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t len);
  static int on_message_complete(http_parser* p);

  void start_message();
  // Records the first refusal; the callback that calls it returns nonzero to stop the parser.
  int fail(Error error);
  // Checks the completed head against the rules http_parser leaves to its caller.
  int check_head();
  void end_header_value();

  FramingLimits limits_;
  http_parser parser_;
  http_parser_settings settings_;
  State state_ = State::kNeedMore;
  Error failure_;
  ParsedRequest request_;
  std::size_t bytes_in_message_ = 0;  // consumed since the current request began
  bool headers_done_ = false;
  bool in_value_ = false;  // the last header callback was a value
  bool message_done_ = false;
};

}  // namespace moodgate::http
