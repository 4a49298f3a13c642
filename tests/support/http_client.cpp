#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

#include "tests/support/raw_connection.h"

namespace moodgate::testing {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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
  return http_raw(port, req, timeout);
}

HttpReply http_raw(std::uint16_t port, const std::string& bytes,
                   std::chrono::milliseconds timeout) {
  RawConnection connection(port);
  // A server that answers early (413) may stop reading or close before all is sent: fine.
  connection.send(bytes, timeout);
  return connection.read_reply(timeout);
}

std::string get_request(const std::string& target, const std::string& extra) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

int connect_to(std::uint16_t port, int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
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

bool port_open(std::uint16_t port) {
  const int fd = connect_to(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace moodgate::testing
