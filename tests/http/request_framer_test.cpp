// RequestFramer: the strict, incremental reading of requests off a connection's bytes.
#include "core/http/request_framer.h"

#include <catch2/catch.hpp>

#include <string>

using moodgate::ErrorCode;
using moodgate::http::FramingLimits;
using moodgate::http::ParsedRequest;
using moodgate::http::RequestFramer;

namespace {

FramingLimits small_limits() {
  FramingLimits limits;
  limits.max_url_bytes = 256;
  limits.max_header_bytes = 1024;
  limits.max_header_count = 10;
  limits.max_body_bytes = 64;
  return limits;
}

// Feeds `bytes` whole; the error code when refused.
ErrorCode refusal_of(const std::string& bytes, FramingLimits limits = small_limits()) {
  RequestFramer framer(limits);
  framer.feed(bytes);
  REQUIRE(framer.state() == RequestFramer::State::kFailed);
  return framer.failure().code;
}

}  // namespace

TEST_CASE("a request fed byte by byte comes out whole, with its headers in order",
          "[http][framer]") {
  RequestFramer framer(small_limits());
  const std::string bytes =
      "POST /api/v1/entries?limit=20 HTTP/1.1\r\nHost: t\r\nX-A: 1 \r\nContent-Length: 5\r\n"
      "\r\nhello";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    REQUIRE(framer.state() == RequestFramer::State::kNeedMore);
    CHECK(framer.feed(bytes.substr(i, 1)) == 1);
  }
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  const ParsedRequest r = framer.take_request();
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/v1/entries?limit=20");
  CHECK(r.version_minor == 1);
  REQUIRE(r.headers.size() == 3);
  CHECK(r.headers[1] == std::pair<std::string, std::string>("X-A", "1"));  // trailing space trimmed
  CHECK(r.body == "hello");
  CHECK(r.keep_alive);
  CHECK(framer.state() == RequestFramer::State::kNeedMore);
  CHECK_FALSE(framer.in_request());
}

TEST_CASE("pipelined requests are taken one at a time, the rest left unconsumed",
          "[http][framer]") {
  RequestFramer framer(small_limits());
  const std::string one = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string two = "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  const std::string both = one + two;
  const std::size_t used = framer.feed(both);
  CHECK(used == one.size());
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  CHECK(framer.take_request().target == "/a");
  CHECK(framer.feed(both.substr(used)) == two.size());
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  const ParsedRequest second = framer.take_request();
  CHECK(second.target == "/b");
  CHECK_FALSE(second.keep_alive);
}

TEST_CASE("a chunked body is de-chunked and its trailers never become headers", "[http][framer]") {
  RequestFramer framer(small_limits());
  framer.feed(
      "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nAuthorization: Bearer forged\r\n\r\n");
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  const ParsedRequest r = framer.take_request();
  CHECK(r.body == "abcde");
  for (const auto& [name, value] : r.headers) CHECK(name != "Authorization");
}

TEST_CASE("HTTP/1.0 closes unless it asks for keep-alive; 1.0 may omit Host", "[http][framer]") {
  RequestFramer framer(small_limits());
  framer.feed("GET / HTTP/1.0\r\n\r\n");
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  CHECK_FALSE(framer.take_request().keep_alive);
  RequestFramer again(small_limits());
  again.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  REQUIRE(again.state() == RequestFramer::State::kRequest);
  CHECK(again.take_request().keep_alive);
}

