// The front door over real sockets: oversized and ambiguous requests are refused in the error
// envelope and the connection closed, cheaply; pipelined requests are answered in order.
#include <dirent.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <thread>

#include "tests/support/envelope_check.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_connection.h"
#include "tests/support/test_server.h"

using namespace moodgate::testing;
using namespace std::chrono_literals;

namespace {

using Fixture = SqliteServerFixture;

// CPU time, in seconds, that this process's threads whose names start with `prefix` have used
// (from /proc/self/task/*/schedstat, nanosecond resolution).
double thread_cpu_seconds(const std::string& prefix) {
  double total = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string task = std::string("/proc/self/task/") + entry->d_name;
    std::string name;
    std::getline(std::ifstream(task + "/comm"), name);
    if (name.rfind(prefix, 0) != 0) continue;
    unsigned long long on_cpu_ns = 0;
    std::ifstream(task + "/schedstat") >> on_cpu_ns;
    total += static_cast<double>(on_cpu_ns) / 1e9;
  }
  ::closedir(dir);
  return total;
}

// Sends `bytes` on a fresh connection; the answer must be `status`/`code`, and the server must
// then close the connection.
void check_refused_and_closed(std::uint16_t port, const std::string& bytes, int status,
                              const std::string& code) {
  RawConnection c(port);
  REQUIRE(c.connected());
  c.send(bytes);
  const HttpReply r = c.read_reply();
  check_envelope(r, status, code);
  CHECK(r.header("connection") == "close");
  CHECK(c.wait_closed(5s));
}

}  // namespace

