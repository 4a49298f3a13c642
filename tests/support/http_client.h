// A small blocking HTTP/1.1 client over a raw socket, for tests: it sends exactly the bytes a
// test asks for (malformed or oversized requests included) and parses one answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace moodgate::testing {

struct HttpReply {
  int status = 0;                              // 0 when no answer could be read
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // A header's value ("" when absent); the name is case-insensitive.
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  // The body parsed as JSON (throws when it is not JSON).
  rapidjson::Document json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Reads the status line and headers at the start of `data` into `reply` (names lower-cased);
// false until the head is complete. `body_start` is then where the body begins.
bool parse_reply_head(const std::string& data, HttpReply& reply, std::size_t& body_start);

// "GET <target> HTTP/1.1" with a Host and `extra` header lines ("Name: value\r\n"...).
std::string get_request(const std::string& target, const std::string& extra = "");

// Sends one request (with Connection: close) on a fresh connection and reads the answer, as
// RawConnection::read_reply() does. `timeout` bounds the sending and the reading, each.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends raw bytes on a fresh connection and reads one answer, as http_request() does.
HttpReply http_raw(std::uint16_t port, const std::string& bytes,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A blocking TCP socket connected to 127.0.0.1:port, or -1. `receive_buffer` > 0 sets its
// SO_RCVBUF first (a slow reader's small window). The caller closes it.
int connect_to(std::uint16_t port, int receive_buffer = 0);

// True when something accepts TCP connections on 127.0.0.1:port.
bool port_open(std::uint16_t port);

}  // namespace moodgate::testing
