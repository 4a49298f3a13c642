#include "core/http/request_framer.h"

#include <strings.h>

#include <algorithm>
#include <climits>

namespace moodgate::http {
namespace {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~" / DIGIT / ALPHA.
bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

RequestFramer& self(http_parser* p) {
  return *static_cast<RequestFramer*>(p->data);
}

// A refusal for going past a limit, with the limit in its details.
Error over_limit(ErrorCode code, std::string message, const char* detail, std::size_t limit) {
  Error e(code, std::move(message));
  e.with(detail, static_cast<long long>(limit));
  return e;
}

Error head_too_large(const FramingLimits& limits) {
  return over_limit(ErrorCode::kHeadersTooLarge,
                    "The request's header block is larger than allowed", "limit_bytes",
                    limits.max_header_bytes);
}

Error body_too_large(const FramingLimits& limits) {
  return over_limit(ErrorCode::kPayloadTooLarge, "Request body is larger than the server accepts",
                    "limit_bytes", limits.max_body_bytes);
}

Error malformed(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

// The answer for an error http_parser found on its own. Its descriptions are fixed texts that
// never quote the input.
Error error_for(http_errno code, const FramingLimits& limits) {
  switch (code) {
    case HPE_HEADER_OVERFLOW:
      return head_too_large(limits);
    case HPE_INVALID_CONTENT_LENGTH:
      return malformed("Content-Length must be a decimal number of bytes");
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return malformed("A request may carry one Content-Length and no Transfer-Encoding with it");
    case HPE_INVALID_TRANSFER_ENCODING:
      return malformed("Transfer-Encoding must end with chunked");
    case HPE_INVALID_CHUNK_SIZE:
      return malformed("Malformed chunked body");
    default:
      return malformed(std::string("Malformed HTTP request: ") + http_errno_description(code));
  }
}

}  // namespace

RequestFramer::RequestFramer(FramingLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestFramer::on_message_begin;
  settings_.on_url = &RequestFramer::on_url;
  settings_.on_header_field = &RequestFramer::on_header_field;
  settings_.on_header_value = &RequestFramer::on_header_value;
  settings_.on_headers_complete = &RequestFramer::on_headers_complete;
  settings_.on_body = &RequestFramer::on_body;
  settings_.on_message_complete = &RequestFramer::on_message_complete;
}

void RequestFramer::start_message() {
  request_ = ParsedRequest{};
  headers_done_ = false;
  in_value_ = false;
  message_done_ = false;
}

int RequestFramer::fail(Error error) {
  if (state_ != State::kFailed) {
    state_ = State::kFailed;
    failure_ = std::move(error);
  }
  return 1;
}

std::size_t RequestFramer::feed(std::string_view bytes) {
  std::size_t total = 0;
  while (state_ == State::kNeedMore && total < bytes.size()) {
    std::size_t len = bytes.size() - total;
    if (!headers_done_) {
      // The parser never sees a head byte past the limit, so the refusal is the same however
      // the stream was cut into reads, and costs no more than the limit.
      const std::size_t allowed = limits_.max_header_bytes + 1;
      len = std::min(len, bytes_in_message_ < allowed ? allowed - bytes_in_message_ : 1);
    }
    const std::size_t n = http_parser_execute(&parser_, &settings_, bytes.data() + total, len);
    const auto code = static_cast<http_errno>(HTTP_PARSER_ERRNO(&parser_));
    total += n;
    bytes_in_message_ += n;
    if (code == HPE_PAUSED) {
      // Paused at the end of the head (to measure it) or of the message (to stop there).
      http_parser_pause(&parser_, 0);
      if (message_done_) {
        state_ = State::kRequest;
      } else if (headers_done_) {
        check_head();  // may fail
      }
      continue;
    }
    if (code != HPE_OK) {
      fail(error_for(code, limits_));  // keeps a refusal a callback made first
      break;
    }
    if (!headers_done_ && bytes_in_message_ > limits_.max_header_bytes) {
      fail(head_too_large(limits_));
    }
  }
  return total;
}

ParsedRequest RequestFramer::take_request() {
  ParsedRequest out = std::move(request_);
  start_message();
  bytes_in_message_ = 0;
  state_ = State::kNeedMore;
  return out;
}

int RequestFramer::on_message_begin(http_parser* p) {
  self(p).start_message();
  return 0;
}

int RequestFramer::on_url(http_parser* p, const char* at, std::size_t len) {
  RequestFramer& f = self(p);
  if (f.request_.target.size() + len > f.limits_.max_url_bytes) {
    return f.fail(over_limit(ErrorCode::kUriTooLong, "The request target is longer than allowed",
                             "limit_bytes", f.limits_.max_url_bytes));
  }
  f.request_.target.append(at, len);
  return 0;
}

int RequestFramer::on_header_field(http_parser* p, const char* at, std::size_t len) {
  RequestFramer& f = self(p);
  if (f.headers_done_) return 0;  // a trailer of a chunked body: read, never used
  for (std::size_t i = 0; i < len; ++i) {
    if (!is_tchar(static_cast<unsigned char>(at[i]))) {
      return f.fail(malformed("A header name holds a character HTTP does not allow"));
    }
  }
  auto& headers = f.request_.headers;
  if (headers.empty() || f.in_value_) {
    if (!headers.empty()) f.end_header_value();
    if (headers.size() >= f.limits_.max_header_count) {
      return f.fail(over_limit(ErrorCode::kHeadersTooLarge,
                               "The request has more header fields than allowed", "limit",
                               f.limits_.max_header_count));
    }
    headers.emplace_back();
    f.in_value_ = false;
  }
  headers.back().first.append(at, len);
  return 0;
}

int RequestFramer::on_header_value(http_parser* p, const char* at, std::size_t len) {
  RequestFramer& f = self(p);
  if (f.headers_done_) return 0;
  f.in_value_ = true;
  f.request_.headers.back().second.append(at, len);
  return 0;
}

void RequestFramer::end_header_value() {
  std::string& value = request_.headers.back().second;
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
}

int RequestFramer::on_headers_complete(http_parser* p) {
  RequestFramer& f = self(p);
  if (!f.request_.headers.empty()) f.end_header_value();
  f.headers_done_ = true;
  // Stop here so feed() knows exactly how long the head was before the body is read.
  http_parser_pause(p, 1);
  return 0;
}

int RequestFramer::check_head() {
  // feed() has counted up to the head's final LF, which the parser has not consumed yet.
  if (bytes_in_message_ + 1 > limits_.max_header_bytes) {
    return fail(head_too_large(limits_));
  }
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return fail(malformed("Only HTTP/1.0 and HTTP/1.1 are spoken here"));
  }
  request_.method = http_method_str(static_cast<http_method>(parser_.method));
  request_.version_minor = parser_.http_minor;
  request_.keep_alive = http_should_keep_alive(&parser_) != 0 && parser_.upgrade == 0;
  int hosts = 0;
  for (const auto& [name, value] : request_.headers) {
    if (strcasecmp(name.c_str(), "Host") == 0) ++hosts;
    if (strcasecmp(name.c_str(), "Expect") == 0 && strcasecmp(value.c_str(), "100-continue") == 0) {
      request_.expects_continue = true;
    }
  }
  if (hosts > 1 || (hosts == 0 && request_.version_minor == 1)) {
    return fail(malformed("An HTTP/1.1 request needs exactly one Host header"));
  }
  if ((parser_.flags & F_CONTENTLENGTH) != 0 && parser_.content_length != ULLONG_MAX &&
      parser_.content_length > limits_.max_body_bytes) {
    return fail(body_too_large(limits_));
  }
  if (request_.target.empty()) return fail(malformed("The request has no target"));
  return 0;
}

int RequestFramer::on_body(http_parser* p, const char* at, std::size_t len) {
  RequestFramer& f = self(p);
  if (f.request_.body.size() + len > f.limits_.max_body_bytes) {
    return f.fail(body_too_large(f.limits_));
  }
  if (f.request_.body.empty() && (p->flags & F_CONTENTLENGTH) != 0 &&
      p->content_length != ULLONG_MAX) {
    f.request_.body.reserve(len + static_cast<std::size_t>(p->content_length));
  }
  f.request_.body.append(at, len);
  return 0;
}

int RequestFramer::on_message_complete(http_parser* p) {
  RequestFramer& f = self(p);
  f.message_done_ = true;
  http_parser_pause(p, 1);  // one request at a time: the rest of the bytes wait
  return 0;
}

}  // namespace moodgate::http
