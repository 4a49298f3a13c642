#include "tests/support/raw_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace moodgate::testing {
namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

RawConnection::RawConnection(std::uint16_t port, int receive_buffer)
    : fd_(connect_to(port, receive_buffer)) {}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::size_t RawConnection::send(const std::string& bytes, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) break;
      if ((p.revents & (POLLERR | POLLHUP)) != 0) break;
      continue;
    }
    break;  // the server closed or reset
  }
  return sent;
}

bool RawConnection::fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0 || closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char chunk[16384];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

HttpReply RawConnection::read_reply(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpReply reply;
  std::size_t body_start = 0;
  while (!parse_reply_head(buffer_, reply, body_start)) {
    if (!fill(deadline)) return HttpReply{};
  }
  // RFC 9112 6.3: no body after 1xx, 204 and 304; else Content-Length bytes; else all until
  // the server closes (npos). Read until the body is whole, the server closes or time is up.
  std::size_t wanted = 0;
  if (reply.status >= 200 && reply.status != 204 && reply.status != 304) {
    const auto length = reply.headers.find("content-length");
    wanted = length == reply.headers.end() ? std::string::npos : std::stoull(length->second);
    while (buffer_.size() - body_start < wanted && fill(deadline)) continue;
  }
  const std::size_t taken = std::min(wanted, buffer_.size() - body_start);
  reply.body = buffer_.substr(body_start, taken);
  buffer_.erase(0, body_start + taken);
  return reply;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    if (!fill(deadline) && !closed_) return false;
  }
  return true;
}

std::string RawConnection::read_some(std::size_t max, std::chrono::milliseconds timeout) {
  if (buffer_.empty()) fill(std::chrono::steady_clock::now() + timeout);
  std::string out = buffer_.substr(0, max);
  buffer_.erase(0, out.size());
  return out;
}

}  // namespace moodgate::testing