TEST_CASE("each ambiguous framing is answered 400 and the connection closed", "[http][framing]") {
  Fixture f;
  TestServer server(f.config);
  const std::string post = "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two Content-Length", post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"},
      {"conflicting Content-Length", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
      {"hex length", post + "Content-Length: 0x2\r\n\r\n{}"},
      {"signed length", post + "Content-Length: +2 \r\n\r\n{}"},
      {"length with junk", post + "Content-Length: 2abc\r\n\r\n{}"},
      {"space before the colon", post + "Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
      {"chunked and a length", post + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"},
      {"NUL in a name", post + std::string("X-A\0B: 1\r\n\r\n", 13)},
      {"NUL in a value", post + std::string("X-A: 1\0 2\r\n\r\n", 13)},
      {"HTTP/1.1 without Host", "GET /health HTTP/1.1\r\nX-A: 1\r\n\r\n"},
      {"two Host headers", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
  };
  for (const auto& [name, bytes] : cases) {
    SECTION(name) {
      check_refused_and_closed(server.port(), bytes, 400, "INVALID_INPUT");
    }
  }
  CHECK(http_request(server.port(), "GET", "/health").status == 200);
}

TEST_CASE("a 1 MiB header, a 1 MiB URL and 10,000 headers are refused with 431 and 414",
          "[http][framing][limits]") {
  Fixture f;
  TestServer server(f.config);
  SECTION("one 1 MiB header") {
    check_refused_and_closed(server.port(),
                             get_request("/health", "X-Big: " + std::string(1 << 20, 'a') + "\r\n"),
                             431, "HEADERS_TOO_LARGE");
  }
  SECTION("a 1 MiB request target") {
    check_refused_and_closed(server.port(), get_request("/health?q=" + std::string(1 << 20, 'a')),
                             414, "URI_TOO_LONG");
  }
  SECTION("10,000 small headers") {
    std::string headers;
    for (int i = 0; i < 10000; ++i) headers += "X-" + std::to_string(i) + ": 1\r\n";
    check_refused_and_closed(server.port(), get_request("/health", headers), 431,
                             "HEADERS_TOO_LARGE");
  }
  SECTION("a header block just over server.max_header_bytes") {
    const std::string pad(f.config.server.max_header_bytes, 'p');
    check_refused_and_closed(server.port(), get_request("/health", "X-Pad: " + pad + "\r\n"), 431,
                             "HEADERS_TOO_LARGE");
  }
  CHECK(http_request(server.port(), "GET", "/health").status == 200);
}

TEST_CASE("the CPU a refused request costs does not grow with its size",
          "[http][framing][limits]") {
  Fixture f;
  TestServer server(f.config);
  // Pistache's parser spent ~0.5 s of CPU on one 1 MiB header and ~1.6 s on a 1 MiB URL,
  // growing with the square of the size; the framer stops at the limit.
  auto cpu_per_request = [&](const std::string& request) {
    constexpr int kRequests = 8;
    const double before = thread_cpu_seconds("mg-http");
    for (int i = 0; i < kRequests; ++i) {
      RawConnection c(server.port());
      c.send(request);
      REQUIRE(c.read_reply().status >= 400);
    }
    return (thread_cpu_seconds("mg-http") - before) / kRequests;
  };
  const double small =
      cpu_per_request(get_request("/health", "X-Big: " + std::string(32 << 10, 'a') + "\r\n"));
  const double big =
      cpu_per_request(get_request("/health", "X-Big: " + std::string(1 << 20, 'a') + "\r\n"));
  const double url = cpu_per_request(get_request("/health?q=" + std::string(1 << 20, 'a')));
  INFO("CPU per refused request: 32 KiB header " << small * 1e3 << " ms, 1 MiB header " << big * 1e3
                                                 << " ms, 1 MiB URL " << url * 1e3 << " ms");
  // Generous bounds (sanitizer builds are slow): a tenth of what one such request cost before.
  CHECK(big < 0.05);
  CHECK(url < 0.05);
  CHECK(big < 20 * small + 0.005);
}

TEST_CASE("pipelined requests in one write are all answered, in order", "[http][pipelining]") {
  Fixture f;
  TestServer server(f.config);
  RawConnection c(server.port());
  c.send(get_request("/health", "X-Request-ID: first\r\n") +
         get_request("/version", "X-Request-ID: second\r\n") +
         "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nX-Request-ID: third\r\n"
         "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" +
         get_request("/health/ready", "X-Request-ID: fourth\r\n"));
  const HttpReply one = c.read_reply();
  const HttpReply two = c.read_reply();
  const HttpReply three = c.read_reply();
  const HttpReply four = c.read_reply();
  CHECK(one.status == 200);
  CHECK(one.header("x-request-id") == "first");
  CHECK(two.status == 200);
  CHECK(two.header("x-request-id") == "second");
  CHECK(three.status == 400);  // email and password missing
  CHECK(three.header("x-request-id") == "third");
  CHECK(four.status == 200);
  CHECK(four.header("x-request-id") == "fourth");
  // And the connection is still good for more.
  c.send(get_request("/health"));
  CHECK(c.read_reply().status == 200);
}

TEST_CASE("a pipelined request after Connection: close is not answered; the socket closes",
          "[http][pipelining]") {
  Fixture f;
  TestServer server(f.config);
  RawConnection c(server.port());
  c.send(get_request("/health", "Connection: close\r\n") + get_request("/version"));
  const HttpReply r = c.read_reply();
  CHECK(r.status == 200);
  CHECK(r.header("connection") == "close");
  CHECK(c.wait_closed(5s));
  CHECK(c.buffered().empty());
}

TEST_CASE("a request sent in many small pieces is answered once it is whole", "[http][framing]") {
  Fixture f;
  TestServer server(f.config);
  RawConnection c(server.port());
  const std::string bytes = get_request("/health", "X-Request-ID: slow-but-fine\r\n");
  for (char ch : bytes) {
    c.send(std::string(1, ch));
    std::this_thread::sleep_for(1ms);
  }
  const HttpReply r = c.read_reply();
  CHECK(r.status == 200);
  CHECK(r.header("x-request-id") == "slow-but-fine");
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the body is sent", "[http][framing]") {
  Fixture f;
  TestServer server(f.config);
  RawConnection c(server.port());
  c.send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  const HttpReply interim = c.read_reply(2s);
  CHECK(interim.status == 100);
  c.send("{}");
  CHECK(c.read_reply().status == 400);
}

TEST_CASE(
    "a client that keeps streaming after its refusal is cut off, not read for the whole linger",
    "[http][framing][limits]") {
  Fixture f;
  TestServer server(f.config);  // linger: 2 s
  RawConnection c(server.port());
  c.send(get_request("/health", "X-Big: " + std::string(64 << 10, 'a') + "\r\n"));
  REQUIRE(c.read_reply().status == 431);
  const auto start = std::chrono::steady_clock::now();
  c.send(std::string(512 << 10, 'j'), 2s);  // junk past the answer: dropped, then reset
  CHECK(c.wait_closed(3s));
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
}
