#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace moodgate::testing {
namespace {

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

HttpReply exchange(std::uint16_t port, const std::string& bytes,
                   std::chrono::milliseconds timeout) {
  HttpReply reply;
  const int fd = connect_to(port);
  if (fd < 0) return reply;
  // Send everything; a server that answers early (413) may close before we finish: fine.
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string data;
  std::size_t body_start = 0;
  bool head = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    if (!head) head = parse_reply_head(data, reply, body_start);
    if (head) {
      auto cl = reply.headers.find("content-length");
      if (cl != reply.headers.end() &&
          data.size() - body_start >= static_cast<std::size_t>(std::stoull(cl->second))) {
        break;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!head && !parse_reply_head(data, reply, body_start)) {
    reply.status = 0;
    return reply;
  }
  reply.body = data.substr(body_start);
  auto cl = reply.headers.find("content-length");
  if (cl != reply.headers.end())
    reply.body.resize(std::min<std::size_t>(reply.body.size(), std::stoull(cl->second)));
  return reply;
}

}  // namespace

bool parse_reply_head(const std::string& data, HttpReply& reply, std::size_t& body_start) {
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  const auto first_eol = data.find("\r\n");
  const std::string status_line = data.substr(0, first_eol);
  const auto sp = status_line.find(' ');
  reply.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
  std::size_t pos = first_eol + 2;
  while (pos < end) {
    const auto eol = data.find("\r\n", pos);
    const std::string line = data.substr(pos, eol - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[lower(line.substr(0, colon))] = value;
    }
    pos = eol + 2;
  }
  body_start = end + 4;
  return true;
}

std::string HttpReply::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

bool HttpReply::has_header(const std::string& name) const {
  return headers.count(lower(name)) > 0;
}

rapidjson::Document HttpReply::json() const {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError()) throw std::runtime_error("answer is not JSON: " + body);
  return d;
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const Headers& headers,
                       std::chrono::milliseconds timeout) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "Content-Type") == 0) has_type = true;
  }
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  return exchange(port, req, timeout);
}

HttpReply http_raw(std::uint16_t port, const std::string& bytes,
                   std::chrono::milliseconds timeout) {
  return exchange(port, bytes, timeout);
}

std::string get_request(const std::string& target, const std::string& extra) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

bool port_open(std::uint16_t port) {
  const int fd = connect_to(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace moodgate::testing