TEST_CASE("ambiguous framing is refused with 400", "[http][framer]") {
  const std::string head = "POST / HTTP/1.1\r\nHost: t\r\n";
  CHECK(refusal_of(head + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab") ==
        ErrorCode::kInvalidInput);
  CHECK(refusal_of(head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nab") ==
        ErrorCode::kInvalidInput);
  for (const char* length : {"0x2", "+2", "2abc", "-5", "", "99999999999999999999999"}) {
    INFO("Content-Length: " << length);
    CHECK(refusal_of(head + "Content-Length: " + length + "\r\n\r\nab") ==
          ErrorCode::kInvalidInput);
  }
  CHECK(refusal_of(head + "Transfer-Encoding : chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n") ==
        ErrorCode::kInvalidInput);
  CHECK(refusal_of(head + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n") ==
        ErrorCode::kInvalidInput);
  CHECK(refusal_of(head + "Transfer-Encoding: gzip\r\n\r\n") == ErrorCode::kInvalidInput);
  CHECK(refusal_of(std::string("GET / HTTP/1.1\r\nHo\0st: t\r\n\r\n", 28)) ==
        ErrorCode::kInvalidInput);
  CHECK(refusal_of(std::string("GET / HTTP/1.1\r\nHost: t\0x\r\n\r\n", 29)) ==
        ErrorCode::kInvalidInput);
  CHECK(refusal_of("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n") == ErrorCode::kInvalidInput);  // no Host
  CHECK(refusal_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == ErrorCode::kInvalidInput);
  CHECK(refusal_of("GET / HTTP/2.0\r\nHost: t\r\n\r\n") == ErrorCode::kInvalidInput);
  CHECK(refusal_of("GET /a b HTTP/1.1\r\nHost: t\r\n\r\n") == ErrorCode::kInvalidInput);
  CHECK(refusal_of(head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\n") == ErrorCode::kInvalidInput);
}

TEST_CASE("limits: target 414, head or header count 431, announced body 413", "[http][framer]") {
  CHECK(refusal_of("GET /" + std::string(300, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n") ==
        ErrorCode::kUriTooLong);
  CHECK(refusal_of("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'v') + "\r\n\r\n") ==
        ErrorCode::kHeadersTooLarge);
  std::string many = "GET / HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 11; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(refusal_of(many + "\r\n") == ErrorCode::kHeadersTooLarge);
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n") ==
        ErrorCode::kPayloadTooLarge);
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" +
                   std::string(65, 'x') + "\r\n0\r\n\r\n") == ErrorCode::kPayloadTooLarge);
  // Blank lines before a request count against the head too.
  CHECK(refusal_of(std::string(2000, '\n')) == ErrorCode::kHeadersTooLarge);
}

TEST_CASE("a head of exactly max_header_bytes is accepted and one byte more is not",
          "[http][framer]") {
  const std::string start = "GET / HTTP/1.1\r\nHost: t\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  const std::string exact = start + std::string(1024 - start.size() - end.size(), 'p') + end;
  REQUIRE(exact.size() == 1024);
  RequestFramer framer(small_limits());
  framer.feed(exact);
  CHECK(framer.state() == RequestFramer::State::kRequest);
  const std::string over = start + std::string(1025 - start.size() - end.size(), 'p') + end;
  CHECK(refusal_of(over) == ErrorCode::kHeadersTooLarge);
}

TEST_CASE("a huge header is refused after reading about the limit, not all of it",
          "[http][framer]") {
  RequestFramer framer(small_limits());
  const std::string chunk(4096, 'v');
  std::size_t fed = framer.feed("GET / HTTP/1.1\r\nHost: t\r\nX-Big: ");
  for (int i = 0; i < 256 && framer.state() == RequestFramer::State::kNeedMore; ++i) {
    fed += framer.feed(chunk);
  }
  REQUIRE(framer.state() == RequestFramer::State::kFailed);
  CHECK(framer.failure().code == ErrorCode::kHeadersTooLarge);
  CHECK(fed < 2 * 4096);
}

TEST_CASE("Expect: 100-continue is noticed once the head is in", "[http][framer]") {
  RequestFramer framer(small_limits());
  framer.feed("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  REQUIRE(framer.state() == RequestFramer::State::kNeedMore);
  CHECK(framer.awaiting_body());
  CHECK(framer.current().expects_continue);
  framer.feed("abc");
  REQUIRE(framer.state() == RequestFramer::State::kRequest);
  CHECK(framer.take_request().body == "abc");
}
