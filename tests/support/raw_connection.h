// RawConnection: one client TCP connection under a test's full control, for the HTTP front
// door: send any bytes (in pieces, slowly, or never), read answers one at a time off a
// keep-alive connection, and see whether and when the server closes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/http_client.h"

namespace moodgate::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port (connect_to()); `receive_buffer` > 0 shrinks SO_RCVBUF first
  // (slow readers).
  explicit RawConnection(std::uint16_t port, int receive_buffer = 0);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends as much of `bytes` as the server takes within `timeout`; how many bytes went out.
  std::size_t send(const std::string& bytes,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads the next answer: status line, headers and body (none after 1xx, 204 and 304; else
  // Content-Length bytes; without one, all until the server closes). Status 0 when no whole
  // head came within `timeout`; a body cut short by the close or the timeout is returned as
  // far as it came. Bytes after the answer stay buffered for the next call.
  HttpReply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the server closes (true) or `timeout` passes (false); what came is kept.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads at most `max` bytes that are there now or arrive within `timeout`.
  std::string read_some(std::size_t max, std::chrono::milliseconds timeout);
  // Everything received and not yet returned by read_reply().
  const std::string& buffered() const { return buffer_; }
  void close();

 private:
  // Waits for input and appends it; false on timeout, EOF or error (closed_ says which).
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;  // the server closed (EOF or reset)
};

}  // namespace moodgate::testing
