// Clients that hang up with answers still queued must not stay counted as in flight: Pistache
// drops such writes without confirming them, and a drain would then wait its whole grace
// period for requests that ended long ago.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/test_databases.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

// Connects, sends `requests` pipelined GET /health requests, and resets the connection at once
// without reading a byte.
void send_and_hang_up(std::uint16_t port, int requests) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string bytes;
  for (int i = 0; i < requests; ++i) bytes += "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
  linger hard{1, 0};  // RST instead of FIN: the answers cannot be delivered
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

}  // namespace

TEST_CASE("requests whose client hung up are not left counted as in flight", "[http][drain]") {
  auto db = make_test_database("sqlite");
  auto config = test_config(db.url());
  config.server.shutdown_grace_ms = 10000;
  TestServer server(config);
  for (int c = 0; c < 200; ++c) send_and_hang_up(server.port(), 20);
  // Every answer is written, dropped, or given up on after the 2 s unconfirmed-write grace.
  std::this_thread::sleep_for(3s);
  const auto start = std::chrono::steady_clock::now();
  CHECK(server.app().shutdown());
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
}
